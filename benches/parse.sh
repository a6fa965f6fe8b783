#!/bin/sh
# Instruction counts of one token response parse against one serde_json::Value parse
# of the same body (valgrind callgrind; robust to a busy machine). Run from the
# crate root: sh benches/parse.sh
set -eu
cargo bench --bench parse --no-run
bin=$(ls -t target/release/deps/parse-* | grep -v '\.d$' | head -n 1)
count() {
    out=$(mktemp)
    PARSE_LOOP="$1" valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" >/dev/null 2>&1
    callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
    rm -f "$out"
}
for body in salesforce rfc6749; do
    for which in value crate; do
        base=$(count "$body/$which/0")
        many=$(count "$body/$which/10000")
        echo "$body $which: $(( (many - base) / 10000 )) instructions per parse"
    done
done
