#!/usr/bin/env bash
# The crate against Node's oidc-provider (interop/node/oidc_server.mjs): client
# credentials over client_secret_basic with a secret full of characters that need
# form-encoding, client_secret_post, client_secret_jwt, private_key_jwt with RS256,
# PS256 and ES256 keys (a replayed jti refused), a registered RFC 7523 JWT bearer
# grant, refresh with rotation, and the refusals as the crate's typed Error::OAuth
# with oidc-provider's error codes.
set -euo pipefail
SUITE=oidc-provider
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
# oidc-provider form-decodes Basic credentials (RFC 6749 §2.3.1): every one of
# these characters must be form-encoded by the client before base64. (No `é`:
# RFC 6749 Appendix A.2 allows only VSCHAR, %x20-7E, in a client_secret, and
# oidc-provider refuses to register anything else.)
SECRET='a b+c%/:=&?~'
printf '%s\n' "$SECRET" >"$WORK/secret"
printf '%s\n' 'a b+c%/:=&?-' >"$WORK/wrong-secret"
# client_secret_jwt keys HMAC-SHA256 with the secret: oidc-provider wants 32+ bytes.
HMAC_SECRET='a shared secret for client_secret_jwt, 32+ bytes long'
printf '%s\n' "$HMAC_SECRET" >"$WORK/hmac-secret"

"$INTEROP_PY" - "$WORK/config.json" "$SECRET" "$HMAC_SECRET" "$KEYS" <<'EOF'
import json, sys
path, secret, hmac_secret, keys = sys.argv[1:]
cc = ["client_credentials"]
def pkjwt(client_id, pem, alg):
    return {"client_id": client_id, "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": alg, "public_key_pem": pem, "grant_types": cc}
