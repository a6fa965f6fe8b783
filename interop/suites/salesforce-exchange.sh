#!/usr/bin/env bash
# Salesforce's token exchange, asset token and Data Cloud flows against a
# Salesforce-shaped server written from Salesforce's documentation
# (interop/py/salesforce_server.py, which cites the pages), driven through the
# s2s-oauth CLI (`token-exchange --salesforce`) and the driver's sf-* subcommands
# (the providers::salesforce presets). Identity provider tokens are signed by PyJWT;
# the asset token the server signs is verified by PyJWT. Refusals are the crate's
# typed errors: Error::OAuth with Salesforce's code (exit 3 from the CLI), or a local
# InvalidInput before anything is sent.
set -euo pipefail
SUITE=salesforce-exchange
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
IDP=https://idp.interop.example
AUDIENCE=salesforce-interop
APP=3MVG9interop.exchange
CONFIDENTIAL=3MVG9interop.confidential
printf 'exchange secret\n' >"$WORK/app-secret"
printf 'core secret\n' >"$WORK/core-secret"
public_pem() {
  "$INTEROP_PY" - "$1" "$2" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
open(sys.argv[2], "wb").write(key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
PY
}
public_pem "$KEYS/p256.pkcs8.pem" "$WORK/idp.pub.pem"
new_p256_key "$WORK/stranger.pem"

# Identity provider tokens, signed by PyJWT: one from the trusted IdP, one forged.
"$INTEROP_PY" - "$KEYS/p256.pkcs8.pem" "$WORK/stranger.pem" "$WORK" "$IDP" "$AUDIENCE" <<'PY'
import sys, time, jwt
idp_key, stranger, work, issuer, audience = sys.argv[1:]
now = int(time.time())
claims = {"iss": issuer, "aud": audience, "sub": "alice@example.com", "iat": now, "exp": now + 600}
open(f"{work}/id.jwt", "w").write(jwt.encode(claims, open(idp_key).read(), algorithm="ES256") + "\n")
open(f"{work}/forged.jwt", "w").write(jwt.encode(claims, open(stranger).read(), algorithm="ES256"))
PY

"$INTEROP_PY" - "$WORK/config.json" "$WORK" "$IDP" "$AUDIENCE" "$APP" "$CONFIDENTIAL" <<'PY'
import json, sys
path, work, idp, audience, app, confidential = sys.argv[1:]
json.dump({
    "apps": [{"client_id": app},
             {"client_id": confidential, "client_secret": "exchange secret", "require_secret": True}],
    "idp": {"issuer": idp, "audience": audience, "public_key_pem": f"{work}/idp.pub.pem"},
    "core_client": {"client_id": "3MVG9interop.core", "client_secret": "core secret"},
    "server_key_pub_out": f"{work}/server.pub.pem",
}, open(path, "w"))
PY

if ! start_server salesforce "$INTEROP_PY" "$INTEROP_DIR/py/salesforce_server.py" "$WORK/config.json"; then
  fail server-start "the Salesforce-shaped server did not start"
  exit 0
fi
BASE="http://127.0.0.1:$PORT"

# cli CASE EXIT ARGS...: runs the CLI, leaves stdout in OUT and stderr in ERR, and
# returns 1 (after reporting CASE failed) unless it exits EXIT.
cli() {
  local case="$1" want="$2" code=0
  shift 2
  OUT="$("$S2S_CLI" "$@" 2>"$WORK/stderr")" || code=$?
  ERR="$(cat "$WORK/stderr")"
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $OUT $ERR" >&2
  if ((code != want)); then
    fail "$case" "expected exit $want, got $code: $ERR"
    return 1
  fi
}

# --- token exchange flow (CLI) --------------------------------------------------
if cli cli-id-token-exchanged 0 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type id_token --client-id "$APP" --scope api; then
  if [[ "$(json_get "$OUT" instance_url)" == "$BASE" \
    && "$(json_get "$OUT" issued_token_type)" == urn:ietf:params:oauth:token-type:access_token \
    && "$(json_get "$OUT" id)" == "$BASE/id/00D"* ]]; then
    pass cli-id-token-exchanged
  else
    fail cli-id-token-exchanged "not Salesforce's answer: $OUT"
  fi
fi
# The server takes only the documented spelling of the JWT type (...:JWT).
cli cli-jwt-type-in-salesforce-spelling 0 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type jwt --client-id "$APP" \
  && pass cli-jwt-type-in-salesforce-spelling
cli cli-confidential-app-secret-in-body 0 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type jwt --client-id "$CONFIDENTIAL" \
  --client-secret-file "$WORK/app-secret" --auth post \
  && pass cli-confidential-app-secret-in-body
if cli cli-confidential-app-without-secret 3 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type jwt --client-id "$CONFIDENTIAL"; then
  [[ "$ERR" == "error: invalid_client: invalid client credentials (HTTP 400)"* ]] \
    && pass cli-confidential-app-without-secret \
    || fail cli-confidential-app-without-secret "$ERR"
fi
if cli cli-forged-subject-refused 3 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/forged.jwt" --subject-token-type jwt --client-id "$APP"; then
  [[ "$ERR" == "error: invalid_grant: "* ]] && pass cli-forged-subject-refused \
    || fail cli-forged-subject-refused "$ERR"
fi
if cli cli-unknown-app-refused 3 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type jwt --client-id 3MVG9nobody; then
  [[ "$ERR" == "error: invalid_client_id: client identifier invalid (HTTP 400)"* ]] \
    && pass cli-unknown-app-refused || fail cli-unknown-app-refused "$ERR"
fi
# A type Salesforce does not take: refused before anything is sent (exit 2).
cli cli-saml1-refused-locally 2 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type saml1 --client-id "$APP" \
  && pass cli-saml1-refused-locally

# --- the same through the presets (driver) ---------------------------------------
OUT="$("$S2S_DRIVER" sf-exchange --url "$BASE" --client-id "$APP" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type jwt 2>&1)" || true
[[ "$(json_get "$OUT" ok)" == true && "$(json_get "$OUT" instance_url)" == "$BASE" ]] \
  && pass preset-token-exchange || fail preset-token-exchange "$OUT"
OUT="$("$S2S_DRIVER" sf-exchange --url "$BASE" --client-id "$APP" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type saml1 2>&1)" || true
[[ "$(json_get "$OUT" kind)" == local && "$(json_get "$OUT" field)" == TokenType ]] \
  && pass preset-unsupported-type-typed-local-error || fail preset-unsupported-type-typed-local-error "$OUT"
# Sent anyway through the generic grant: the server's refusal is a typed OAuthError.
expect_oauth_error server-refuses-unsupported-subject-type invalid_request \
  --url "$BASE/services/oauth2/token" --grant token-exchange --auth none --client-id "$APP" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type saml1
expect_oauth_error server-refuses-rfc-type-uri-it-does-not-list invalid_request \
  --url "$BASE/services/oauth2/token" --grant token-exchange --auth none --client-id "$APP" \
  --subject-token-file "$WORK/id.jwt" --subject-token-type urn:example:custom-type

# --- the core token the asset and Data Cloud flows start from --------------------
if cli core-token 0 client-credentials --token-url "$BASE/services/oauth2/token" \
  --client-id 3MVG9interop.core --client-secret-file "$WORK/core-secret" --auth post --output token; then
  printf '%s' "$OUT" >"$WORK/core.token"
  pass core-token
fi

# --- asset token flow ------------------------------------------------------------
OUT="$("$S2S_DRIVER" sf-actor-token --key "$KEYS/p256.pkcs8.pem" --did printer-4711 \
  --name "Office printer" --serial SN-4711 --out "$WORK/actor.jwt" 2>&1)" || true
[[ "$(json_get "$OUT" ok)" == true ]] || fail actor-token "$OUT"
OUT="$("$S2S_DRIVER" sf-asset --url "$BASE" --subject-token-file "$WORK/core.token" \
  --actor-token-file "$WORK/actor.jwt" 2>&1)" || true
if [[ "$(json_get "$OUT" ok)" == true && "$(json_get "$OUT" device_id)" == printer-4711 \
  && "$(json_get "$OUT" issued_token_type)" == urn:ietf:params:oauth:token-type:jwt \
  && "$(json_get "$OUT" is_access_token)" == false ]]; then
  pass preset-asset-token
else
  fail preset-asset-token "$OUT"
fi
if cli cli-asset-token 0 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/core.token" --subject-token-type access_token \
  --actor-token-file "$WORK/actor.jwt" --actor-token-type jwt --output token; then
  # PyJWT verifies the asset token with the org's key and finds the device's key bound.
  if "$INTEROP_PY" - "$OUT" "$WORK/server.pub.pem" "$KEYS/p256.pkcs8.pem" <<'PY'; then
import json, sys, jwt
token, server_pub, device = sys.argv[1:]
claims = jwt.decode(token, open(server_pub).read(), algorithms=["RS256"], options={"verify_aud": False})
from cryptography.hazmat.primitives import serialization
pub = serialization.load_pem_private_key(open(device, "rb").read(), None).public_key()
bound = jwt.PyJWK(claims["cnf"]["jwk"]).key.public_numbers()
assert claims["did"] == "printer-4711" and claims["Asset"]["SerialNumber"] == "SN-4711"
assert bound == pub.public_numbers(), "cnf.jwk is not the device key"
PY
    pass cli-asset-token-verified-by-pyjwt
  else
    fail cli-asset-token-verified-by-pyjwt "PyJWT did not accept the asset token"
  fi
fi
# Proof of possession is an option ("If you construct an actor token holding the
# public key of your asset and sign it with your asset's private key, Salesforce
# binds that public key", remoteaccess_asset_token_pop): an actor token without
# cnf (here unsigned) is taken, and its asset token binds no key.
"$INTEROP_PY" -c '
import base64, json, sys
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
open(sys.argv[1], "w").write(b({"alg": "none"}) + "." + b({"did": "sensor-17", "Name": "Door sensor"}) + ".")
' "$WORK/nopop.jwt"
if cli cli-asset-token-without-pop 0 token-exchange --salesforce "$BASE" \
  --subject-token-file "$WORK/core.token" --subject-token-type access_token \
  --actor-token-file "$WORK/nopop.jwt" --actor-token-type jwt --output token; then
  if "$INTEROP_PY" - "$OUT" "$WORK/server.pub.pem" <<'PY'; then
import sys, jwt
token, server_pub = sys.argv[1:]
claims = jwt.decode(token, open(server_pub).read(), algorithms=["RS256"], options={"verify_aud": False})
assert claims["did"] == "sensor-17" and "cnf" not in claims
PY
    pass cli-asset-token-without-pop
  else
    fail cli-asset-token-without-pop "not the org's asset token, or one that binds a key: $OUT"
  fi
fi
# An actor token signed by another key than its cnf.jwk names.
"$S2S_DRIVER" sf-actor-token --key "$WORK/stranger.pem" --did printer-4711 --out "$WORK/other.jwt" >/dev/null
"$INTEROP_PY" -c '
import sys
h = open(sys.argv[1]).read().strip().rsplit(".", 1)[0]
o = open(sys.argv[2]).read().strip().rsplit(".", 1)[1]
open(sys.argv[3], "w").write(h + "." + o)
' "$WORK/actor.jwt" "$WORK/other.jwt" "$WORK/spliced.jwt"
OUT="$("$S2S_DRIVER" sf-asset --url "$BASE" --subject-token-file "$WORK/core.token" \
  --actor-token-file "$WORK/spliced.jwt" 2>&1)" || true
[[ "$(json_get "$OUT" kind)" == oauth && "$(json_get "$OUT" error)" == invalid_grant ]] \
  && pass asset-actor-signature-refused || fail asset-actor-signature-refused "$OUT"
printf 'not-a-live-token' >"$WORK/dead.token"
OUT="$("$S2S_DRIVER" sf-asset --url "$BASE" --subject-token-file "$WORK/dead.token" \
  --actor-token-file "$WORK/actor.jwt" 2>&1)" || true
[[ "$(json_get "$OUT" error)" == invalid_grant \
  && "$(json_get "$OUT" description)" == "expired access/refresh token" ]] \
  && pass asset-dead-subject-refused || fail asset-dead-subject-refused "$OUT"

# --- Data Cloud (Data 360) exchange ------------------------------------------------
OUT="$("$S2S_DRIVER" sf-data-cloud --instance-url "$BASE" --subject-token-file "$WORK/core.token" \
  --dataspace default 2>&1)" || true
if [[ "$(json_get "$OUT" ok)" == true \
  && "$(json_get "$OUT" instance_url)" == https://gq2tqnjxgu4dsmrqmfstsnbtgy.c360a.salesforce.com \
  && "$(json_get "$OUT" expires_in)" == 7130 ]]; then
  pass data-cloud-tenant-instance-url
else
  fail data-cloud-tenant-instance-url "$OUT"
fi
OUT="$("$S2S_DRIVER" sf-data-cloud --instance-url "$BASE" --subject-token-file "$WORK/dead.token" 2>&1)" || true
[[ "$(json_get "$OUT" kind)" == oauth && "$(json_get "$OUT" error)" == invalid_grant ]] \
  && pass data-cloud-dead-core-token-refused || fail data-cloud-dead-core-token-refused "$OUT"
