#!/bin/sh
# make test: every suite, one summary line each. $1 is the build folder.
B=${1:-build}
shift
status=0
summary=""
note() { summary="$summary$1
"; }
for t in "$@"; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  log="$B/$name.log"
  start=$(date +%s)
  if "$t" > "$log" 2>&1; then
    note "ok    $name ($(grep -c '^\[       OK' "$log") tests, $(( $(date +%s) - start )) s)"
  else
    note "FAIL  $name (log: $log)"
    grep -E "^\[  (FAILED|ERROR)|mismatch|: got " "$log" | head -20
    status=1
  fi
done
if out=$(sh tests/layers.sh 2>&1); then note "ok    $out"
else echo "$out"; note "FAIL  layers"; status=1; fi
if out=$(sh tests/errors/run.sh "$B/hnnc" 2>&1); then note "ok    diagnostics: $(echo "$out" | tail -1)"
else echo "$out"; note "FAIL  diagnostics"; status=1; fi
if out=$(sh tests/cli/run.sh "$B/hnnc" 2>&1); then note "ok    $(echo "$out" | tail -1)"
else echo "$out"; note "FAIL  cli"; status=1; fi
if out=$(sh tests/robust/run.sh "$B/hnnc" 2>&1); then note "ok    $(echo "$out" | tail -1)"
else echo "$out"; note "FAIL  robust"; status=1; fi
if out=$(sh tests/fuzz/replay.sh "$B" npy checkpoint rows params model csv 2>&1); then note "ok    $(echo "$out" | tail -1)"
else echo "$out"; note "FAIL  fuzz corpus"; status=1; fi
if out=$(sh tests/generated.sh "$B/hnnc" 2>&1); then note "ok    generated: $(echo "$out" | tail -1)"
else echo "$out"; note "FAIL  generated"; status=1; fi
if out=$(sh tests/export.sh "$B/hnnc" 2>&1); then note "ok    export: $(echo "$out" | tail -1)"
else echo "$out"; note "FAIL  export"; status=1; fi
printf '\n%s' "$summary"
exit $status
