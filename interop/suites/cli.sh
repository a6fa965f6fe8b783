#!/usr/bin/env bash
# The s2s-oauth command line against third-party verifiers. Every JWT that
# `s2s-oauth sign-jwt` prints (RS256, PS256, ES256, EdDSA; keys from
# tests/data/keys/) must verify with PyJWT, with its iss, sub, aud, exp, iat, jti
# and an extra --claim as given; every SAML assertion `s2s-oauth sign-saml` prints
# (RSA-SHA256, ECDSA-SHA256) must verify with xmlsec1. A copy changed after
# signing must not verify.
set -euo pipefail
SUITE=cli
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"

# The CLI: run.sh may have built it already; otherwise build it here, with the
# feature set of `cargo test --all-features` so that CI compiles the crate once.
CLI="${S2S_CLI:-}"
if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  if ! (cd "$REPO_ROOT" && cargo build --quiet --all-features --bin s2s-oauth) 2>"$WORK/build.log"; then
    fail build "cargo build --all-features --bin s2s-oauth failed: $(tail -n 3 "$WORK/build.log")"
    exit 0
  fi
  CLI="$REPO_ROOT/target/debug/s2s-oauth"
fi

# verify_with_pyjwt JWT ALG PUBLIC-KEY-FILE: PyJWT checks the signature and the
# claims; prints OK, or what was wrong.
verify_with_pyjwt() {
  "$INTEROP_PY" - "$@" <<'PY'
import sys, time, jwt
token, alg, public_key = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
try:
    claims = jwt.decode(
        token, public_key, algorithms=[alg],
        audience="https://login.salesforce.com", issuer="3MVG9-cli-interop",
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
    )
except Exception as e:
    print(f"PyJWT refused it: {type(e).__name__}: {e}")
    sys.exit()
header = jwt.get_unverified_header(token)
problems = []
if header.get("alg") != alg:
    problems.append(f"alg {header.get('alg')!r}")
if claims["sub"] != "alice@example.com":
    problems.append(f"sub {claims['sub']!r}")
if claims["exp"] - claims["iat"] != 120 or abs(claims["iat"] - time.time()) > 60:
    problems.append(f"iat {claims['iat']} exp {claims['exp']}")
if claims.get("scope") != "api" or claims.get("tier") != 3:
    problems.append(f"extra claims {claims.get('scope')!r} {claims.get('tier')!r}")
print("OK" if not problems else "wrong " + ", ".join(problems))
PY
}

# tampered JWT: the same token with sub changed after signing (signature kept).
tampered() {
  "$INTEROP_PY" - "$1" <<'PY'
import base64, json, sys
header, payload, signature = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
claims["sub"] = "mallory@example.com"
payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
print(f"{header}.{payload}.{signature}")
PY
}

for spec in RS256:rsa2048.pkcs8.pem:rsa2048.pub.pem \
  PS256:rsa2048.pkcs1.pem:rsa2048.pub.pem \
  ES256:p256.pkcs8.pem:p256.pub.pem \
  EdDSA:ed25519.pkcs8.pem:ed25519.pub.pem; do
  IFS=: read -r alg private public <<<"$spec"
  # --audience, not --salesforce login: the Salesforce preset signs RS256 only.
  if ! token="$("$CLI" sign-jwt --audience https://login.salesforce.com --issuer 3MVG9-cli-interop \
    --subject alice@example.com --key "$KEYS/$private" --alg "$alg" --lifetime 120 \
    --claim scope=api --claim tier=3 2>"$WORK/stderr")"; then
    fail "sign-jwt-$alg" "s2s-oauth sign-jwt failed: $(cat "$WORK/stderr")"
    continue
  fi
  result="$(verify_with_pyjwt "$token" "$alg" "$KEYS/$public")"
  if [[ "$result" == OK ]]; then
    pass "sign-jwt-$alg"
  else
    fail "sign-jwt-$alg" "$result"
  fi
  result="$(verify_with_pyjwt "$(tampered "$token")" "$alg" "$KEYS/$public")"
  if [[ "$result" == "PyJWT refused it: InvalidSignatureError"* ]]; then
    pass "sign-jwt-$alg-tampered-refused"
  else
    fail "sign-jwt-$alg-tampered-refused" "a tampered token was not refused for its signature: $result"
  fi
done

# sign-saml: the printed assertion must verify with xmlsec1 (RSA-SHA256 and
# ECDSA-SHA256, a subject full of characters XML must escape); a copy whose
# NameID was changed after signing must not.
if ! command -v xmlsec1 >/dev/null; then
  fail sign-saml "xmlsec1 is not installed (Debian package xmlsec1)"
  exit 0
fi
SUBJECT="a&b<c>\"d'@example.com"
for spec in RS256:rsa2048.pkcs8.pem:rsa2048.cert.pem ES256:p256.pkcs8.pem:p256.cert.pem; do
  IFS=: read -r alg private cert <<<"$spec"
  xml="$WORK/saml-$alg.xml"
  # --audience and --recipient, not --salesforce login: the preset takes RSA keys only.
  if ! "$CLI" sign-saml --audience https://login.salesforce.com \
    --recipient https://login.salesforce.com/services/oauth2/token \
    --issuer 3MVG9-cli-interop --subject "$SUBJECT" \
    --key "$KEYS/$private" --cert "$KEYS/$cert" --alg "$alg" >"$xml" 2>"$WORK/stderr"; then
    fail "sign-saml-$alg" "s2s-oauth sign-saml failed: $(cat "$WORK/stderr")"
    continue
  fi
  xmlsec_verify() {
    xmlsec1 --verify --pubkey-cert-pem "$KEYS/$cert" \
      --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion "$1" >"$WORK/xmlsec.log" 2>&1
  }
  if xmlsec_verify "$xml"; then
    pass "sign-saml-$alg-xmlsec1"
  else
    fail "sign-saml-$alg-xmlsec1" "xmlsec1 refused it: $(grep -v 'self-signed' "$WORK/xmlsec.log" | tail -n 3)"
  fi
  sed 's/a&amp;b&lt;c&gt;/mallory/' "$xml" >"$WORK/tampered.xml"
  if cmp -s "$xml" "$WORK/tampered.xml"; then
    fail "sign-saml-$alg-tampered-refused" "the escaped subject was not found in the XML"
  elif xmlsec_verify "$WORK/tampered.xml"; then
    fail "sign-saml-$alg-tampered-refused" "xmlsec1 accepted an assertion changed after signing"
  else
    pass "sign-saml-$alg-tampered-refused"
  fi
done
