#!/usr/bin/env bash
# SAML 2.0 bearer assertions (RFC 7522) against the reference XML-DSig
# implementations: what the crate signs (RSA-SHA256 and ECDSA-SHA256, hostile
# strings in the subject and attributes) verifies with xmlsec1 --verify, OpenSAML's
# samlsign and Python's signxml; what signxml and samlsign sign verifies with the
# crate's saml::verify; a tampered copy of each fails everywhere.
#
# Uses REPO_ROOT, INTEROP_DIR, INTEROP_PY (a venv with signxml) from interop/run.sh;
# runs alone too: INTEROP_PY=/path/to/venv/python bash interop/suites/saml.sh
set -euo pipefail

SUITE=saml
INTEROP_DIR="${INTEROP_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
REPO_ROOT="${REPO_ROOT:-$(cd "$INTEROP_DIR/.." && pwd)}"
INTEROP_PY="${INTEROP_PY:-python3}"
export INTEROP_DIR REPO_ROOT

if [[ -f "$INTEROP_DIR/lib.sh" ]]; then
  # shellcheck source=/dev/null
  source "$INTEROP_DIR/lib.sh"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/interop-$SUITE.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  pass() { printf 'PASS %s/%s\n' "$SUITE" "$1"; }
  fail() { printf 'FAIL %s/%s: %s\n' "$SUITE" "$1" "$(printf '%s' "$2" | tr '\n\r' '  ' | cut -c1-300)"; }
fi

KEYS="$REPO_ROOT/tests/data/keys"
SAML_NS="urn:oasis:names:tc:SAML:2.0:assertion"

(cd "$REPO_ROOT" && cargo build --quiet --all-features --example saml-driver)
DRIVER="$REPO_ROOT/target/debug/examples/saml-driver"

# Each verifier: CERT FILE -> exit 0 when the signature verifies.
verify_xmlsec1() {
  xmlsec1 --verify --pubkey-cert-pem "$1" --id-attr:ID "$SAML_NS:Assertion" "$2" 2>&1
}
verify_samlsign() { samlsign -c "$1" -f "$2" 2>&1; }
verify_signxml() { "$INTEROP_PY" "$INTEROP_DIR/saml/signxml_verify.py" "$2" "$1" 2>&1; }
verify_crate() { "$DRIVER" verify "$1" "$2" 2>&1; }

# expect_ok CASE VERIFIER CERT FILE / expect_refused CASE VERIFIER CERT FILE
expect_ok() {
  local out
  if out="$("verify_$2" "$3" "$4")"; then pass "$1"; else fail "$1" "$2 refused: $out"; fi
}
expect_refused() {
  local out
  if out="$("verify_$2" "$3" "$4")"; then fail "$1" "$2 accepted a tampered assertion: $out"; else pass "$1"; fi
}

# tamper IN OUT: the subject's "alice" becomes "mallory" (content the digest covers).
tamper() {
  sed 's/alice/mallory/' "$1" >"$2"
  if cmp -s "$1" "$2"; then
    echo "tampering changed nothing in $1" >&2
    return 1
  fi
}

# check_everywhere NAME CERT FILE: the signed file verifies with every peer and the
# crate; its tampered copy with none.
check_everywhere() {
  local name="$1" cert="$2" file="$3" verifier
  tamper "$file" "$WORK/$name.tampered.xml"
  for verifier in xmlsec1 samlsign signxml crate; do
    expect_ok "$verifier/$name" "$verifier" "$cert" "$file"
    expect_refused "$verifier/$name-tampered" "$verifier" "$cert" "$WORK/$name.tampered.xml"
  done
}

# key name, key file, certificate, crate algorithm, XML-DSig method
SIGNERS=(
  "rsa rsa2048.pkcs8.pem rsa2048.cert.pem RS256 http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
  "ecdsa p256.pkcs8.pem p256.cert.pem ES256 http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
)

"$DRIVER" unsigned "$WORK/unsigned.xml" >/dev/null

for line in "${SIGNERS[@]}"; do
  read -r name key cert alg uri <<<"$line"
  key="$KEYS/$key"
  cert="$KEYS/$cert"

  # Signed by the crate.
  if out="$("$DRIVER" sign "$key" "$cert" "$WORK/crate-$name.xml" "$alg" 2>&1)"; then
    check_everywhere "crate-$name" "$cert" "$WORK/crate-$name.xml"
  else
    fail "crate-$name" "the crate could not sign: $out"
  fi

  # Signed by signxml.
  if out="$("$INTEROP_PY" "$INTEROP_DIR/saml/signxml_sign.py" "$WORK/unsigned.xml" "$key" "$cert" \
    "$WORK/signxml-$name.xml" "${uri##*#}" 2>&1)"; then
    check_everywhere "signxml-$name" "$cert" "$WORK/signxml-$name.xml"
  else
    fail "signxml-$name" "signxml could not sign: $out"
  fi

  # Signed by OpenSAML's samlsign (absolute paths: it resolves relative ones
  # against /etc/opensaml).
  if samlsign -s -k "$key" -c "$cert" -f "$WORK/unsigned.xml" -alg "$uri" \
    -dig http://www.w3.org/2001/04/xmlenc#sha256 >"$WORK/samlsign-$name.xml" 2>"$WORK/samlsign-$name.err"; then
    check_everywhere "samlsign-$name" "$cert" "$WORK/samlsign-$name.xml"
  else
    fail "samlsign-$name" "samlsign could not sign: $(cat "$WORK/samlsign-$name.err")"
  fi
done

# The crate refuses a signature by a key other than the trusted one (the
# certificate inside KeyInfo is never trusted on its own).
expect_refused "crate/untrusted-key" crate "$KEYS/p256.cert.pem" "$WORK/crate-rsa.xml"
