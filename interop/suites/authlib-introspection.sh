#!/usr/bin/env bash
# RFC 7662 introspection and RFC 7009 revocation against authlib's
# IntrospectionEndpoint and RevocationEndpoint (interop/py/authlib_server.py,
# /introspect and /revoke), a second peer next to oidc-provider: the crate's
# IntrospectionRequest / RevocationRequest through the driver with
# client_secret_basic (a secret that needs encoding), client_secret_post,
# private_key_jwt and client_secret_jwt; active, revoked and unknown tokens; a
# refresh token revoked with its grant; authlib's refusals (invalid_client,
# unsupported_token_type, invalid_grant for another client's token) as typed
# Error::OAuth; and the CLI's exit codes.
set -euo pipefail
SUITE=authlib-introspection
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
# No space: authlib percent-decodes Basic credentials (see suites/authlib.sh).
SECRET='p%/:=&é+x?#'
printf '%s\n' "$SECRET" >"$WORK/secret"
printf '%s\n' 'not the secret' >"$WORK/wrong-secret"
HMAC_SECRET='a shared secret for client_secret_jwt, 32+ bytes'
printf '%s\n' "$HMAC_SECRET" >"$WORK/hmac-secret"

"$INTEROP_PY" - "$WORK/config.json" "$SECRET" "$HMAC_SECRET" "$KEYS" <<'PY'
import json, sys
path, secret, hmac_secret, keys = sys.argv[1:]
cc = ["client_credentials"]
clients = [
    {"client_id": "rs-basic", "secret": secret, "auth_methods": ["client_secret_basic"], "grant_types": cc},
    {"client_id": "rs-post", "secret": secret, "auth_methods": ["client_secret_post"], "grant_types": cc},
    {"client_id": "rs-pkjwt", "public_key": f"{keys}/p256.pub.pem", "auth_methods": ["private_key_jwt"], "grant_types": cc},
    {"client_id": "rs-csjwt", "secret": hmac_secret, "auth_methods": ["client_secret_jwt"], "grant_types": cc},
    {"client_id": "jwt-app", "secret": secret, "public_key": f"{keys}/rsa2048.pub.pem",
     "auth_methods": ["client_secret_basic"],
     "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"],
     "users": ["alice@example.com"]},
]
json.dump({"clients": clients}, open(path, "w"))
PY

if ! start_server authlib "$INTEROP_PY" "$INTEROP_DIR/py/authlib_server.py" "$WORK/config.json"; then
  fail server-start "the authlib server did not start"
  exit 0
fi
BASE="http://127.0.0.1:$PORT"
TOKEN_URL="$BASE/token"
INTROSPECT="$BASE/introspect"
REVOKE="$BASE/revoke"
basic=(--auth basic --client-id rs-basic --secret-file "$WORK/secret")
post=(--auth post --client-id rs-post --secret-file "$WORK/secret")
# authlib wants client assertions addressed to the token URL or the issuer.
pkjwt=(--auth private-key-jwt --client-id rs-pkjwt --client-key "$KEYS/p256.pkcs8.pem" --assertion-audience "$TOKEN_URL")
csjwt=(--auth client-secret-jwt --client-id rs-csjwt --secret-file "$WORK/hmac-secret" --assertion-audience "$BASE")

# --- an access token, introspected by every method, then revoked ---------------
expect_token access-token --url "$TOKEN_URL" --grant client-credentials "${basic[@]}" --scope "read write" \
  --save-access-token "$WORK/at"
expect_report introspect-basic 'r["ok"] and r["active"] is True and r["client_id"] == "rs-basic" and r["scope"] == ["read", "write"] and r["token_type"] == "Bearer" and r["exp"]' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" --hint access_token "${basic[@]}"
expect_report introspect-post 'r["ok"] and r["active"] is True' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${post[@]}"
expect_report introspect-private-key-jwt 'r["ok"] and r["active"] is True' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${pkjwt[@]}"
expect_report introspect-client-secret-jwt 'r["ok"] and r["active"] is True' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${csjwt[@]}"
expect_report introspect-wrong-secret-invalid-client 'r["kind"] == "oauth" and r["error"] == "invalid_client"' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" --auth basic --client-id rs-basic --secret-file "$WORK/wrong-secret"
expect_report introspect-unsupported-token-type 'r["kind"] == "oauth" and r["error"] == "unsupported_token_type"' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" --hint delete_token "${basic[@]}"
expect_report revoke-unsupported-token-type 'r["kind"] == "oauth" and r["error"] == "unsupported_token_type"' \
  revoke --url "$REVOKE" --token-file "$WORK/at" --hint delete_token "${basic[@]}"
