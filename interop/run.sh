#!/usr/bin/env bash
# The interop suite's single entry point: s2s-oauth against peers we did not write.
# Installs what it needs (idempotently, locally), builds the Rust side once, runs
# every interop/suites/*.sh in name order, and ends with one line
# `N passed, M failed` (exit 1 if M > 0 or N == 0). See interop/README.md.
set -euo pipefail

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INTEROP_DIR/.." && pwd)"
INTEROP_NODE_DIR="$INTEROP_DIR/node"
INTEROP_PY="$INTEROP_DIR/.venv/bin/python"
export INTEROP_DIR REPO_ROOT INTEROP_NODE_DIR INTEROP_PY

# Each suite gets this long (it should need well under a minute).
SUITE_TIMEOUT="${INTEROP_SUITE_TIMEOUT:-600}"

say() { printf '==> %s\n' "$*"; }

# Lines of a package list, without comments and blank lines.
list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1"; }

install_debian_packages() {
  local missing=() pkg
  while read -r pkg; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done < <(list "$INTEROP_DIR/apt-packages.txt")
  if ((${#missing[@]} == 0)); then
    say "Debian packages: all present"
    return
  fi
  say "Debian packages: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A stamp holds the hash of the file an install came from: the install is redone
# only when that file changes (or the install is gone).
stamp_ok() { [[ -f "$2" && "$(cat "$2")" == "$(sha256sum <"$1")" ]]; }
stamp_write() { sha256sum <"$1" >"$2"; }

install_python_peers() {
  local req="$INTEROP_DIR/requirements.txt" stamp="$INTEROP_DIR/.venv/.installed"
  if [[ -x "$INTEROP_PY" ]] && stamp_ok "$req" "$stamp"; then
    say "Python peers: up to date (interop/.venv)"
    return
  fi
  say "Python peers: installing into interop/.venv"
  rm -rf "$INTEROP_DIR/.venv"
  python3 -m venv "$INTEROP_DIR/.venv"
  "$INTEROP_PY" -m pip install -q --disable-pip-version-check -r "$req"
  stamp_write "$req" "$stamp"
}

install_node_peers() {
  local lock="$INTEROP_NODE_DIR/package-lock.json" stamp="$INTEROP_NODE_DIR/node_modules/.installed"
  if stamp_ok "$lock" "$stamp"; then
    say "Node peers: up to date (interop/node/node_modules)"
    return
  fi
  say "Node peers: npm ci in interop/node"
  (cd "$INTEROP_NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  stamp_write "$lock" "$stamp"
}

build_rust_side() {
  say "Rust side: building the interop driver"
  # --all-features: the same feature set as `cargo test --all-features`, so CI
  # reuses that build instead of compiling the crate again.
  (cd "$REPO_ROOT" && cargo build --quiet --all-features --example interop-driver)
  S2S_DRIVER="$REPO_ROOT/target/debug/examples/interop-driver"
  export S2S_DRIVER
  if [[ -f "$REPO_ROOT/src/bin/s2s-oauth/main.rs" ]]; then
    say "Rust side: building the s2s-oauth CLI"
    (cd "$REPO_ROOT" && cargo build --quiet --all-features --bin s2s-oauth)
    S2S_CLI="$REPO_ROOT/target/debug/s2s-oauth"
    export S2S_CLI
  fi
}

install_debian_packages
install_python_peers
install_node_peers
build_rust_side

passed=0
failed=0
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

for suite in "$INTEROP_DIR"/suites/*.sh; do
  [[ -e "$suite" ]] || continue
  name="$(basename "$suite" .sh)"
  say "suite $name"
  start=$SECONDS
  set +e
  timeout --kill-after=10 "$SUITE_TIMEOUT" bash "$suite" | tee "$results"
  status=${PIPESTATUS[0]}
  set -e
  n=$(grep -c '^PASS ' "$results" || true)
  m=$(grep -c '^FAIL ' "$results" || true)
  if ((status != 0)); then
    echo "FAIL $name: exited $status"
    m=$((m + 1))
  fi
  passed=$((passed + n))
  failed=$((failed + m))
  say "suite $name: $n passed, $m failed in $((SECONDS - start)) s"
done

echo "$passed passed, $failed failed"
if ((failed > 0 || passed == 0)); then
  exit 1
fi
