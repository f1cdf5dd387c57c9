#!/bin/sh
# make bench (last part): the whole spring HNN training of Greydanus et al.
# (2001 full-batch steps of 750 rows, the test loss every step, float32, one
# thread) with hnnc and with PyTorch (tests/bench/torch_train_spring.py),
# alternating hnnc, PyTorch, hnnc, PyTorch on the same data, the best of
# each. hnnc's figure is the CPU time of the whole `hnnc train` command (data
# loading, compiling, the loop, the rollouts and plots after it); PyTorch's is
# the CPU time of its training loop alone. Both final losses are printed.
#
#   sh tests/bench/spring.sh BUILD [ROUNDS]     (ROUNDS default 2)
B=${1:-build}
ROUNDS=${2:-2}
H="$B/hnnc"
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/hnnc_spring.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$PY" ] || ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "spring: PyTorch comparison skipped: no python3-torch for $PY"
  exit 0
fi
. tests/bench/blas.sh
[ -z "$blas_note" ] || echo "spring: $blas_note"
"$H" data models/hnn/spring.lua -o "$tmp/data" >/dev/null 2>&1 || { echo "spring: hnnc data failed"; exit 1; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) print b; else print a }'; }
h= t= hl= tl=
r=1
while [ "$r" -le "$ROUNDS" ]; do
  /usr/bin/time -f "%U %S" -o "$tmp/time" "$H" train models/hnn/spring.lua --dtype float32 --data "$tmp/data" \
    -o "$tmp/run" --force --quiet --threads 1 >"$tmp/out" 2>"$tmp/err" ||
    { echo "spring: hnnc train failed: $(head -c 500 "$tmp/err")"; exit 1; }
  cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
  hl=$(grep 'final train loss' "$tmp/out" | sed 's/^ *//')
  run_torch tests/bench/torch_train_spring.py "$tmp/data" --dtype float32 >"$tmp/torch.json" 2>"$tmp/terr" ||
    { echo "spring: PyTorch failed: $(tail -c 500 "$tmp/terr")"; exit 1; }
  tcpu=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["cpu_seconds"])' "$tmp/torch.json")
  tl=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("final train loss %.4e, test loss %.4e" % (d["train_loss"], d["test_loss"]))' "$tmp/torch.json")
  echo "spring: round $r: hnnc $cpu s of CPU (whole command); PyTorch $tcpu s of CPU (training loop)"
  h=$(best "$h" "$cpu") t=$(best "$t" "$tcpu")
  r=$((r + 1))
done
echo "spring: hnnc:    $hl"
echo "spring: PyTorch: $tl (LD_PRELOAD=${preload:-nothing})"
awk -v h="$h" -v t="$t" 'BEGIN {
  printf "spring: spring HNN training, float32, 2001 steps, one thread, best of each: hnnc %.2f s, PyTorch %.2f s: hnnc %.2fx faster (target >= 3x)\n", h, t, t / h
}'
