#!/usr/bin/env bash
# The other direction: a client we did not write (authlib's OAuth 2.0 client, on
# requests) gets tokens from the crate's token endpoint core (s2s_oauth::server,
# served by examples/token_endpoint.rs): client credentials with
# client_secret_basic (authlib does not form-encode Basic credentials, and writes
# them in ISO-8859-1: the secret below reaches the server raw, its é as one byte)
# and client_secret_post, private_key_jwt (RS256),
# and the RFC 7523 JWT bearer grant as a Salesforce Named Credential sends it; and
# the refusals (wrong secrets, another key, a foreign audience, an unknown issuer;
# a wrong Basic secret is 401 with WWW-Authenticate).
set -euo pipefail
SUITE=token-endpoint
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
CLIENT="$INTEROP_DIR/py/authlib_client.py"
# authlib warns about its own deprecations on stderr: the token (or the error)
# is read from stdout, stderr shown only on a failure.
ERR="$WORK/client.err"
# A secret with the characters Basic encoders disagree on.
SECRET='p+ss/w rd:%41=&é'
printf '%s\n' "$SECRET" >"$WORK/secret"
printf '%s\n' 'not the secret' >"$WORK/wrong-secret"
AUDIENCE="https://api.example.com"

(cd "$REPO_ROOT" && cargo build --quiet --all-features --example token_endpoint)
ENDPOINT="$REPO_ROOT/target/debug/examples/token_endpoint"

if ! start_server endpoint "$ENDPOINT" --listen 127.0.0.1:0 --audience "$AUDIENCE" \
  --client-secret-file "reporting=$WORK/secret" \
  --client-key "batch=$KEYS/rsa2048.pub.pem" \
  --issuer "salesforce-org=$KEYS/rsa2048.cert.pem" \
  --requests 50; then
  fail server-start "the example token endpoint did not start"
  exit 0
fi
URL="http://127.0.0.1:$PORT/token"

# expect_token CASE ARGS...: authlib gets a Bearer token.
expect_token() {
  local case="$1" out
  shift
  if out="$("$INTEROP_PY" "$CLIENT" "$@" 2>"$ERR")" \
    && [[ "$(json_get "$out" token_type)" == "Bearer" && -n "$(json_get "$out" access_token)" ]]; then
    pass "$case"
    OUT="$out"
  else
    fail "$case" "$out $(cat "$ERR")"
    OUT=""
  fi
}

# expect_refused CASE WORD ARGS...: authlib's fetch fails with WORD in its message.
expect_refused() {
  local case="$1" word="$2" out
  shift 2
  if out="$("$INTEROP_PY" "$CLIENT" "$@" 2>"$ERR")"; then
    fail "$case" "a token was issued: $out"
  elif [[ "$out" == *"$word"* ]]; then
    pass "$case"
  else
    fail "$case" "refused, but not with $word: $out $(cat "$ERR")"
  fi
}

expect_token client-credentials-basic-raw basic "$URL" reporting "$WORK/secret"
expect_token client-credentials-post post "$URL" reporting "$WORK/secret"
expect_token client-credentials-private-key-jwt private-key-jwt "$URL" batch "$KEYS/rsa2048.pkcs8.pem"
expect_token jwt-bearer-salesforce-style jwt-bearer "$URL" salesforce-org integration@example.com \
  "$AUDIENCE" "$KEYS/rsa2048.pkcs8.pem"
if [[ -n "$OUT" && "$(json_get "$OUT" sub)" != "integration@example.com" ]]; then
  fail jwt-bearer-subject "the grant's subject did not reach the decision: $OUT"
elif [[ -n "$OUT" ]]; then
  pass jwt-bearer-subject
fi

expect_refused wrong-secret-basic invalid_client basic "$URL" reporting "$WORK/wrong-secret"
expect_refused wrong-secret-post invalid_client post "$URL" reporting "$WORK/wrong-secret"
expect_refused private-key-jwt-other-key invalid_client private-key-jwt "$URL" batch "$KEYS/p256.pkcs8.pem" ES256
expect_refused jwt-bearer-foreign-audience invalid_grant jwt-bearer "$URL" salesforce-org alice \
  "https://elsewhere.example" "$KEYS/rsa2048.pkcs8.pem"
expect_refused jwt-bearer-unknown-issuer invalid_grant jwt-bearer "$URL" stranger alice \
  "$AUDIENCE" "$KEYS/rsa2048.pkcs8.pem"

# The raw wire: 401 with the Basic challenge and no-store on a wrong Basic secret.
wire="$("$INTEROP_PY" - "$URL" <<'PY'
import base64, sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1], data=b"grant_type=client_credentials", headers={
    "Content-Type": "application/x-www-form-urlencoded",
    "Authorization": "Basic " + base64.b64encode(b"reporting:guess").decode()})
try:
    urllib.request.urlopen(request)
    print("200")
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("WWW-Authenticate"), e.headers.get("Cache-Control"), e.headers.get("Pragma"))
PY
)"
if [[ "$wire" == '401 Basic realm="token" no-store no-cache' ]]; then
  pass wrong-secret-401-challenge
else
  fail wrong-secret-401-challenge "$wire"
fi
