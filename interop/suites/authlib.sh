#!/usr/bin/env bash
# The crate against an authlib authorization server (interop/py/authlib_server.py):
# client credentials with client_secret_basic, client_secret_post, private_key_jwt
# (RS256, ES256) and client_secret_jwt; the RFC 7523 JWT bearer grant; refresh with
# rotation; and the refusals, each of which must come back as the crate's typed
# Error::OAuth with authlib's error code.
set -euo pipefail
SUITE=authlib
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
# A secret that needs form-encoding. No space: authlib decodes Basic credentials
# with percent-decoding only (`unquote`, not `unquote_plus`), so the `+` that
# RFC 6749 §2.3.1's form-encoding gives a space would reach it as a plus sign.
SECRET='p%/:=&é+x?#'
printf '%s\n' "$SECRET" >"$WORK/secret"
printf '%s\n' 'not the secret' >"$WORK/wrong-secret"
HMAC_SECRET='a shared secret for client_secret_jwt, 32+ bytes'
printf '%s\n' "$HMAC_SECRET" >"$WORK/hmac-secret"

"$INTEROP_PY" - "$WORK/config.json" "$SECRET" "$HMAC_SECRET" "$KEYS" <<'EOF'
import json, sys
path, secret, hmac_secret, keys = sys.argv[1:]
cc = ["client_credentials"]
clients = [
    {"client_id": "cc-basic", "secret": secret, "auth_methods": ["client_secret_basic"], "grant_types": cc},
    {"client_id": "cc-post", "secret": secret, "auth_methods": ["client_secret_post"], "grant_types": cc},
    {"client_id": "cc-pkjwt-rsa", "public_key": f"{keys}/rsa2048.pub.pem", "auth_methods": ["private_key_jwt"], "grant_types": cc},
    {"client_id": "cc-pkjwt-p256", "public_key": f"{keys}/p256.pub.pem", "auth_methods": ["private_key_jwt"], "grant_types": cc},
    {"client_id": "cc-csjwt", "secret": hmac_secret, "auth_methods": ["client_secret_jwt"], "grant_types": cc},
    {"client_id": "jwt-app", "secret": secret, "public_key": f"{keys}/rsa2048.pub.pem",
     "auth_methods": ["client_secret_basic"],
     "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"],
     "users": ["alice@example.com"]},
]
json.dump({"clients": clients}, open(path, "w"))
EOF

if ! start_server authlib "$INTEROP_PY" "$INTEROP_DIR/py/authlib_server.py" "$WORK/config.json"; then
  fail server-start "the authlib server did not start"
  exit 0
fi
URL="http://127.0.0.1:$PORT/token"

# --- client credentials, every client authentication method -------------------
expect_token client-credentials-basic --url "$URL" --grant client-credentials --auth basic \
  --client-id cc-basic --secret-file "$WORK/secret"
expect_token client-credentials-post --url "$URL" --grant client-credentials --auth post \
  --client-id cc-post --secret-file "$WORK/secret"
expect_token client-credentials-private-key-jwt-RS256 --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id cc-pkjwt-rsa --client-key "$KEYS/rsa2048.pkcs8.pem"
expect_token client-credentials-private-key-jwt-ES256 --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id cc-pkjwt-p256 --client-key "$KEYS/p256.pkcs8.pem"
expect_token client-credentials-client-secret-jwt --url "$URL" --grant client-credentials \
  --auth client-secret-jwt --client-id cc-csjwt --secret-file "$WORK/hmac-secret"
expect_token client-credentials-scope --url "$URL" --grant client-credentials --auth basic \
  --client-id cc-basic --secret-file "$WORK/secret" --scope "read write"
if [[ "$(json_get "$OUT" scope)" != "read write" ]]; then
  fail client-credentials-scope-echoed "the granted scope is not the requested one: $OUT"
fi

# --- JWT bearer grant, then refresh with rotation -----------------------------
bearer=(--url "$URL" --grant jwt-bearer --auth none --key "$KEYS/rsa2048.pkcs8.pem"
  --iss jwt-app --sub alice@example.com)
