#!/bin/sh
# make bench (last part): the spring HNN training (float32, full batch of
# 750 rows, the test loss every step) on 1 and on 2 threads, side by side in
# one run, alternating 1, 2, 1, 2 so that a change in the machine's load
# hits both; the best of each. Reports the wall time of the training loop
# (metrics.csv), the process's CPU time (all threads), the training loop's
# CPU time per thread (hnnc train prints it) and the ratio, and checks that
# both give the same parameters, bit for bit.
#
#   sh tests/bench/threads.sh BUILD [STEPS]     (STEPS default 2001, as the reference)
B=${1:-build}
STEPS=${2:-2001}
H="$B/hnnc"
tmp=$(mktemp -d /tmp/hnnc_threads.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$H" data models/hnn/spring.lua -o "$tmp/data" >/dev/null 2>&1 || { echo "threads: hnnc data failed"; exit 1; }
best() { # the smaller of two numbers (empty: the other)
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) print b; else print a }'
}
w1= w2= c1= c2=
for round in 1 2; do
  for t in 1 2; do
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$H" train models/hnn/spring.lua --dtype float32 --data "$tmp/data" \
      -o "$tmp/run$t" --force --quiet --steps "$STEPS" --threads "$t" >"$tmp/out" 2>"$tmp/err" ||
      { echo "threads: hnnc train --threads $t failed: $(head -c 500 "$tmp/err")"; exit 1; }
    wall=$(tail -n 1 "$tmp/run$t/metrics.csv" | cut -d, -f4)
    cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
    per=$(grep 'threads:' "$tmp/out" | sed 's/^ *//')
    echo "threads: round $round, $t thread(s): training loop $wall s wall; process $cpu s CPU${per:+; $per}"
    if [ "$t" = 1 ]; then w1=$(best "$w1" "$wall") c1=$(best "$c1" "$cpu"); else w2=$(best "$w2" "$wall") c2=$(best "$c2" "$cpu"); fi
  done
done
# the control: two independent 1-thread runs at once. If the machine has two
# free cores they take the time of one alone; the ratio bounds what any
# threading can gain here now.
for t in a b; do
  "$H" train models/hnn/spring.lua --dtype float32 --data "$tmp/data" -o "$tmp/ctl$t" --force --quiet \
    --steps "$STEPS" --threads 1 >/dev/null 2>&1 &
done
wait
wa=$(tail -n 1 "$tmp/ctla/metrics.csv" | cut -d, -f4) wb=$(tail -n 1 "$tmp/ctlb/metrics.csv" | cut -d, -f4)
echo "threads: control, two 1-thread runs at once: $wa s and $wb s wall"
same=no
cmp -s "$tmp/run1/params.npy" "$tmp/run2/params.npy" && same=yes
awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" -v s="$STEPS" -v same="$same" -v np="$(nproc)" -v wa="$wa" -v wb="$wb" 'BEGIN {
  printf "threads: spring HNN, float32, %d steps, best of 2 (%d processors online, load: see uptime)\n", s, np
  printf "threads:   1 thread   %8.2f s wall   %8.2f s CPU\n", w1, c1
  printf "threads:   2 threads  %8.2f s wall   %8.2f s CPU\n", w2, c2
  printf "threads:   speed-up %.2fx (target >= 1.7x); CPU 2 / 1 = %.2f; the same parameters: %s\n", w1 / w2, c2 / c1, same
  m = wa > wb ? wa : wb
  printf "threads:   the machine now: two 1-thread runs at once took %.2f and %.2f s, i.e. %.2f cores free for this\n", wa, wb, 2 * w1 / m
}'
uptime
[ "$same" = yes ]
