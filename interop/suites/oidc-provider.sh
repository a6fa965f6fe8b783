#!/usr/bin/env bash
# The crate against Node's oidc-provider (interop/node/oidc_server.mjs): client
# credentials over client_secret_basic with a secret full of characters that need
# form-encoding, client_secret_post, client_secret_jwt, private_key_jwt with RS256,
# PS256 and ES256 keys (a replayed jti refused), a registered RFC 7523 JWT bearer
# grant, refresh with rotation, and the refusals as the crate's typed Error::OAuth
# with oidc-provider's error codes; and DPoP (RFC 9449) against oidc-provider's
# features.dPoP, with and without demanded nonces: client credentials, refresh,
# userinfo with a bound token and a proof carrying ath.
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

# --- DPoP (RFC 9449): oidc-provider's features.dPoP, without and with nonces ----
# Client credentials and refresh with a DPoP proof give DPoP-bound tokens
# (token_type DPoP); with nonces demanded, the crate sends once more with the
# server's nonce and hands the latest one over. A bound token from the refresh
# grant (scope openid) is used at oidc-provider's userinfo endpoint with a proof
# carrying ath; as a bearer token, or with another key's proof, it is refused.
for mode in plain nonce; do
  "$INTEROP_PY" - "$WORK/dpop-$mode.json" "$SECRET" "$KEYS" "$mode" <<'EOF_PY'