expect_token jwt-bearer "${bearer[@]}" --aud "$URL" --save-refresh-token "$WORK/rt1"
expect_token jwt-bearer-issuer-audience "${bearer[@]}" --aud "http://127.0.0.1:$PORT"
refresh=(--url "$URL" --grant refresh-token --auth basic --client-id jwt-app --secret-file "$WORK/secret")
if [[ -s "$WORK/rt1" ]]; then
  expect_token refresh "${refresh[@]}" --refresh-token-file "$WORK/rt1" --save-refresh-token "$WORK/rt2"
  if [[ -s "$WORK/rt2" ]] && ! cmp -s "$WORK/rt1" "$WORK/rt2"; then
    pass refresh-rotated
  else
    fail refresh-rotated "the refresh did not return a new refresh token: $OUT"
  fi
  expect_oauth_error refresh-rotated-out-refused invalid_grant "${refresh[@]}" --refresh-token-file "$WORK/rt1"
  expect_token refresh-with-new-token "${refresh[@]}" --refresh-token-file "$WORK/rt2"
else
  fail refresh "the JWT bearer grant gave no refresh token: $OUT"
fi

# --- refusals: the crate's typed OAuth error with authlib's code ---------------
expect_oauth_error wrong-secret-basic invalid_client --url "$URL" --grant client-credentials \
  --auth basic --client-id cc-basic --secret-file "$WORK/wrong-secret"
expect_oauth_error wrong-secret-post invalid_client --url "$URL" --grant client-credentials \
  --auth post --client-id cc-post --secret-file "$WORK/wrong-secret"
expect_oauth_error wrong-secret-client-secret-jwt invalid_client --url "$URL" --grant client-credentials \
  --auth client-secret-jwt --client-id cc-csjwt --secret-file "$WORK/wrong-secret"
new_p256_key "$WORK/other-p256.pem"
expect_oauth_error private-key-jwt-wrong-key invalid_client --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id cc-pkjwt-p256 --client-key "$WORK/other-p256.pem"
expect_oauth_error private-key-jwt-expired invalid_client --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id cc-pkjwt-rsa --client-key "$KEYS/rsa2048.pkcs8.pem" --expired
expect_oauth_error private-key-jwt-wrong-audience invalid_client --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id cc-pkjwt-rsa --client-key "$KEYS/rsa2048.pkcs8.pem" \
  --assertion-audience https://elsewhere.example/token
OUT="$("$S2S_DRIVER" token --url "$URL" --grant client-credentials --auth private-key-jwt \
  --client-id cc-pkjwt-p256 --client-key "$KEYS/p256.pkcs8.pem" --replay 2>&1)" || true
if [[ "$(json_get "$OUT" first_ok)" == true && "$(json_get "$OUT" kind)" == oauth && "$(json_get "$OUT" error)" == invalid_client ]]; then
  pass private-key-jwt-replayed-jti
else
  fail private-key-jwt-replayed-jti "expected the first use to pass and the second to be invalid_client: $OUT"
fi
expect_oauth_error jwt-bearer-expired invalid_grant "${bearer[@]}" --aud "$URL" --expired
expect_oauth_error jwt-bearer-wrong-audience invalid_grant "${bearer[@]}" --aud https://elsewhere.example/token
expect_oauth_error jwt-bearer-tampered-signature invalid_grant "${bearer[@]}" --aud "$URL" --tamper
expect_oauth_error jwt-bearer-unknown-user invalid_grant --url "$URL" --grant jwt-bearer --auth none \
  --key "$KEYS/rsa2048.pkcs8.pem" --iss jwt-app --sub mallory@example.com --aud "$URL"
expect_oauth_error unknown-client invalid_client --url "$URL" --grant client-credentials --auth post \
  --client-id nobody --secret-file "$WORK/secret"
expect_oauth_error grant-not-allowed unauthorized_client --url "$URL" --grant client-credentials \
  --auth basic --client-id jwt-app --secret-file "$WORK/secret"
