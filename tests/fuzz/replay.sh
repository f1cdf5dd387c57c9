#!/bin/sh
# make test: every fuzz target (built with gcc on a plain driver, no
# libFuzzer) over its seed corpus and the crashes fuzzing found
# (tests/fuzz/regress/TARGET/). $1 is the build folder, then the targets.
B=$1
shift
. tests/fuzz/corpus.sh
n=0
for t in "$@"; do
  files=$(seeds "$t")
  # shellcheck disable=SC2086
  if ! timeout 300 "$B/fuzzrun_$t" $files > "$B/fuzzrun_$t.log" 2>&1; then
    echo "FAIL fuzz target $t on its corpus (log: $B/fuzzrun_$t.log)"
    tail -5 "$B/fuzzrun_$t.log"
    exit 1
  fi
  n=$((n + $(echo "$files" | wc -l)))
done
echo "fuzz corpus: $n inputs through $# targets"