expect_report revoke-another-clients-token-invalid-grant 'r["kind"] == "oauth" and r["error"] == "invalid_grant"' \
  revoke --url "$REVOKE" --token-file "$WORK/at" "${post[@]}"
expect_report revoke-access-token 'r["ok"] is True' \
  revoke --url "$REVOKE" --token-file "$WORK/at" --hint access_token "${basic[@]}"
expect_report introspect-revoked-inactive 'r["ok"] and r["active"] is False' \
  introspect --url "$INTROSPECT" --token-file "$WORK/at" "${pkjwt[@]}"
printf '%s\n' never-issued >"$WORK/unknown"
expect_report revoke-unknown-token-is-200 'r["ok"] is True' \
  revoke --url "$REVOKE" --token-file "$WORK/unknown" "${post[@]}"
expect_report introspect-unknown-inactive 'r["ok"] and r["active"] is False' \
  introspect --url "$INTROSPECT" --token-file "$WORK/unknown" "${csjwt[@]}"

# --- a refresh token revoked with its grant ------------------------------------
app=(--auth basic --client-id jwt-app --secret-file "$WORK/secret")
expect_token refresh-token-issued --url "$TOKEN_URL" --grant jwt-bearer "${app[@]}" \
  --key "$KEYS/rsa2048.pkcs8.pem" --iss jwt-app --sub alice@example.com --aud "$TOKEN_URL" \
  --save-refresh-token "$WORK/rt" --save-access-token "$WORK/at2"
if [[ -s "$WORK/rt" ]]; then
  expect_report introspect-refresh-token 'r["ok"] and r["active"] is True and r["username"] == "alice@example.com" and r["token_type"] is None' \
    introspect --url "$INTROSPECT" --token-file "$WORK/rt" --hint refresh_token "${basic[@]}"
  expect_report revoke-refresh-token 'r["ok"] is True' \
    revoke --url "$REVOKE" --token-file "$WORK/rt" --hint refresh_token "${app[@]}"
  expect_report refresh-token-revoked-inactive 'r["ok"] and r["active"] is False' \
    introspect --url "$INTROSPECT" --token-file "$WORK/rt" "${basic[@]}"
  expect_report its-access-token-revoked-too 'r["ok"] and r["active"] is False' \
    introspect --url "$INTROSPECT" --token-file "$WORK/at2" "${basic[@]}"
  expect_oauth_error refresh-with-revoked-token-refused invalid_grant --url "$TOKEN_URL" \
    --grant refresh-token "${app[@]}" --refresh-token-file "$WORK/rt"
else
  fail refresh-token-issued "the JWT bearer grant gave no refresh token: $OUT"
fi

# --- the CLI --------------------------------------------------------------------
if [[ -n "${S2S_CLI:-}" ]]; then
  expect_token cli-access-token --url "$TOKEN_URL" --grant client-credentials "${post[@]}" \
    --save-access-token "$WORK/at3"
  cli=(--token-file "$WORK/at3" --client-id rs-post --client-secret-file "$WORK/secret" --auth post --timeout 10)
  set +e
  out="$("$S2S_CLI" introspect --token-url "$INTROSPECT" "${cli[@]}" 2>"$WORK/err")"; code=$?
  set -e
  if [[ $code == 0 && "$(json_get "$out" active)" == true && "$(json_get "$out" client_id)" == rs-post ]]; then
    pass cli-introspect-active-exit-0
  else
    fail cli-introspect-active-exit-0 "exit $code: $out $(cat "$WORK/err")"
  fi
  set +e
  "$S2S_CLI" revoke --token-url "$REVOKE" "${cli[@]}" --token-type-hint unknown_kind >"$WORK/out" 2>"$WORK/err"; code=$?
  set -e
  if [[ $code == 3 ]] && grep -q '^error: unsupported_token_type' "$WORK/err"; then
    pass cli-revoke-unsupported-token-type-exit-3
  else
    fail cli-revoke-unsupported-token-type-exit-3 "exit $code: $(cat "$WORK/err")"
  fi
  set +e
  "$S2S_CLI" revoke --token-url "$REVOKE" "${cli[@]}" >"$WORK/out" 2>"$WORK/err"; code=$?
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
fi
