#!/bin/sh
# Builds the minimal JWT Bearer programs (release, stripped, the same profile for
# all) and prints their sizes and the ratio. Run from anywhere:
#   sh examples/size/build.sh          # ureq's gzip off on both sides
#   sh examples/size/build.sh gzip     # ureq's gzip on on both sides
# Also: the sans-IO program (s2s-oauth with default-features = false) against an
# empty std program, for the size the library adds with no HTTP stack.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
features=${1:-}
export CARGO_TARGET_DIR="$here/target"
build() {
    # The crate's own lock file as the start: the same versions on every side.
    [ -e "$here/$1/Cargo.lock" ] || cp "$here/../../Cargo.lock" "$here/$1/Cargo.lock"
    cargo build --release --quiet --manifest-path "$here/$1/Cargo.toml" ${2:+--features "$2"}
    wc -c < "$CARGO_TARGET_DIR/release/size-$1"
}
crates() {
    cargo tree --manifest-path "$here/$1/Cargo.toml" -e normal,no-proc-macro --prefix none \
        ${2:+--features "$2"} | sed 's/ (\*)//' | sort -u | wc -l
}
with=$(build with-crate "$features")
by=$(build by-hand "$features")
echo "with-crate: $with bytes, $(crates with-crate "$features") crates"
echo "by-hand:    $by bytes, $(crates by-hand "$features") crates"
awk -v a="$with" -v b="$by" 'BEGIN { printf "ratio: %.3f (%+d bytes)\n", a / b, a - b }'
if [ -z "$features" ]; then
    sans=$(build sans-io "")
    hello=$(build hello "")
    echo "sans-io (default-features = false): $sans bytes; empty std program: $hello bytes; added: $((sans - hello)) bytes"
fi
