#!/usr/bin/env bash
# JWTs both ways, for every algorithm the crate has:
#  - what the crate signs (an RFC 7523 assertion from Claims::sign_at, and the
#    client assertion TokenRequest puts in a real request) verifies with PyJWT,
#    jwcrypto and Node's jose, with iss/sub/aud/exp/iat/jti/typ checked;
#  - what those three sign verifies with the crate's `verify`;
#  - and each side refuses a tampered, expired or misaddressed token.
set -euo pipefail
SUITE=jwt
source "$INTEROP_DIR/lib.sh"

KEYS="$REPO_ROOT/tests/data/keys"
AUD="https://as.example/oauth2/token"
HMAC="$WORK/hmac.secret"
# 64 bytes: at least the hash size of HS512, so no peer frowns at the key length.
"$INTEROP_PY" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$HMAC"

# The private and public key of each algorithm (HMAC: the shared secret).
private_of() {
  case "$1" in
    RS* | PS*) echo "$KEYS/rsa2048.pkcs8.pem" ;;
    ES256) echo "$KEYS/p256.pkcs8.pem" ;;
    ES384) echo "$KEYS/p384.pkcs8.pem" ;;
    EdDSA) echo "$KEYS/ed25519.pkcs8.pem" ;;
  esac
}
public_of() {
  case "$1" in
    RS* | PS*) echo "$KEYS/rsa2048.pub.pem" ;;
    ES256) echo "$KEYS/p256.pub.pem" ;;
    ES384) echo "$KEYS/p384.pub.pem" ;;
    EdDSA) echo "$KEYS/ed25519.pub.pem" ;;
  esac
}
ALGS=(RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA HS256 HS384 HS512)

# --- the crate signs, the peers verify -----------------------------------------
cases="$WORK/crate-signed.jsonl"
: >"$cases"
tamper() { local sig="${1##*.}"; printf '%s.%s%s' "${1%.*}" "$([[ ${sig:0:1} == A ]] && echo B || echo A)" "${sig:1}"; }
for alg in "${ALGS[@]}"; do
  if [[ $alg == HS* ]]; then
    sign_key=(--hmac-file "$HMAC")
    verify_key="\"hmac\": \"$HMAC\""
  else
    sign_key=(--key "$(private_of "$alg")")
    verify_key="\"key\": \"$(public_of "$alg")\""
  fi
  if jwt="$("$S2S_DRIVER" sign-jwt "${sign_key[@]}" --alg "$alg" --iss issuer-1 --sub alice@example.com --aud "$AUD")"; then
    printf '{"case": "crate-assertion-%s", "token": "%s", "alg": "%s", %s, "iss": "issuer-1", "sub": "alice@example.com", "aud": "%s", "expect": "ok"}\n' \
      "$alg" "$jwt" "$alg" "$verify_key" "$AUD" >>"$cases"
    # The same token with one signature character changed must be refused.
    printf '{"case": "crate-assertion-%s-tampered-refused", "token": "%s", "alg": "%s", %s, "iss": "issuer-1", "sub": "alice@example.com", "aud": "%s", "expect": "fail"}\n' \
      "$alg" "$(tamper "$jwt")" "$alg" "$verify_key" "$AUD" >>"$cases"
  else
    fail "crate-assertion-$alg" "the driver could not sign"
  fi
  if jwt="$("$S2S_DRIVER" client-assertion "${sign_key[@]}" --alg "$alg" --client-id client-1 --url "$AUD")"; then
    printf '{"case": "crate-client-assertion-%s", "token": "%s", "alg": "%s", %s, "iss": "client-1", "sub": "client-1", "aud": "%s", "expect": "ok"}\n' \
      "$alg" "$jwt" "$alg" "$verify_key" "$AUD" >>"$cases"
  else
    fail "crate-client-assertion-$alg" "the driver could not build a client assertion"
  fi
