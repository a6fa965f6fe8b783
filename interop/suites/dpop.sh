#!/usr/bin/env bash
# DPoP proofs (RFC 9449) made by a second implementation, Node's jose
# (interop/node/dpop_peers.mjs), checked by the crate's jwt::dpop::verify_proof
# (the driver's verify-dpop): good ES256, EdDSA and PS256 proofs pass with the
# thumbprint jose computes; tampered, replayed, stale, misaddressed, unbound and
# symmetric ones are refused with the expected typed DpopError.
set -euo pipefail
SUITE=dpop
source "$INTEROP_DIR/lib.sh"

if ! node "$INTEROP_NODE_DIR/dpop_peers.mjs" "$WORK/cases.jsonl" 2>"$WORK/peers.log"; then
  fail jose-proofs "dpop_peers.mjs failed: $(cat "$WORK/peers.log")"
  exit 0
fi

while IFS= read -r line; do
  field() { json_get "$line" "$1"; }
  name="$(field name)"
  args=(verify-dpop --method "$(field method)" --url "$(field url)")
  [[ -n "$(field nonce)" ]] && args+=(--nonce "$(field nonce)")
  if [[ -n "$(field token)" ]]; then
    printf '%s' "$(field token)" >"$WORK/token"
    args+=(--access-token-file "$WORK/token" --jkt "$(field jkt)")
  fi
  [[ "$(field twice)" == true ]] && args+=(--twice)
  OUT="$(printf '%s' "$(field proof)" | "$S2S_DRIVER" "${args[@]}" 2>&1)" || true
  expect="$(field expect)"
  if [[ $expect == ok ]]; then
    if [[ "$(json_get "$OUT" ok)" == true && "$(json_get "$OUT" jkt)" == "$(field thumbprint)" ]]; then
      pass "jose-$name"
    else
      fail "jose-$name" "expected the proof to verify with jkt $(field thumbprint): $OUT"
    fi
  elif [[ "$(json_get "$OUT" ok)" == false && "$(json_get "$OUT" reason)" == "$expect" ]]; then
    pass "jose-$name-refused"
  else
    fail "jose-$name-refused" "expected DpopError::$expect: $OUT"
  fi
done <"$WORK/cases.jsonl"
