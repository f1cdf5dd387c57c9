#!/bin/sh
# make run: the main job on the shipped default model (models/hnn/pendulum.lua).
set -e
B=${1:-build}
M=models/hnn/pendulum.lua
echo "== hnnc compile $M -o $B/out"
mkdir -p "$B/out"
"$B/hnnc" compile "$M" -o "$B/out"
wc -c "$B/out/pendulum_hnn.c" "$B/out/pendulum_hnn.h" | sed 's/^/   /'
echo
echo "== the learned vector field (untrained, seed 0) at a few points: q, p -> dq/dt, dp/dt"
printf '%s\n' "0,1" "1,0" "0.5,-0.5" "-1.5,0.3" > "$B/out/points.csv"
"$B/hnnc" eval "$M" field --cc tcc < "$B/out/points.csv" > "$B/out/field_tcc.csv"
"$B/hnnc" eval "$M" field --cc gcc < "$B/out/points.csv" > "$B/out/field_gcc.csv"
paste -d'|' "$B/out/points.csv" "$B/out/field_tcc.csv" | sed 's/|/  ->  /; s/^/   /'
if cmp -s "$B/out/field_tcc.csv" "$B/out/field_gcc.csv"; then echo "   tcc and gcc agree to the bit"
else echo "   tcc and gcc DIFFER"; exit 1; fi
echo
echo "== hnnc bench $M --cc gcc --batch 1,32,750"
"$B/hnnc" bench "$M" --cc gcc --batch 1,32,750
