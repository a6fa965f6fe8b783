#!/usr/bin/env bash
# RFC 9068 JWT access tokens from Node's oidc-provider (interop/node/oidc_server.mjs
# with "resource_indicators"): client credentials with a resource indicator (RFC
# 8707) give a JWT access token for that resource, signed ES256 or RS256 with a key
# oidc-provider generated; the crate verifies it through oidc-provider's discovery
# document and JWK Set (discovery::JwksCache::verify_access_token, driver
# subcommand jwt-access-token) and with the CLI (s2s-oauth verify-jwt
# --access-token), and refuses it for another audience, tampered, expired, or
# missing a scope.
set -euo pipefail
SUITE=oidc-jwt-access-token
source "$INTEROP_DIR/lib.sh"

SECRET='a b+c%/:=&?~'
printf '%s\n' "$SECRET" >"$WORK/secret"
ES_API='https://api.example.com/orders'
RS_API='https://rs256.example.com'

"$INTEROP_PY" - "$WORK/config.json" "$SECRET" "$ES_API" "$RS_API" <<'PY'
import json, sys
path, secret, es_api, rs_api = sys.argv[1:]
json.dump({
    "clients": [{"client_id": "rs-client", "client_secret": secret,
                 "token_endpoint_auth_method": "client_secret_basic",
                 "grant_types": ["client_credentials"], "scope": "read write"}],
    "resource_indicators": {"resources": {es_api: "ES256", rs_api: "RS256"}},
}, open(path, "w"))
PY

if ! start_server oidc-provider node "$INTEROP_NODE_DIR/oidc_server.mjs" "$WORK/config.json"; then
  fail server-start "oidc-provider did not start"
  exit 0
fi
ISSUER="http://127.0.0.1:$PORT"
COMMON=(--issuer "$ISSUER" --client-id rs-client --secret-file "$WORK/secret")

# verified CASE DRIVER-ARGS...: the driver must verify the token; OUT keeps its report.
verified() {
  local case="$1"
  shift
  OUT="$("$S2S_DRIVER" jwt-access-token "${COMMON[@]}" "$@" 2>&1)" || true
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $OUT" >&2
  if [[ "$(json_get "$OUT" ok)" == true ]]; then
    pass "$case"
  else
    fail "$case" "expected a verified access token, got: $OUT"
  fi
}

# refused CASE REASON DRIVER-ARGS...: verification must fail with JwtError::REASON.
refused() {
  local case="$1" reason="$2"
  shift 2
  OUT="$("$S2S_DRIVER" jwt-access-token "${COMMON[@]}" "$@" 2>&1)" || true
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $OUT" >&2
  if [[ "$(json_get "$OUT" ok)" == false && "$(json_get "$OUT" reason)" == "$reason" ]]; then
    pass "$case"
  else
    fail "$case" "expected JwtError::$reason, got: $OUT"
  fi
}

verified es256-through-discovery-and-jwks --resource "$ES_API" --audience "$ES_API" \
  --scope "read write" --require-scope read --save-token "$WORK/es.jwt"
if [[ "$(json_get "$OUT" client_id)" == rs-client && "$(json_get "$OUT" typ)" == at+jwt \
  && "$(json_get "$OUT" scopes)" == '["read", "write"]' && "$(json_get "$OUT" fetches)" == 1 ]]; then
  pass es256-claims
else
  fail es256-claims "expected client_id rs-client, typ at+jwt, scopes read write, one JWKS fetch: $OUT"
fi
verified rs256-through-discovery-and-jwks --resource "$RS_API" --audience "$RS_API" --scope read
refused wrong-audience WrongAudience --resource "$ES_API" --audience "$RS_API"
refused tampered InvalidSignature --resource "$ES_API" --audience "$ES_API" --tamper
refused expired Expired --resource "$ES_API" --audience "$ES_API" --expired
refused missing-scope MissingScope --resource "$ES_API" --audience "$ES_API" --scope read --require-scope write

# The CLI, against the JWK Set URL from the discovery document.
CLI="${S2S_CLI:-}"
if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  if ! (cd "$REPO_ROOT" && cargo build --quiet --all-features --bin s2s-oauth) 2>"$WORK/build.log"; then
    fail cli-build "cargo build --all-features --bin s2s-oauth failed: $(tail -n 3 "$WORK/build.log")"
    exit 0
  fi
  CLI="$REPO_ROOT/target/debug/s2s-oauth"
fi
JWKS_URI="$(json_get "$(curl -s "$ISSUER/.well-known/openid-configuration")" jwks_uri)"
cli() {
  set +e
  CLI_OUT="$("$CLI" verify-jwt --token-file "$WORK/es.jwt" --jwks-url "$JWKS_URI" "$@" 2>&1)"
  CLI_CODE=$?
  set -e
}
cli --audience "$ES_API" --issuer "$ISSUER" --access-token
if [[ $CLI_CODE == 0 && "$(json_get "$(json_get "$CLI_OUT" claims)" client_id)" == rs-client ]]; then
  pass cli-verify-jwt-access-token
else
  fail cli-verify-jwt-access-token "expected exit 0 and the claims: exit $CLI_CODE: $CLI_OUT"
fi
cli --audience "$RS_API" --issuer "$ISSUER" --access-token
if [[ $CLI_CODE == 3 && "$CLI_OUT" == "error: aud "* ]]; then
  pass cli-wrong-audience-exit-3
else
  fail cli-wrong-audience-exit-3 "expected exit 3 and error: aud ...: exit $CLI_CODE: $CLI_OUT"
fi
# One character of the signature changed (not the last: its low bits are padding).
token="$(cat "$WORK/es.jwt")"
at=$((${#token} - 10))
swap=A
[[ "${token:at:1}" != A ]] || swap=B
printf '%s' "${token:0:at}$swap${token:at+1}" >"$WORK/es.jwt"
cli --audience "$ES_API" --issuer "$ISSUER" --access-token
if [[ $CLI_CODE == 3 && "$CLI_OUT" == *signature* ]]; then
  pass cli-tampered-exit-3
else
  fail cli-tampered-exit-3 "expected exit 3 naming the signature: exit $CLI_CODE: $CLI_OUT"
fi
