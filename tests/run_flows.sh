#!/bin/sh
# make flows: train and evaluate the flow experiments of models/flows/
# (Kepler, FPUT harmonic, FPUT alpha = 0.2) into $B/flows/NAME and print
# each one's `hnnc evaluate --json`. Slow (minutes: gcc compiles each
# model's C once, cached in ~/.cache/hnnc); not part of make test.
B=${1:-build}
status=0
for m in kepler fput_harmonic fput; do
  dir="$B/flows/$m"
  mkdir -p "$B/flows"
  echo "== $m: hnnc train models/flows/$m.lua -o $dir"
  if "$B/hnnc" train "models/flows/$m.lua" -o "$dir" --eval-every 100 --force --quiet; then
    "$B/hnnc" evaluate "models/flows/$m.lua" --params "$dir" --json || status=1
    "$B/hnnc" check "models/flows/$m.lua" --params "$dir" | sed -n 2,5p || status=1
  else
    status=1
  fi
done
exit $status
