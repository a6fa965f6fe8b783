#!/bin/sh
# Instructions per call of one bench operation, counted by valgrind's callgrind:
# the bench binary runs the operation 1 and 1 + N times in counting mode
# (S2S_COUNT=OP:N, see the `count` function of each bench), and the difference of
# the two totals, divided by N, is one call with all setup cancelled out.
#
#   benches/callgrind.sh BENCH OP [N]      e.g. benches/callgrind.sh jwt verify-rs256 20
#
# Prints "BENCH OP instructions-per-call". Needs valgrind.
set -eu
bench=$1 op=$2 n=${3:-20}
exe=$(cargo bench --bench "$bench" --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -n "$exe" ] || { echo "no executable for bench $bench" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
total() {
    S2S_COUNT="$op:$1" valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" \
        "$exe" >/dev/null 2>"$out/log.$1"
    sed -n 's/^summary: //p' "$out/cg.$1"
}
one=$(total 1)
many=$(total $((n + 1)))
echo "$bench $op $(( (many - one) / n ))"
