#!/usr/bin/env bash
# Google workload identity federation against a Google STS- and IAM Credentials-
# shaped server written from Google's API references (interop/py/google_sts_server.py,
# Python's http.server; the subject token verified with PyJWT against a key this
# suite generates), driven by the crate's `s2s-oauth google` subcommand and, for the
# typed error, the interop driver: a file-sourced external_account file exchanged at
# the STS; url-sourced files (text and json, the file's header sent; a 401 typed);
# an aws1 file (IMDSv2 metadata, the SigV4 GetCallerIdentity subject token
# recomputed by botocore; environment credentials); the same with service account impersonation (the STS asked for
# cloud-platform, the caller's scope sent to generateAccessToken); an executable
# source (run only with GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1, given Google's
# documented environment); refusals: a token for the wrong audience (the STS's
# invalid_grant as the crate's typed Error::OAuth, exit 3), a tampered token_url
# refused before any request, an impersonation the server denies (exit 5).
set -euo pipefail
SUITE=google-sts
source "$INTEROP_DIR/lib.sh"

if [[ -z "${S2S_CLI:-}" ]]; then
  fail cli "S2S_CLI is not set: the s2s-oauth binary was not built"
  exit 0
fi

ISSUER=https://token.actions.githubusercontent.com
PROVIDER=projects/123456789/locations/global/workloadIdentityPools/ci/providers/github
STS_AUDIENCE="//iam.googleapis.com/$PROVIDER"
ROBOT=deployer@interop-project.iam.gserviceaccount.com
SCOPE=https://www.googleapis.com/auth/devstorage.read_only
CLOUD=https://www.googleapis.com/auth/cloud-platform

