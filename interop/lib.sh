# Shared helpers for interop suites (sourced by interop/suites/*.sh; see README.md).
#
# A suite sets SUITE=<name> before sourcing this file, then reports each case with
# `pass CASE` or `fail CASE WHY`. Servers started with `start_server` are killed
# when the suite exits, whatever the reason.

: "${SUITE:?set SUITE before sourcing lib.sh}"
: "${INTEROP_DIR:?run suites through interop/run.sh}"

# A scratch folder for this suite, removed on exit.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/interop-$SUITE.XXXXXX")"
SERVER_PIDS=()

cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { printf 'PASS %s/%s\n' "$SUITE" "$1"; }

# fail CASE WHY: WHY is squeezed onto one line and cut to 300 characters.
fail() {
  local why
  why="$(printf '%s' "$2" | tr '\n\r' '  ' | cut -c1-300)"
  printf 'FAIL %s/%s: %s\n' "$SUITE" "$1" "$why"
}

# start_server NAME COMMAND...: runs COMMAND in the background with its output in
# $WORK/NAME.log, waits (10 s at most) for it to print a line `PORT <n>` after
# binding 127.0.0.1:0, and sets PORT to n. Returns 1 if it dies or says nothing.
start_server() {
  local name="$1" log="$WORK/$1.log" pid i line
  shift
  : >"$log"
  "$@" >"$log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  for ((i = 0; i < 100; i++)); do
    line="$(grep -m1 -E '^PORT [0-9]+$' "$log" || true)"
    if [[ -n "$line" ]]; then
      PORT="${line#PORT }"
      wait_port "$PORT" && return 0
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "server $name did not start; its output:" >&2
  sed 's/^/  | /' "$log" >&2
  return 1
}

# wait_port PORT: waits (5 s at most) until 127.0.0.1:PORT accepts connections.
wait_port() {
  local i
  for ((i = 0; i < 50; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# json_get JSON KEY: the value of KEY in a one-line JSON object (strings bare,
# other values as JSON), empty if absent or if JSON does not parse.
json_get() {
  "$INTEROP_PY" -c '
import json, sys
try:
    v = json.loads(sys.argv[1]).get(sys.argv[2])
except Exception:
    v = None
print("" if v is None else v if isinstance(v, str) else json.dumps(v))
' "$1" "$2"
}

# expect_token CASE DRIVER-ARGS...: `$S2S_DRIVER token ARGS` must obtain a token.
# The driver's JSON report is left in $OUT.
expect_token() {
  local case="$1"
  shift
  OUT="$("$S2S_DRIVER" token "$@" 2>&1)" || true
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $OUT" >&2
  if [[ "$(json_get "$OUT" ok)" == "true" ]]; then
    pass "$case"
  else
    fail "$case" "expected a token, got: $OUT"
  fi
}

# expect_oauth_error CASE CODE DRIVER-ARGS...: the request must be refused with
# the crate's typed OAuth error (Error::OAuth) carrying the server's code CODE.
expect_oauth_error() {
  local case="$1" code="$2"
  shift 2
  OUT="$("$S2S_DRIVER" token "$@" 2>&1)" || true
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $OUT" >&2
  if [[ "$(json_get "$OUT" kind)" == "oauth" && "$(json_get "$OUT" error)" == "$code" ]]; then
    pass "$case"
  else
    fail "$case" "expected Error::OAuth with code $code, got: $OUT"
  fi
}

# expect_report CASE PYEXPR DRIVER-ARGS...: `$S2S_DRIVER ARGS` (any subcommand)
# must print a JSON report `r` for which the Python expression PYEXPR is true
# (`r["ok"] and r["active"] is False`). The report is left in $OUT.
expect_report() {
  local case="$1" expr="$2"
  shift 2
  OUT="$("$S2S_DRIVER" "$@" 2>&1)" || true
  [[ -z "${INTEROP_VERBOSE:-}" ]] || echo "  $OUT" >&2
  if "$INTEROP_PY" -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$OUT" "$expr" 2>/dev/null; then
    pass "$case"
  else
    fail "$case" "expected $expr, got: $OUT"
  fi
}

# new_p256_key FILE: a fresh P-256 private key (PKCS#8 PEM), for "some other key".
new_p256_key() {
  "$INTEROP_PY" -c '
import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
open(sys.argv[1], "wb").write(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
' "$1"
}
