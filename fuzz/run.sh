#!/bin/sh
# Runs one target for a time limit at low priority: ./run.sh TARGET SECONDS [DICT]
# (from fuzz/). The log, each line prefixed with the seconds since the start (to
# see when coverage last grew), goes to fuzz/logs/TARGET.log, which git ignores.
set -eu
target=$1; seconds=$2; dict=${3:-}
mkdir -p logs
nice -n 10 cargo +nightly fuzz run "$target" -O -- \
    -max_total_time="$seconds" -max_len=8192 -timeout=2 -rss_limit_mb=1024 \
    -print_final_stats=1 ${dict:+-dict=dict/$dict.dict} 2>&1 |
    python3 -u -c 'import sys, time
t = time.time()
for line in sys.stdin:
    print(f"{time.time() - t:7.1f} {line}", end="", flush=True)' > "logs/$target.log"
