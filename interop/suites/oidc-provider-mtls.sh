#!/usr/bin/env bash
# Mutual TLS (RFC 8705) against Node's oidc-provider (interop/node/oidc_server.mjs
# with "tls": a Node https server that requests client certificates, checked
# against the test client CA, and features.mTLS): tls_client_auth by subject DN
# and by dNSName, self_signed_tls_client_auth, certificate-bound access tokens
# whose introspection cnf x5t#S256 the crate's tls::check_certificate_binding
# accepts for the presented certificate and refuses for another; the refusals as
# Error::OAuth invalid_client; a server trusted by no --ca-file refused as TLS.
set -euo pipefail
SUITE=oidc-provider-mtls
source "$INTEROP_DIR/lib.sh"

TLS="$REPO_ROOT/tests/data/tls"
printf '%s\n' 'an introspection secret' >"$WORK/introspect-secret"
printf '%s\n' 'a bound-token client secret' >"$WORK/bound-secret"

"$INTEROP_PY" - "$WORK/config.json" "$TLS" <<'PY'
import json, sys
path, tls = sys.argv[1:]
cc = ["client_credentials"]
bound = {"tls_client_certificate_bound_access_tokens": True}
config = {
    "tls": {"cert": f"{tls}/loopback.cert.pem", "key": f"{tls}/server.key.pem",
            "client_ca": f"{tls}/client-ca.cert.pem"},
    "clients": [
        {"client_id": "mtls-dn", "token_endpoint_auth_method": "tls_client_auth",
         "tls_client_auth_subject_dn": "CN=mtls-client,O=s2s-oauth tests", "grant_types": cc, **bound},
        {"client_id": "mtls-san", "token_endpoint_auth_method": "tls_client_auth",
         "tls_client_auth_san_dns": "mtls-client.example", "grant_types": cc},
        {"client_id": "mtls-self-signed", "token_endpoint_auth_method": "self_signed_tls_client_auth",
         "certificate_pem": f"{tls}/self-signed-client.cert.pem", "grant_types": cc, **bound},
        {"client_id": "secret-bound", "client_secret": "a bound-token client secret",
         "token_endpoint_auth_method": "client_secret_basic", "grant_types": cc, **bound},
        {"client_id": "introspector", "client_secret": "an introspection secret",
         "token_endpoint_auth_method": "client_secret_basic", "grant_types": cc},
    ],
}
json.dump(config, open(path, "w"))
PY

if ! start_server oidc-provider-mtls node "$INTEROP_NODE_DIR/oidc_server.mjs" "$WORK/config.json"; then
  fail server-start "oidc-provider (https) did not start"
  exit 0
fi
BASE="https://127.0.0.1:$PORT"
URL="$BASE/token"
CA=(--ca-file "$TLS/ca.cert.pem")
CERT=(--client-cert "$TLS/client.cert.pem" --client-cert-key "$TLS/client.key.pem")
SELF=(--client-cert "$TLS/self-signed-client.cert.pem" --client-cert-key "$TLS/self-signed-client.key.pem")
INTROSPECT=(--introspect "$BASE/token/introspection" --introspect-client-id introspector
  --introspect-secret-file "$WORK/introspect-secret")

# expect_bound CASE: the last report ($OUT) has a token bound to the presented
# certificate: introspection cnf x5t#S256 = the certificate's, the crate's check
# passes for it and says Mismatch for another certificate.
expect_bound() {
  local intro
  intro="$(json_get "$OUT" introspection)"
  if [[ "$(json_get "$intro" active)" == true && -n "$(json_get "$intro" cnf_x5t_s256)" &&
    "$(json_get "$intro" cnf_x5t_s256)" == "$(json_get "$intro" presented_x5t_s256)" &&
    "$(json_get "$intro" binding)" == ok && "$(json_get "$intro" other_certificate)" == Mismatch ]]; then
    pass "$1"
  else
    fail "$1" "expected a token bound to the presented certificate: $OUT"
  fi
}

# --- tls_client_auth (RFC 8705 §2.1) -------------------------------------------
expect_token tls-client-auth-subject-dn --url "$URL" --grant client-credentials \
  --auth tls --client-id mtls-dn "${CERT[@]}" "${CA[@]}" "${INTROSPECT[@]}" \
  --other-cert "$TLS/self-signed-client.cert.pem"
expect_bound tls-client-auth-certificate-bound-token
expect_token tls-client-auth-san-dns --url "$URL" --grant client-credentials \
  --auth tls --client-id mtls-san "${CERT[@]}" "${CA[@]}" "${INTROSPECT[@]}"
if [[ "$(json_get "$(json_get "$OUT" introspection)" binding)" == NoConfirmation ]]; then
  pass unbound-token-has-no-cnf
else
  fail unbound-token-has-no-cnf "a client without bound tokens got a cnf: $OUT"
fi

# --- self_signed_tls_client_auth (RFC 8705 §2.2) -------------------------------
expect_token self-signed-tls-client-auth --url "$URL" --grant client-credentials \
  --auth self-signed-tls --client-id mtls-self-signed "${SELF[@]}" "${CA[@]}" "${INTROSPECT[@]}" \
  --other-cert "$TLS/client.cert.pem"
expect_bound self-signed-certificate-bound-token

# --- a secret client that presents a certificate for a bound token (§3) --------
expect_token client-secret-basic-with-certificate-bound-token --url "$URL" --grant client-credentials \
  --auth basic --client-id secret-bound --secret-file "$WORK/bound-secret" "${CERT[@]}" "${CA[@]}" \
  "${INTROSPECT[@]}" --other-cert "$TLS/self-signed-client.cert.pem"
expect_bound client-secret-basic-bound-to-the-certificate

# --- refusals --------------------------------------------------------------------
expect_oauth_error tls-client-auth-no-certificate invalid_client --url "$URL" --grant client-credentials \
  --auth tls --client-id mtls-dn "${CA[@]}"
expect_oauth_error tls-client-auth-untrusted-issuer invalid_client --url "$URL" --grant client-credentials \
  --auth tls --client-id mtls-dn "${SELF[@]}" "${CA[@]}"
expect_oauth_error self-signed-tls-unregistered-certificate invalid_client --url "$URL" \
  --grant client-credentials --auth self-signed-tls --client-id mtls-self-signed "${CERT[@]}" "${CA[@]}"
# The server's certificate chains to the test CA only: without --ca-file (the web
# roots) the crate refuses it, as a TLS failure, before anything is sent.
OUT="$("$S2S_DRIVER" token --url "$URL" --grant client-credentials --auth tls --client-id mtls-dn "${CERT[@]}" 2>&1)" || true
if [[ "$(json_get "$OUT" ok)" == false && "$(json_get "$OUT" message)" == *UnknownIssuer* ]]; then
  pass server-untrusted-without-ca-file
else
  fail server-untrusted-without-ca-file "expected a TLS UnknownIssuer failure: $OUT"
fi
