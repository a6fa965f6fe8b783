#!/bin/sh
# Summarizes fuzz/logs/TARGET.log (written by run.sh): executions, final cov/ft,
# wall time, and when cov last grew.
for log in "$@"; do
    echo "== $log"
    grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' "$log" | awk '{print $2, $3}'
    grep -E '(NEW|REDUCE|pulse|DONE) +cov:' "$log" | tail -1 | awk '{print "final:", $1 "s", $4, $5, $6, $7}'
    grep -E '[[:space:]]NEW +cov:' "$log" | awk 'prev != $5 {t = $1; c = $5} {prev = $5} END {print "cov last grew at", t "s to", c}'
done
