#!/bin/sh
# Runs one target until coverage has not grown for QUIET seconds (a plateau), at
# most MAX seconds: ./plateau.sh TARGET QUIET MAX [DICT] (from fuzz/). Same log as
# run.sh (fuzz/logs/TARGET.log); says why it stopped.
set -eu
target=$1; quiet=$2; max=$3; dict=${4:-}
./run.sh "$target" "$max" "$dict" &
runner=$!
sleep 30
while kill -0 "$runner" 2>/dev/null; do
    sleep 10
    # When coverage last grew: the INITED line (the corpus loaded) or a NEW line with a
    # higher cov. Nothing before INITED counts (the build can take minutes).
    last=$(grep -E '[[:space:]](INITED|NEW) +cov:' "logs/$target.log" | awk 'prev != $5 {t = $1} {prev = $5} END {if (NR) print int(t)}')
    now=$(tail -1 "logs/$target.log" | awk '{print int($1)}')
    if [ -n "$last" ] && [ -n "$now" ] && [ $((now - last)) -ge "$quiet" ]; then
        echo "$target: plateau, no new cov for $((now - last)) s (at ${now} s)"
        pkill -INT -f "fuzz/target/.*/release/$target " || true
        pkill -INT -f "release/$target -" || true
        wait "$runner" || true
        exit 0
    fi
done
wait "$runner" || true
echo "$target: stopped at the $max s limit"
