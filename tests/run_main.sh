#!/bin/sh
# make run: the main job. Trains the pendulum HNN and its baseline
# (models/hnn/pendulum.lua, models/baseline/pendulum.lua) with the published
# protocol of Greydanus et al. (2019) that their hn.train settings carry
# (2001 full-batch Adam updates, lr 1e-3, weight decay 1e-4, seed 0; gcc
# backend; float32, as the reference trained: HNNC_DTYPE=float64 for double),
# both at once on the machine's two cores; evaluates them; prints a
# Table-1-style comparison beside the published numbers
# (/work/shared/ref/hnn-tasks.md); the plots are in build/run/*/.
#
# The test loss is computed every HNNC_EVAL_EVERY steps (default 10) instead
# of every step: it never feeds back into training (tests/test_train.c
# checks that the parameters are bit-identical either way), so this only
# saves time. HNNC_EVAL_EVERY=1 does what the reference's loop does.
set -e
B=${1:-build}
O=$B/run
HNN=models/hnn/pendulum.lua
BASE=models/baseline/pendulum.lua
K=${HNNC_EVAL_EVERY:-10}
DT=${HNNC_DTYPE:-float32}
mkdir -p "$O"
start=$(date +%s)
# build/run is make run's own: a second make run replaces the runs (--force)

echo "== training $HNN and $BASE (seed 0, gcc, $DT, test loss every $K steps), in parallel"
"$B/hnnc" train "$BASE" -o "$O/pendulum_baseline" --force --cc gcc --dtype "$DT" --eval-every "$K" --quiet \
  > "$O/baseline.txt" 2> "$O/baseline.log" &
pid=$!
if ! "$B/hnnc" train "$HNN" -o "$O/pendulum_hnn" --force --cc gcc --dtype "$DT" --eval-every "$K" > "$O/hnn.txt"; then
  kill "$pid" 2> /dev/null || true
  exit 1
fi
if ! wait "$pid"; then cat "$O/baseline.log"; exit 1; fi
sed 's/^/   /' "$O/baseline.txt" "$O/hnn.txt"

echo
echo "== evaluating (losses; energy MSE of 15 rollouts, published and corrected protocols)"
"$B/hnnc" evaluate "$BASE" --params "$O/pendulum_baseline" --dtype "$DT" --json > "$O/baseline.json"
"$B/hnnc" evaluate "$HNN" --params "$O/pendulum_hnn" --dtype "$DT" --json > "$O/hnn.json"

# value of a key of a one-line JSON object
get() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p" "$2"; }
row() { # label key scale published
  b=$(get "$2" "$O/baseline.json"); bs=$(get "$2_se" "$O/baseline.json")
  h=$(get "$2" "$O/hnn.json"); hs=$(get "$2_se" "$O/hnn.json")
  awk -v l="$1" -v b="$b" -v bs="$bs" -v h="$h" -v hs="$hs" -v s="$3" -v p="$4" 'BEGIN {
    printf "   %-24s %8.2f ± %-6.2f %8.2f ± %-6.2f   %s\n", l, b / s, bs / s, h / s, hs / s, p }'
}
echo
printf "   %-24s %17s %17s   %s\n" "pendulum, seed 0, x 1e-3" "baseline" "HNN" "published (baseline / HNN)"
row "train loss" train_loss 1e-3 "33 ± 2  / 33 ± 2"
row "test loss" test_loss 1e-3 "35 ± 2  / 36 ± 2   (raw: 35.3 / 35.6)"
row "energy MSE, published" energy_mse 1e-3 "42 ± 10 / 25 ± 5   (raw: 41.5 / 24.9)"
row "energy MSE, true H" energy_mse_corrected 1e-3 "(not published)"
echo
echo "   published protocol: the reference analysis' energy q^2 + p^2; corrected: the pendulum's"
echo "   H = 3(1 - cos q) + p^2. Error bars: losses std/sqrt(rows); energies std of 5 group means / sqrt(5)."
echo
echo "== plots (SVG) in $O/pendulum_hnn/ and $O/pendulum_baseline/: loss.svg phase.svg energy.svg"
echo "   (all in $(( $(date +%s) - start )) s)"
