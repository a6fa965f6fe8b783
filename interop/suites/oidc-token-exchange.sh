#!/usr/bin/env bash
# Token exchange (RFC 8693) against Node's oidc-provider (interop/node/oidc_server.mjs
# registers the grant, as it does the JWT bearer one): a JWT that jose signed with a
# second key (a workload identity issuer's, interop/node/sign_subject.mjs) exchanged
# for an access token, read from its file when the crate builds the request; a JWT
# asked for instead, coming back with token_type N_A; the server's refusals (a
# subject token type it does not take, an untrusted issuer, a forged signature) as
# the crate's typed Error::OAuth; and a jose-signed JWT as the client assertion read
# from a file.
set -euo pipefail
SUITE=oidc-token-exchange
source "$INTEROP_DIR/lib.sh"

CLUSTER=https://kubernetes.default.svc.cluster.local
AUDIENCE=sts.interop
(cd "$INTEROP_NODE_DIR" && node sign_subject.mjs tokens "$WORK" "$CLUSTER" "$AUDIENCE")
SECRET='token exchange client secret'
printf '%s\n' "$SECRET" >"$WORK/secret"

"$INTEROP_PY" - "$WORK/config.json" "$SECRET" "$WORK" "$CLUSTER" "$AUDIENCE" <<'PY'
import json, sys
path, secret, work, cluster, audience = sys.argv[1:]
tx = "urn:ietf:params:oauth:grant-type:token-exchange"
json.dump({
    "clients": [
        {"client_id": "tx-app", "client_secret": secret,
         "token_endpoint_auth_method": "client_secret_basic", "grant_types": [tx]},
        {"client_id": "tx-workload", "token_endpoint_auth_method": "private_key_jwt",
         "token_endpoint_auth_signing_alg": "ES256",
         "public_key_pem": f"{work}/issuer.pub.pem", "grant_types": [tx, "client_credentials"]},
    ],
    "token_exchange": {"issuers": [
        {"issuer": cluster, "public_key_pem": f"{work}/issuer.pub.pem", "alg": "ES256",
         "audience": audience},
    ]},
}, open(path, "w"))
PY

if ! start_server oidc-provider node "$INTEROP_NODE_DIR/oidc_server.mjs" "$WORK/config.json"; then
  fail server-start "oidc-provider did not start"
  exit 0
fi
URL="http://127.0.0.1:$PORT/token"
app=(--url "$URL" --grant token-exchange --auth basic --client-id tx-app --secret-file "$WORK/secret")

# --- exchanges -------------------------------------------------------------------
OUT="$("$S2S_DRIVER" token "${app[@]}" --subject-token-file "$WORK/subject.jwt" \
  --subject-token-type jwt --audiences https://api.example.com,urn:example:second \
  --resources https://api.example.com/ 2>&1)" || true
if [[ "$(json_get "$OUT" ok)" == true \
  && "$(json_get "$OUT" issued_token_type)" == urn:ietf:params:oauth:token-type:access_token \
  && "$(json_get "$OUT" is_access_token)" == true ]]; then
  pass jose-jwt-exchanged-for-access-token
else
  fail jose-jwt-exchanged-for-access-token "expected an access token: $OUT"
fi
expect_token id-token-subject "${app[@]}" --subject-token-file "$WORK/subject.jwt" \
  --subject-token-type urn:ietf:params:oauth:token-type:id_token
OUT="$("$S2S_DRIVER" token "${app[@]}" --subject-token-file "$WORK/subject.jwt" \
  --subject-token-type jwt --requested-token-type jwt 2>&1)" || true
if [[ "$(json_get "$OUT" ok)" == true && "$(json_get "$OUT" token_type)" == N_A \
  && "$(json_get "$OUT" issued_token_type)" == urn:ietf:params:oauth:token-type:jwt \
  && "$(json_get "$OUT" is_access_token)" == false ]]; then
  pass requested-jwt-issued-with-token-type-n-a
else
  fail requested-jwt-issued-with-token-type-n-a "expected a JWT with token_type N_A: $OUT"
fi

# --- refusals: the crate's typed OAuth error with oidc-provider's code -------------
expect_oauth_error refused-subject-token-type invalid_request "${app[@]}" \
  --subject-token-file "$WORK/subject.jwt" --subject-token-type saml2
expect_oauth_error refused-subject-token-type-uri invalid_request "${app[@]}" \
  --subject-token-file "$WORK/subject.jwt" --subject-token-type urn:example:custom-type
expect_oauth_error untrusted-issuer invalid_grant "${app[@]}" \
  --subject-token-file "$WORK/foreign.jwt" --subject-token-type jwt
expect_oauth_error forged-signature invalid_grant "${app[@]}" \
  --subject-token-file "$WORK/forged.jwt" --subject-token-type jwt
expect_oauth_error refused-requested-type invalid_request "${app[@]}" \
  --subject-token-file "$WORK/subject.jwt" --subject-token-type jwt --requested-token-type saml2

# --- a jose-signed JWT as the client assertion, read from a file -----------------
(cd "$INTEROP_NODE_DIR" && node sign_subject.mjs assertion "$WORK/issuer.key.pem" tx-workload "$URL" "$WORK/assertion.jwt")
expect_token client-assertion-from-file --url "$URL" --grant client-credentials \
  --auth client-assertion --client-id tx-workload --client-assertion-file "$WORK/assertion.jwt"
# The same file again: oidc-provider refuses the replayed jti.
expect_oauth_error client-assertion-replayed invalid_client --url "$URL" --grant client-credentials \
  --auth client-assertion --client-id tx-workload --client-assertion-file "$WORK/assertion.jwt"
# Rotated: the next request reads the new one.
(cd "$INTEROP_NODE_DIR" && node sign_subject.mjs assertion "$WORK/issuer.key.pem" tx-workload "$URL" "$WORK/assertion.jwt")
expect_token client-assertion-rotated-file-read-again --url "$URL" --grant client-credentials \
  --auth client-assertion --client-id tx-workload --client-assertion-file "$WORK/assertion.jwt"