done
# Misaddressed and expired tokens must be refused too (one algorithm is enough).
jwt="$("$S2S_DRIVER" sign-jwt --key "$(private_of ES256)" --iss issuer-1 --sub alice@example.com --aud https://elsewhere.example/token)"
printf '{"case": "crate-assertion-wrong-aud-refused", "token": "%s", "alg": "ES256", "key": "%s", "iss": "issuer-1", "sub": "alice@example.com", "aud": "%s", "expect": "fail"}\n' \
  "$jwt" "$(public_of ES256)" "$AUD" >>"$cases"
jwt="$("$S2S_DRIVER" sign-jwt --key "$(private_of ES256)" --iss issuer-1 --sub alice@example.com --aud "$AUD" --age 3600)"
printf '{"case": "crate-assertion-expired-refused", "token": "%s", "alg": "ES256", "key": "%s", "iss": "issuer-1", "sub": "alice@example.com", "aud": "%s", "expect": "fail"}\n' \
  "$jwt" "$(public_of ES256)" "$AUD" >>"$cases"

"$INTEROP_PY" "$INTEROP_DIR/py/jwt_peers.py" verify "$cases"
node "$INTEROP_NODE_DIR/jwt_peers.mjs" verify "$cases"

# --- the peers sign, the crate verifies ----------------------------------------
specs="$WORK/specs.jsonl"
: >"$specs"
spec() { # case alg expect [extra JSON members]
  local alg="$2" keys
  if [[ $alg == HS* ]]; then
    keys="\"hmac\": \"$HMAC\""
  else
    keys="\"private\": \"$(private_of "$alg")\", \"key\": \"$(public_of "$alg")\""
  fi
  printf '{"case": "%s", "alg": "%s", %s, "iss": "issuer-2", "sub": "bob@example.com", "aud": "%s", "expect": "%s"%s}\n' \
    "$1" "$alg" "$keys" "$AUD" "$3" "${4:-}" >>"$specs"
}
for alg in "${ALGS[@]}"; do
  spec "peer-signed-$alg" "$alg" ok
done
spec peer-signed-tampered-refused RS256 InvalidSignature ', "tamper": true'
spec peer-signed-expired-refused ES256 Expired ', "age": 3600'
printf '{"case": "peer-signed-wrong-aud-refused", "alg": "ES256", "private": "%s", "key": "%s", "iss": "issuer-2", "sub": "bob@example.com", "aud": "https://elsewhere.example/token", "verify_aud": "%s", "expect": "WrongAudience"}\n' \
  "$(private_of ES256)" "$(public_of ES256)" "$AUD" >>"$specs"

peer_cases="$WORK/peer-signed.jsonl"
"$INTEROP_PY" "$INTEROP_DIR/py/jwt_peers.py" sign "$specs" >"$peer_cases"
node "$INTEROP_NODE_DIR/jwt_peers.mjs" sign "$specs" >>"$peer_cases"

# One tab-separated line per case: name, token, alg, key flag, key path, aud, expect.
"$INTEROP_PY" -c '
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    flag, path = ("--hmac-file", c["hmac"]) if "hmac" in c else ("--key", c["key"])
    print("\t".join([c["case"], c["token"], c["alg"], flag, path, c.get("verify_aud", c["aud"]), c["expect"]]))
' "$peer_cases" >"$WORK/peer-signed.tsv"
while IFS=$'\t' read -r name token alg flag path aud expect; do
  out="$(printf '%s' "$token" | "$S2S_DRIVER" verify-jwt "$flag" "$path" --alg "$alg" --aud "$aud" --iss issuer-2 --sub bob@example.com 2>&1)" || true
  if [[ $expect == ok ]]; then
    if [[ "$(json_get "$out" ok)" == true && "$(json_get "$out" alg)" == "$alg" ]]; then
      pass "$name"
    else
      fail "$name" "the crate refused a peer's JWT: $out"
    fi
  elif [[ "$(json_get "$out" reason)" == "$expect" ]]; then
    pass "$name"
  else
    fail "$name" "expected the crate to refuse with $expect, got: $out"
  fi
done <"$WORK/peer-signed.tsv"
