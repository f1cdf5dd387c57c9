#!/bin/sh
# make fuzz: each target under libFuzzer for TIME seconds, from its seed
# corpus (tests, and the regression inputs). A crash is copied to
# tests/fuzz/regress/TARGET/ (commit it with its fix) and fails the run.
# usage: run.sh BUILD TIME TARGET...
B=$1 TIME=$2
shift 2
. tests/fuzz/corpus.sh
status=0
total=0
printf '%-11s %10s %8s %6s %s\n' target executions exec/s cov result
for t in "$@"; do
  corpus=$B/corpus/$t
  mkdir -p "$corpus" "$B/crashes"
  rm -f "$B/crashes/$t-"*
  for f in $(seeds "$t"); do cp "$f" "$corpus/"; done
  dict=
  [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
  "$B/fuzz_$t" "$corpus" -max_total_time="$TIME" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$B/crashes/$t-" $dict > "$B/fuzz_$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz_$t.log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$B/fuzz_$t.log")
  cov=$(grep -o 'cov: [0-9]*' "$B/fuzz_$t.log" | tail -1 | cut -d' ' -f2)
  total=$((total + ${runs:-0}))
  result=clean
  if [ $rc -ne 0 ]; then
    result="CRASH (log: $B/fuzz_$t.log)"
    mkdir -p "tests/fuzz/regress/$t"
    for c in "$B/crashes/$t-"*; do [ -f "$c" ] && cp "$c" "tests/fuzz/regress/$t/"; done
    status=1
  fi
  printf '%-11s %10s %8s %6s %s\n' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "$result"
done
echo "fuzz: $total executions in $# targets of $TIME s each"
exit $status