new_p256_key "$WORK/platform.key.pem"
"$INTEROP_PY" - "$WORK" "$ISSUER" "$PROVIDER" "$ROBOT" <<'PY'
import json, sys, time
import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
work, issuer, provider, robot = sys.argv[1:]
key = serialization.load_pem_private_key(open(f"{work}/platform.key.pem", "rb").read(), None)
open(f"{work}/platform.pub.pem", "wb").write(key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
json.dump({"issuer": issuer, "public_key_pem": f"{work}/platform.pub.pem", "alg": "ES256",
           "provider": provider, "service_accounts": [robot],
           "subject_file": f"{work}/good.jwt",
           "source_header": ["X-Source-Token", "interop-source-secret"],
           "aws": {"zone": "us-west-2b", "role": "interop-role", "AccessKeyId": "ASIAINTEROPEXAMPLE",
                   "SecretAccessKey": "interop/secret+key", "Token": "interop-session-token"}},
          open(f"{work}/config.json", "w"))
now = int(time.time())
def token(aud):
    return pyjwt.encode({"iss": issuer, "sub": "repo:acme/deploy:ref:refs/heads/main",
                         "aud": aud, "iat": now, "exp": now + 600}, key, algorithm="ES256")
open(f"{work}/good.jwt", "w").write(token(f"https://iam.googleapis.com/{provider}"))
open(f"{work}/wrong-aud.jwt", "w").write(token("https://elsewhere.example"))
json.dump({"id_token": token(f"https://iam.googleapis.com/{provider}")}, open(f"{work}/good.json", "w"))
PY

if ! start_server google-sts "$INTEROP_PY" "$INTEROP_DIR/py/google_sts_server.py" "$WORK/config.json"; then
  fail server-start "the Google STS-shaped server did not start"
  exit 0
fi
BASE="http://127.0.0.1:$PORT"
LOG="$WORK/google-sts.log"
requests() { grep -c '^REQUEST ' "$LOG" || true; }

# credential_file NAME TOKEN_URL SOURCE_JSON [IMPERSONATE_EMAIL]
credential_file() {
  "$INTEROP_PY" - "$WORK/$1.json" "$STS_AUDIENCE" "$2" "$3" "${4:-}" "$BASE" <<'PY'
import json, sys
path, audience, token_url, source, email, base = sys.argv[1:]
config = {"type": "external_account", "audience": audience,
          "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
          "token_url": token_url, "credential_source": json.loads(source)}
if email:
    config["service_account_impersonation_url"] = (
        f"{base}/v1/projects/-/serviceAccounts/{email}:generateAccessToken")
json.dump(config, open(path, "w"))
PY
  echo "$WORK/$1.json"
}

# google CASE ARGS...: runs `s2s-oauth google ARGS --allow-loopback-endpoints`,
# leaving stdout in OUT, stderr in ERR, the exit status in CODE.
google() {
  set +e
  OUT="$("$S2S_CLI" google --allow-loopback-endpoints "$@" 2>"$WORK/stderr")"
  CODE=$?
  set -e
  ERR="$(cat "$WORK/stderr")"
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $CODE $OUT $ERR" >&2
}

# --- file source: the STS exchange ---------------------------------------------
FILE=$(credential_file file "$BASE/v1/token" "{\"file\": \"$WORK/good.jwt\"}")
google --credentials "$FILE" --scope "$SCOPE"
if [[ $CODE == 0 && "$(json_get "$OUT" token_type)" == Bearer \
  && "$(json_get "$OUT" access_token)" == ya29.sts.* \
  && "$(json_get "$OUT" issued_token_type)" == urn:ietf:params:oauth:token-type:access_token ]] \
  && grep -q "^STS-SCOPE $SCOPE\$" "$LOG"; then
  pass file-source-exchanged-at-sts
else
  fail file-source-exchanged-at-sts "exit $CODE: $OUT $ERR"
fi

# JSON-format token file.
JSONFILE=$(credential_file json "$BASE/v1/token" \
  "{\"file\": \"$WORK/good.json\", \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}")
google --credentials "$JSONFILE" --output token
if [[ $CODE == 0 && "$OUT" == ya29.sts.* ]]; then
  pass json-file-source
else
  fail json-file-source "exit $CODE: $OUT $ERR"
fi

# --- url source: the token fetched with the file's headers, text and json ---------
URLTEXT=$(credential_file url-text "$BASE/v1/token" \
  "{\"url\": \"$BASE/subject/text\", \"headers\": {\"X-Source-Token\": \"interop-source-secret\"}}")
before=$(grep -c '^SOURCE-HEADER ' "$LOG" || true)
google --credentials "$URLTEXT" --output token
if [[ $CODE == 0 && "$OUT" == ya29.sts.* \
  && $(( $(grep -c '^SOURCE-HEADER X-Source-Token' "$LOG" || true) - before )) == 1 ]]; then
  pass url-source-text
else
  fail url-source-text "exit $CODE: $OUT $ERR"
fi
URLJSON=$(credential_file url-json "$BASE/v1/token" \
  "{\"url\": \"$BASE/subject/json\", \"headers\": {\"X-Source-Token\": \"interop-source-secret\"}, \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}")
google --credentials "$URLJSON" --output token
if [[ $CODE == 0 && "$OUT" == ya29.sts.* ]]; then
  pass url-source-json
else
  fail url-source-json "exit $CODE: $OUT $ERR"
fi
# Without the header the source answers 401: the crate's typed status error (exit 5),
# and nothing reaches the STS.
NOHEADER=$(credential_file url-noheader "$BASE/v1/token" "{\"url\": \"$BASE/subject/text\"}")
sts_before=$(grep -c '^REQUEST /v1/token' "$LOG" || true)
google --credentials "$NOHEADER"
if [[ $CODE == 5 && "$ERR" == *401* && "$(grep -c '^REQUEST /v1/token' "$LOG" || true)" == "$sts_before" ]]; then
  pass url-source-refusal-typed
else
  fail url-source-refusal-typed "exit $CODE: $ERR"
fi

# --- AWS: IMDSv2 metadata, then a SigV4-signed GetCallerIdentity that botocore checks --
AWS=$("$INTEROP_PY" - "$WORK/aws.json" "$STS_AUDIENCE" "$BASE" <<'PY'
import json, sys
path, audience, base = sys.argv[1:]
json.dump({"type": "external_account", "audience": audience,
           "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
           "token_url": f"{base}/v1/token",
           "credential_source": {
               "environment_id": "aws1",
               "region_url": f"{base}/latest/meta-data/placement/availability-zone",
               "url": f"{base}/latest/meta-data/iam/security-credentials",
               "regional_cred_verification_url":
                   "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
               "imdsv2_session_token_url": f"{base}/latest/api/token"}}, open(path, "w"))
print(path)
PY
)
set +e
OUT="$(env -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  -u AWS_SESSION_TOKEN "$S2S_CLI" google --allow-loopback-endpoints --credentials "$AWS" \
  --output token 2>"$WORK/stderr")"
CODE=$?
set -e
if [[ $CODE == 0 && "$OUT" == ya29.sts.* ]] \
  && grep -q '^STS-SUBJECT aws:ASIAINTEROPEXAMPLE@us-west-2$' "$LOG" \
  && grep -q '^REQUEST PUT /latest/api/token$' "$LOG"; then
  pass aws-imdsv2-sigv4-verified-by-botocore
else
  fail aws-imdsv2-sigv4-verified-by-botocore "exit $CODE: $OUT $(cat "$WORK/stderr"); log: $(tail -6 "$LOG")"
fi
# The environment's credentials instead of the metadata server: another key, which
# botocore's recomputation (with the metadata server's key) refuses: exit 3.
set +e
OUT="$(AWS_REGION=us-west-2 AWS_ACCESS_KEY_ID=ASIAINTEROPEXAMPLE AWS_SECRET_ACCESS_KEY=not-the-key \
  AWS_SESSION_TOKEN=interop-session-token "$S2S_CLI" google --allow-loopback-endpoints \
  --credentials "$AWS" 2>"$WORK/stderr")"
CODE=$?
set -e
if [[ $CODE == 3 && "$(cat "$WORK/stderr")" == *"does not verify"* ]]; then
  pass aws-wrong-secret-fails-botocore-check
else
  fail aws-wrong-secret-fails-botocore-check "exit $CODE: $(cat "$WORK/stderr")"
fi
# ...and with the right secret in the environment it verifies, no metadata asked.
meta_before=$(grep -c '^REQUEST GET /latest' "$LOG" || true)
set +e
OUT="$(AWS_REGION=us-west-2 AWS_ACCESS_KEY_ID=ASIAINTEROPEXAMPLE AWS_SECRET_ACCESS_KEY=interop/secret+key \
  AWS_SESSION_TOKEN=interop-session-token "$S2S_CLI" google --allow-loopback-endpoints \
  --credentials "$AWS" --output token 2>"$WORK/stderr")"
CODE=$?
set -e
if [[ $CODE == 0 && "$OUT" == ya29.sts.* && "$(grep -c '^REQUEST GET /latest' "$LOG" || true)" == "$meta_before" ]]; then
  pass aws-environment-credentials
else
  fail aws-environment-credentials "exit $CODE: $OUT $(cat "$WORK/stderr")"
fi

# --- impersonation: STS (cloud-platform), then generateAccessToken (the scope) ----
IMP=$(credential_file impersonate "$BASE/v1/token" "{\"file\": \"$WORK/good.jwt\"}" "$ROBOT")
before=$(requests)
google --credentials "$IMP" --scope "$SCOPE"
after=$(requests)
if [[ $CODE == 0 && "$(json_get "$OUT" access_token)" == ya29.sa.* \
  && "$(json_get "$OUT" token_type)" == Bearer && $((after - before)) == 2 ]] \
  && [[ "$(grep '^STS-SCOPE ' "$LOG" | tail -1)" == "STS-SCOPE $CLOUD" ]] \
  && [[ "$(grep '^IAM-SCOPE ' "$LOG" | tail -1)" == "IAM-SCOPE $SCOPE" ]]; then
  pass impersonation-after-sts
else
  fail impersonation-after-sts "exit $CODE: $OUT $ERR; log: $(tail -4 "$LOG")"
fi
DENIED=$(credential_file denied "$BASE/v1/token" "{\"file\": \"$WORK/good.jwt\"}" \
  other@interop-project.iam.gserviceaccount.com)
google --credentials "$DENIED"
if [[ $CODE == 5 && "$ERR" == *403* ]]; then
  pass impersonation-denied-exit-5
else
  fail impersonation-denied-exit-5 "expected exit 5 with the 403: exit $CODE: $ERR"
fi

# --- executable source: only when allowed, with Google's environment --------------
cat >"$WORK/token.sh" <<SH
#!/bin/sh
if [ "\$GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE" != "$STS_AUDIENCE" ] \
  || [ "\$GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE" != urn:ietf:params:oauth:token-type:jwt ] \
  || [ "\$GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE" != 0 ]; then
  printf '{"version":1,"success":false,"code":"ENV","message":"missing environment"}'
  exit 1
fi
printf '{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"%s","expiration_time":%s}' \
  "\$(cat "$WORK/good.jwt")" "\$((\$(date +%s) + 600))"
SH
chmod 755 "$WORK/token.sh"
EXE=$(credential_file executable "$BASE/v1/token" \
  "{\"executable\": {\"command\": \"$WORK/token.sh\", \"timeout_millis\": 5000}}")
before=$(requests)
google --credentials "$EXE"
if [[ $CODE == 2 && "$ERR" == *GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1* && "$(requests)" == "$before" ]]; then
  pass executable-refused-without-opt-in
else
  fail executable-refused-without-opt-in "exit $CODE: $ERR"
fi
set +e
OUT="$(GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 "$S2S_CLI" google --allow-loopback-endpoints \
  --credentials "$EXE" --output token 2>"$WORK/stderr")"
CODE=$?
set -e
if [[ $CODE == 0 && "$OUT" == ya29.sts.* ]]; then
  pass executable-source-exchanged
else
  fail executable-source-exchanged "exit $CODE: $OUT $(cat "$WORK/stderr")"
fi

# --- refusals -------------------------------------------------------------------
WRONG=$(credential_file wrong "$BASE/v1/token" "{\"file\": \"$WORK/wrong-aud.jwt\"}")
google --credentials "$WRONG"
if [[ $CODE == 3 && "$ERR" == "error: invalid_grant: "* ]]; then
  pass wrong-audience-refused-exit-3
else
  fail wrong-audience-refused-exit-3 "exit $CODE: $ERR"
fi
# The same exchange through the library: the crate's typed Error::OAuth.
expect_oauth_error wrong-audience-typed-oauth-error invalid_grant --url "$BASE/v1/token" \
  --grant token-exchange --auth none --subject-token-file "$WORK/wrong-aud.jwt" \
  --subject-token-type jwt --audiences "$STS_AUDIENCE" --requested-token-type access_token \
  --scope "$CLOUD"
expect_token right-audience-through-the-library --url "$BASE/v1/token" \
  --grant token-exchange --auth none --subject-token-file "$WORK/good.jwt" \
  --subject-token-type jwt --audiences "$STS_AUDIENCE" --requested-token-type access_token \
  --scope "$CLOUD"
expect_oauth_error unknown-provider-invalid-target invalid_target --url "$BASE/v1/token" \
  --grant token-exchange --auth none --subject-token-file "$WORK/good.jwt" \
  --subject-token-type jwt --audiences "//iam.googleapis.com/projects/1/other" \
  --requested-token-type access_token --scope "$CLOUD"

# A tampered token_url: refused before anything is read or sent.
before=$(requests)
TAMPERED=$(credential_file tampered "https://sts.googleapis.com.attacker.example/v1/token" \
  "{\"file\": \"$WORK/good.jwt\"}")
google --credentials "$TAMPERED"
if [[ $CODE == 2 && "$ERR" == *attacker.example* && "$(requests)" == "$before" ]]; then
  pass tampered-token-url-refused
else
  fail tampered-token-url-refused "exit $CODE: $ERR"
fi
# This server's own URL, without --allow-loopback-endpoints: refused too.
set +e
OUT="$("$S2S_CLI" google --credentials "$FILE" 2>"$WORK/stderr")"
CODE=$?
set -e
if [[ $CODE == 2 && "$(cat "$WORK/stderr")" == *--allow-loopback-endpoints* && "$(requests)" == "$before" ]]; then
  pass loopback-token-url-needs-opt-in
else
  fail loopback-token-url-needs-opt-in "exit $CODE: $(cat "$WORK/stderr")"
fi
