#!/usr/bin/env bash
# RFC 7662 introspection and RFC 7009 revocation against Node's oidc-provider
# (interop/node/oidc_server.mjs with "introspection": true: features.introspection
# and features.revocation): the crate's IntrospectionRequest and RevocationRequest
# (through the driver) and the s2s-oauth CLI. Active and revoked access tokens, a
# refresh token introspected and revoked (and refused at the token endpoint after),
# client_secret_basic with a secret that needs form-encoding, client_secret_post
# and private_key_jwt, and the refusals as typed Error::OAuth.
set -euo pipefail
SUITE=oidc-provider-introspection
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
SECRET='a b+c%/:=&?~'
printf '%s\n' "$SECRET" >"$WORK/secret"
printf '%s\n' 'a b+c%/:=&?-' >"$WORK/wrong-secret"

"$INTEROP_PY" - "$WORK/config.json" "$SECRET" "$KEYS" <<'PY'
import json, sys
path, secret, keys = sys.argv[1:]
cc = ["client_credentials"]
config = {
    "introspection": True,
    "clients": [
        {"client_id": "rs-basic", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic", "grant_types": cc},
        {"client_id": "rs-post", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_post", "grant_types": cc},
        {"client_id": "rs-pkjwt", "token_endpoint_auth_method": "private_key_jwt",
         "token_endpoint_auth_signing_alg": "ES256", "public_key_pem": f"{keys}/p256.pub.pem",
         "grant_types": cc},
        {"client_id": "jwt-app", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic",
         "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"]},
    ],
    "jwt_bearer": {"jwt-app": {"public_key_pem": f"{keys}/rsa2048.pub.pem", "alg": "RS256",
                               "users": ["alice@example.com"]}},
}
json.dump(config, open(path, "w"))
PY

if ! start_server oidc-provider node "$INTEROP_NODE_DIR/oidc_server.mjs" "$WORK/config.json"; then
  fail server-start "oidc-provider did not start"
  exit 0
fi
BASE="http://127.0.0.1:$PORT"
TOKEN_URL="$BASE/token"
INTROSPECT="$BASE/token/introspection"
REVOKE="$BASE/token/revocation"
basic=(--auth basic --client-id rs-basic --secret-file "$WORK/secret")
post=(--auth post --client-id rs-post --secret-file "$WORK/secret")
pkjwt=(--auth private-key-jwt --client-id rs-pkjwt --client-key "$KEYS/p256.pkcs8.pem")

# --- an access token: active, then revoked -------------------------------------
expect_token access-token --url "$TOKEN_URL" --grant client-credentials "${basic[@]}" \
  --save-access-token "$WORK/at"
expect_report introspect-active-basic 'r["ok"] and r["active"] is True and r["client_id"] == "rs-basic" and r["exp"]' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" --hint access_token "${basic[@]}"
expect_report introspect-active-post 'r["ok"] and r["active"] is True' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${post[@]}"
expect_report introspect-active-private-key-jwt 'r["ok"] and r["active"] is True' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${pkjwt[@]}"
expect_report introspect-wrong-secret-invalid-client 'r["kind"] == "oauth" and r["error"] == "invalid_client" and r["status"] == 401' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" --auth basic --client-id rs-basic --secret-file "$WORK/wrong-secret"
expect_report revoke-wrong-secret-invalid-client 'r["kind"] == "oauth" and r["error"] == "invalid_client"' \
  revoke --url "$REVOKE" --token-file "$WORK/at" --auth post --client-id rs-post --secret-file "$WORK/wrong-secret"
# oidc-provider lets only the client the token was issued to revoke it.
expect_report revoke-another-clients-token-refused 'r["kind"] == "oauth" and r["error"] == "invalid_request" and r["status"] == 400' \
  revoke --url "$REVOKE" --token-file "$WORK/at" "${post[@]}"
expect_report revoke-access-token 'r["ok"] is True' \
  revoke --url "$REVOKE" --token-file "$WORK/at" --hint access_token "${basic[@]}"
expect_report introspect-revoked-inactive 'r["ok"] and r["active"] is False' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${basic[@]}"
printf '%s\n' 'never-issued-token' >"$WORK/unknown"
expect_report revoke-unknown-token-is-200 'r["ok"] is True' \
  revoke --url "$REVOKE" --token-file "$WORK/unknown" "${basic[@]}"
expect_report introspect-unknown-inactive 'r["ok"] and r["active"] is False' \
  introspect --url "$INTROSPECT" --token-file "$WORK/unknown" "${pkjwt[@]}" --assertion-audience "$BASE"

# --- a refresh token: introspected, revoked, then refused ----------------------
bearer=(--url "$TOKEN_URL" --grant jwt-bearer --auth basic --client-id jwt-app --secret-file "$WORK/secret"
  --key "$KEYS/rsa2048.pkcs8.pem" --iss jwt-app --sub alice@example.com --aud "$TOKEN_URL")
app=(--auth basic --client-id jwt-app --secret-file "$WORK/secret")
expect_token refresh-token-issued "${bearer[@]}" --save-refresh-token "$WORK/rt" --save-access-token "$WORK/at2"
if [[ -s "$WORK/rt" ]]; then
  expect_report introspect-refresh-token 'r["ok"] and r["active"] is True and r["client_id"] == "jwt-app" and r["sub"] == "alice@example.com"' \
    introspect --url "$INTROSPECT" --token-file "$WORK/rt" --hint refresh_token "${app[@]}"
  expect_report revoke-refresh-token 'r["ok"] is True' \
    revoke --url "$REVOKE" --token-file "$WORK/rt" --hint refresh_token "${app[@]}"
  expect_report introspect-revoked-refresh-token-inactive 'r["ok"] and r["active"] is False' \
    introspect --url "$INTROSPECT" --token-file "$WORK/rt" --hint refresh_token "${app[@]}"
  expect_oauth_error refresh-with-revoked-token-refused invalid_grant --url "$TOKEN_URL" \
    --grant refresh-token "${app[@]}" --refresh-token-file "$WORK/rt"
else
  fail refresh-token-issued "the JWT bearer grant gave no refresh token: $OUT"
fi

# --- the CLI: exit 0 active, 1 not active; revoke exit 0 -----------------------
if [[ -n "${S2S_CLI:-}" ]]; then
  expect_token cli-access-token --url "$TOKEN_URL" --grant client-credentials "${basic[@]}" \
    --save-access-token "$WORK/at3"
  cli=(--token-file "$WORK/at3" --client-id rs-basic --client-secret-file "$WORK/secret" --timeout 10)
  set +e
  out="$("$S2S_CLI" introspect --token-url "$INTROSPECT" "${cli[@]}" 2>"$WORK/err")"; code=$?
  set -e
  if [[ $code == 0 && "$(json_get "$out" active)" == true && "$(json_get "$out" client_id)" == rs-basic ]]; then
    pass cli-introspect-active-exit-0
  else
    fail cli-introspect-active-exit-0 "exit $code: $out $(cat "$WORK/err")"
  fi
  set +e
  "$S2S_CLI" revoke --token-url "$REVOKE" "${cli[@]}" --token-type-hint access_token >"$WORK/out" 2>"$WORK/err"; code=$?
  set -e
  if [[ $code == 0 && ! -s "$WORK/out" ]]; then pass cli-revoke-exit-0; else fail cli-revoke-exit-0 "exit $code: $(cat "$WORK/err")"; fi
  set +e
  out="$("$S2S_CLI" introspect --token-url "$INTROSPECT" "${cli[@]}" 2>"$WORK/err")"; code=$?
  set -e
  if [[ $code == 1 && "$out" == '{"active":false}' ]]; then
    pass cli-introspect-revoked-exit-1
  else
    fail cli-introspect-revoked-exit-1 "exit $code: $out $(cat "$WORK/err")"
  fi
  set +e
  "$S2S_CLI" introspect --token-url "$INTROSPECT" --token-file "$WORK/at3" --client-id rs-basic \
    --client-secret-file "$WORK/wrong-secret" >"$WORK/out" 2>"$WORK/err"; code=$?
  set -e
  if [[ $code == 3 ]] && grep -q '^error: invalid_client' "$WORK/err"; then
    pass cli-introspect-wrong-secret-exit-3
  else
    fail cli-introspect-wrong-secret-exit-3 "exit $code: $(cat "$WORK/err")"
  fi
fi
