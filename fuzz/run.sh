#!/bin/sh
# Runs one target to a time limit at low priority: ./run.sh TARGET SECONDS [DICT]
# (from fuzz/; logs to fuzz/logs/TARGET.log, which git ignores).
set -eu
target=$1; seconds=$2; dict=${3:-}
mkdir -p logs
exec nice -n 10 cargo +nightly fuzz run "$target" -O -- \
    -max_total_time="$seconds" -max_len=8192 -timeout=2 -rss_limit_mb=1024 \
    -print_final_stats=1 ${dict:+-dict=dict/$dict.dict} > "logs/$target.log" 2>&1
