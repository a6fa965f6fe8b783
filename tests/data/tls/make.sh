#!/bin/sh
# Makes the TLS test fixtures in this directory (OpenSSL 3.0). See README.md.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key.pem"
openssl req -new -x509 -key "$work/ca.key.pem" -subj /CN=s2s-oauth-test-ca -days 36500 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out ca.cert.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key.pem

# A leaf signed by the test CA: leaf NAME SAN START END
leaf() {
  openssl req -new -key server.key.pem -subj "/CN=$2" -out "$work/$1.csr"
  mkdir -p "$work/ca"; : > "$work/ca/index.txt"
  cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/ca/index.txt
new_certs_dir = $work/ca
serial = $work/ca/serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $3
CNF
  openssl rand -hex 16 > "$work/ca/serial"
  openssl ca -batch -config "$work/ca.cnf" -extensions ext -cert ca.cert.pem -keyfile "$work/ca.key.pem" \
    -startdate "$4" -enddate "$5" -notext -in "$work/$1.csr" -out "$1.cert.pem"
}

leaf loopback 127.0.0.1 'IP:127.0.0.1,DNS:localhost' 20200101000000Z 21200101000000Z
leaf expired 127.0.0.1 'IP:127.0.0.1,DNS:localhost' 20200101000000Z 20210101000000Z
leaf other-name other.example 'DNS:other.example' 20200101000000Z 21200101000000Z
# Self-signed, as an end entity (rustls: UnknownIssuer) and as openssl makes one by
# default, with CA:TRUE (rustls: CaUsedAsEndEntity).
openssl req -new -x509 -key server.key.pem -subj /CN=127.0.0.1 -days 36500 \
  -addext basicConstraints=critical,CA:FALSE \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost -out self-signed.cert.pem
openssl req -new -x509 -key server.key.pem -subj /CN=127.0.0.1 -days 36500 \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost -out self-signed-ca.cert.pem