config = {
    "clients": [
        {"client_id": "cc-basic", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic", "grant_types": cc},
        {"client_id": "cc-post", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_post", "grant_types": cc},
        {"client_id": "cc-csjwt", "client_secret": hmac_secret,
         "token_endpoint_auth_method": "client_secret_jwt",
         "token_endpoint_auth_signing_alg": "HS256", "grant_types": cc},
        pkjwt("pkjwt-rs256", f"{keys}/rsa2048.pub.pem", "RS256"),
        pkjwt("pkjwt-ps256", f"{keys}/rsa2048.pub.pem", "PS256"),
        pkjwt("pkjwt-es256", f"{keys}/p256.pub.pem", "ES256"),
        {"client_id": "jwt-app", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic",
         "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"]},
    ],
    "jwt_bearer": {"jwt-app": {"public_key_pem": f"{keys}/rsa2048.pub.pem", "alg": "RS256",
                               "users": ["alice@example.com"]}},
}
json.dump(config, open(path, "w"))
EOF

if ! start_server oidc-provider node "$INTEROP_NODE_DIR/oidc_server.mjs" "$WORK/config.json"; then
  fail server-start "oidc-provider did not start"
  exit 0
fi
URL="http://127.0.0.1:$PORT/token"

# --- client credentials --------------------------------------------------------
expect_token client-credentials-basic-form-encoded-secret --url "$URL" --grant client-credentials \
  --auth basic --client-id cc-basic --secret-file "$WORK/secret"
expect_token client-credentials-post --url "$URL" --grant client-credentials \
  --auth post --client-id cc-post --secret-file "$WORK/secret"
expect_token client-credentials-client-secret-jwt --url "$URL" --grant client-credentials \
  --auth client-secret-jwt --client-id cc-csjwt --secret-file "$WORK/hmac-secret"
for alg in RS256 PS256 ES256; do
  key="$KEYS/rsa2048.pkcs8.pem"
  [[ $alg == ES256 ]] && key="$KEYS/p256.pkcs8.pem"
  client="pkjwt-$(tr '[:upper:]' '[:lower:]' <<<"$alg")"
  expect_token "private-key-jwt-$alg" --url "$URL" --grant client-credentials \
    --auth private-key-jwt --client-id "$client" --client-key "$key" --client-alg "$alg"
  OUT="$("$S2S_DRIVER" token --url "$URL" --grant client-credentials --auth private-key-jwt \
    --client-id "$client" --client-key "$key" --client-alg "$alg" --replay 2>&1)" || true
  if [[ "$(json_get "$OUT" first_ok)" == true && "$(json_get "$OUT" kind)" == oauth && "$(json_get "$OUT" error)" == invalid_client ]]; then
    pass "private-key-jwt-$alg-replayed-jti-refused"
  else
    fail "private-key-jwt-$alg-replayed-jti-refused" "expected the first use to pass and the second to be invalid_client: $OUT"
  fi
done
expect_token private-key-jwt-issuer-audience --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id pkjwt-es256 --client-key "$KEYS/p256.pkcs8.pem" \
  --assertion-audience "http://127.0.0.1:$PORT"

# --- JWT bearer grant (registered), then refresh with rotation -----------------
bearer=(--url "$URL" --grant jwt-bearer --auth basic --client-id jwt-app --secret-file "$WORK/secret"
  --key "$KEYS/rsa2048.pkcs8.pem" --iss jwt-app --sub alice@example.com)
expect_token jwt-bearer "${bearer[@]}" --aud "$URL" --save-refresh-token "$WORK/rt1"
refresh=(--url "$URL" --grant refresh-token --auth basic --client-id jwt-app --secret-file "$WORK/secret")
if [[ -s "$WORK/rt1" ]]; then
  expect_token refresh "${refresh[@]}" --refresh-token-file "$WORK/rt1" --save-refresh-token "$WORK/rt2"
  if [[ -s "$WORK/rt2" ]] && ! cmp -s "$WORK/rt1" "$WORK/rt2"; then
    pass refresh-rotated
  else
    fail refresh-rotated "the refresh did not return a new refresh token: $OUT"
  fi
  # Re-using a rotated-out refresh token is refused and revokes the whole grant.
  expect_oauth_error refresh-rotated-out-refused invalid_grant "${refresh[@]}" --refresh-token-file "$WORK/rt1"
  expect_oauth_error refresh-grant-revoked-after-reuse invalid_grant "${refresh[@]}" --refresh-token-file "$WORK/rt2"
else
  fail refresh "the JWT bearer grant gave no refresh token: $OUT"
fi

# --- refusals: the crate's typed OAuth error with oidc-provider's code ---------
expect_oauth_error wrong-secret-basic invalid_client --url "$URL" --grant client-credentials \
  --auth basic --client-id cc-basic --secret-file "$WORK/wrong-secret"
expect_oauth_error wrong-secret-post invalid_client --url "$URL" --grant client-credentials \
  --auth post --client-id cc-post --secret-file "$WORK/wrong-secret"
expect_oauth_error wrong-secret-client-secret-jwt invalid_client --url "$URL" --grant client-credentials \
  --auth client-secret-jwt --client-id cc-csjwt --secret-file "$WORK/wrong-secret"
new_p256_key "$WORK/other-p256.pem"
expect_oauth_error private-key-jwt-wrong-key invalid_client --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id pkjwt-es256 --client-key "$WORK/other-p256.pem"
expect_oauth_error private-key-jwt-expired invalid_client --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id pkjwt-es256 --client-key "$KEYS/p256.pkcs8.pem" --expired
expect_oauth_error private-key-jwt-wrong-audience invalid_client --url "$URL" --grant client-credentials \
  --auth private-key-jwt --client-id pkjwt-es256 --client-key "$KEYS/p256.pkcs8.pem" \
  --assertion-audience https://elsewhere.example/token
expect_oauth_error jwt-bearer-expired invalid_grant "${bearer[@]}" --aud "$URL" --expired
expect_oauth_error jwt-bearer-wrong-audience invalid_grant "${bearer[@]}" --aud https://elsewhere.example/token
expect_oauth_error jwt-bearer-tampered-signature invalid_grant "${bearer[@]}" --aud "$URL" --tamper
expect_oauth_error jwt-bearer-unknown-user invalid_grant --url "$URL" --grant jwt-bearer --auth basic \
  --client-id jwt-app --secret-file "$WORK/secret" --key "$KEYS/rsa2048.pkcs8.pem" \
  --iss jwt-app --sub mallory@example.com --aud "$URL"
OUT="$("$S2S_DRIVER" token "${bearer[@]}" --aud "$URL" --replay 2>&1)" || true
if [[ "$(json_get "$OUT" first_ok)" == true && "$(json_get "$OUT" kind)" == oauth && "$(json_get "$OUT" error)" == invalid_grant ]]; then
  pass jwt-bearer-replayed-jti-refused
else
  fail jwt-bearer-replayed-jti-refused "expected the first use to pass and the second to be invalid_grant: $OUT"
fi
# oidc-provider answers a grant type the client may not use with invalid_request
# (RFC 6749 §5.2 would say unauthorized_client): the crate passes on its code as is.
expect_oauth_error grant-not-allowed invalid_request --url "$URL" --grant client-credentials \
  --auth basic --client-id jwt-app --secret-file "$WORK/secret"
