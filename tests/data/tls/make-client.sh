#!/bin/sh
# Makes the TLS client-certificate fixtures (RFC 8705) in this directory
# (OpenSSL 3.0). See README.md. Separate from make.sh, whose CA key is gone: the
# client certificates have a CA of their own.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/client-ca.key.pem"
openssl req -new -x509 -key "$work/client-ca.key.pem" -subj /CN=s2s-oauth-test-client-ca -days 36500 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out client-ca.cert.pem

# tls_client_auth: issued by the client CA, subject and SAN registered with the server.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key.pem
openssl req -new -key client.key.pem -subj "/O=s2s-oauth tests/CN=mtls-client" -out "$work/client.csr"
cat > "$work/ext.cnf" <<CNF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:mtls-client.example
CNF
openssl x509 -req -in "$work/client.csr" -CA client-ca.cert.pem -CAkey "$work/client-ca.key.pem" \
  -CAcreateserial -days 36500 -sha256 -extfile "$work/ext.cnf" -out client.cert.pem
rm -f client-ca.cert.srl

# self_signed_tls_client_auth: a self-signed certificate the server has registered.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out self-signed-client.key.pem
openssl req -new -x509 -key self-signed-client.key.pem -subj /CN=self-signed-client -days 36500 \
  -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=clientAuth \
  -out self-signed-client.cert.pem