import json, sys
path, secret, keys, mode = sys.argv[1:]
config = {
    "clients": [
        {"client_id": "dpop-cc", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic", "grant_types": ["client_credentials"]},
        {"client_id": "dpop-app", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic",
         "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"]},
    ],
    "jwt_bearer": {"dpop-app": {"public_key_pem": f"{keys}/rsa2048.pub.pem", "alg": "RS256",
                                "users": ["alice@example.com"], "scope": "openid offline_access"}},
    "dpop": {"nonce": mode == "nonce"},
}
json.dump(config, open(path, "w"))
EOF_PY
  if ! start_server "oidc-provider-dpop-$mode" node "$INTEROP_NODE_DIR/oidc_server.mjs" "$WORK/dpop-$mode.json"; then
    fail "dpop-$mode/server-start" "oidc-provider with features.dPoP did not start"
    continue
  fi
  DURL="http://127.0.0.1:$PORT/token"
  USERINFO="http://127.0.0.1:$PORT/me"
  DKEY="$KEYS/p256.pkcs8.pem"
  want_nonce=false
  [[ $mode == nonce ]] && want_nonce=true

  expect_token "dpop-$mode/client-credentials" --url "$DURL" --grant client-credentials \
    --auth basic --client-id dpop-cc --secret-file "$WORK/secret" --dpop-key "$DKEY"
  if [[ "$(json_get "$OUT" token_type)" == DPoP && "$(json_get "$OUT" dpop_nonce)" == "$want_nonce" ]]; then
    pass "dpop-$mode/client-credentials-bound"
  else
    fail "dpop-$mode/client-credentials-bound" "expected token_type DPoP and dpop_nonce $want_nonce: $OUT"
  fi

  # The command line: --dpop-key gives a DPoP-bound token (token_type in its JSON).
  if [[ -n "${S2S_CLI:-}" ]]; then
    CLI_OUT="$("$S2S_CLI" client-credentials --token-url "$DURL" --client-id dpop-cc \
      --client-secret-file "$WORK/secret" --dpop-key "$DKEY" 2>&1)" || true
    if [[ "$(json_get "$CLI_OUT" token_type)" == DPoP ]]; then
      pass "dpop-$mode/cli-client-credentials"
    else
      # The output holds the token: only its type or the error line is shown.
      fail "dpop-$mode/cli-client-credentials" "expected token_type DPoP from s2s-oauth --dpop-key, got: $(json_get "$CLI_OUT" token_type)$(grep -m1 '^error:' <<<"$CLI_OUT" || true)"
    fi
  fi

  # A refresh token (jwt-bearer grant, no DPoP), then oidc-provider's own refresh
  # grant with a proof: the new access token is bound.
  expect_token "dpop-$mode/jwt-bearer-for-refresh" --url "$DURL" --grant jwt-bearer --auth basic \
    --client-id dpop-app --secret-file "$WORK/secret" --key "$KEYS/rsa2048.pkcs8.pem" \
    --iss dpop-app --sub alice@example.com --aud "$DURL" --save-refresh-token "$WORK/dpop-rt-$mode"
  expect_token "dpop-$mode/refresh" --url "$DURL" --grant refresh-token --auth basic \
    --client-id dpop-app --secret-file "$WORK/secret" --refresh-token-file "$WORK/dpop-rt-$mode" \
    --dpop-key "$DKEY" --save-access-token "$WORK/dpop-at-$mode" --save-dpop-nonce "$WORK/dpop-nonce-$mode"
  if [[ "$(json_get "$OUT" token_type)" == DPoP && "$(json_get "$OUT" dpop_nonce)" == "$want_nonce" ]]; then
    pass "dpop-$mode/refresh-bound"
  else
    fail "dpop-$mode/refresh-bound" "expected token_type DPoP and dpop_nonce $want_nonce: $OUT"
  fi

  # userinfo with the bound token and a proof carrying ath (and the kept nonce).
  OUT="$("$S2S_DRIVER" dpop-call --url "$USERINFO" --dpop-key "$DKEY" \
    --access-token-file "$WORK/dpop-at-$mode" --nonce-file "$WORK/dpop-nonce-$mode" 2>&1)" || true
  if [[ "$(json_get "$OUT" ok)" == true && "$(json_get "$OUT" sub)" == alice@example.com ]]; then
    pass "dpop-$mode/userinfo-with-ath"
  else
    fail "dpop-$mode/userinfo-with-ath" "expected 200 with sub alice@example.com: $OUT"
  fi
  if [[ $mode == nonce ]]; then
    # Without the kept nonce: a use_dpop_nonce 401, told apart from a rejected
    # token, answered once with the resource server's nonce.
    : >"$WORK/no-nonce"
    OUT="$("$S2S_DRIVER" dpop-call --url "$USERINFO" --dpop-key "$DKEY" \
      --access-token-file "$WORK/dpop-at-$mode" --nonce-file "$WORK/no-nonce" 2>&1)" || true
    if [[ "$(json_get "$OUT" ok)" == true && "$(json_get "$OUT" nonce_retry)" == true ]]; then
      pass "dpop-$mode/userinfo-nonce-demand-answered"
    else
      fail "dpop-$mode/userinfo-nonce-demand-answered" "expected one nonce retry, then 200: $OUT"
    fi
  fi
  # Another key's proof: refused; the token itself is fine, so no new token would help.
  new_p256_key "$WORK/thief-$mode.pem"
  OUT="$("$S2S_DRIVER" dpop-call --url "$USERINFO" --dpop-key "$WORK/thief-$mode.pem" \
    --access-token-file "$WORK/dpop-at-$mode" --nonce-file "$WORK/dpop-nonce-$mode" 2>&1)" || true
  if [[ "$(json_get "$OUT" status)" == 401 ]]; then
    pass "dpop-$mode/userinfo-other-key-refused"
  else
    fail "dpop-$mode/userinfo-other-key-refused" "expected 401: $OUT"
  fi
  # As a bearer token: refused.
  status="$("$INTEROP_PY" -c '
import sys, urllib.request, urllib.error
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + open(sys.argv[2]).read()})
try:
    print(urllib.request.urlopen(request).status)
except urllib.error.HTTPError as e:
    print(e.code)
' "$USERINFO" "$WORK/dpop-at-$mode" 2>&1 || true)"
  if [[ $status == 401 ]]; then
    pass "dpop-$mode/userinfo-as-bearer-refused"
  else
    fail "dpop-$mode/userinfo-as-bearer-refused" "expected 401, got $status"
  fi
done
