#!/bin/sh
# make examples: the shipped examples beyond the published tasks, trained,
# evaluated and plotted (README, "Any system"): Hénon–Heiles and Duffing,
# HNN and baseline (seed 0, gcc), the energy MSE of each with the system's
# H on the declared rollouts (t in [0, 20]) and on rollouts five times as
# long (--t 100:1000), the acceptance ratio baseline / HNN for Hénon–Heiles,
# and Poincaré sections of Hénon–Heiles at E = 1/12 and 1/6, true and
# learned. Figures go to build/examples/ (docs/figures/ holds the copies
# the README shows). About a minute on two cores.
set -e
B=${1:-build}
O=$B/examples
mkdir -p "$O"
for sys in henon_heiles duffing; do
  for k in hnn baseline; do
    "$B/hnnc" train "models/$k/$sys.lua" -o "$O/${sys}_$k" --cc gcc --eval-every 50 --quiet --force > "$O/${sys}_$k.txt"
    tail -2 "$O/${sys}_$k.txt" | head -1
    for span in declared 100:1000; do
      if [ $span = declared ]; then extra=""; else extra="--t $span"; fi
      # shellcheck disable=SC2086
      e=$("$B/hnnc" evaluate "models/$k/$sys.lua" --params "$O/${sys}_$k" --cc gcc --json $extra |
          sed 's/.*"energy_mse": \([^,]*\),.*"energy_mse_se": \([^,]*\),.*/\1 \2/')
      echo "$sys $k $span $e" >> "$O/energy.txt.new"
      echo "  $sys $k energy MSE ($span rollouts): $e"
    done
  done
done
mv "$O/energy.txt.new" "$O/energy.txt"
awk '$1 == "henon_heiles" { m[$2 " " $3] = $4 }
     END {
       r = m["baseline declared"] / m["hnn declared"]; r5 = m["baseline 100:1000"] / m["hnn 100:1000"]
       verdict = "missed on the declared rollouts"
       if (r >= 10) verdict = "met"
       printf "Hénon–Heiles: baseline / HNN energy MSE = %.6g (declared rollouts, t in [0, 20]), %.4g (t in [0, 100]); acceptance (>= 10x): %s\n", r, r5, verdict
     }' "$O/energy.txt"
for E in 0.083333333333333333 0.16666666666666667; do
  name=$(echo "$E" | cut -c1-5)
  "$B/hnnc" poincare models/hnn/henon_heiles.lua --params "$O/henon_heiles_hnn" --energy "$E" --orbits 12 \
    --crossings 200 -o "$O/poincare_$name" --cc gcc
done
