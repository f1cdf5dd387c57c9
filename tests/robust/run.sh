#!/bin/sh
# Hostile input to the command line (issue 11): each case runs hnnc and
# checks the exit status and a piece of the message on stderr. Every case
# here failed before its fix (a crash, a hang, a silent wrong answer or a
# lost file). $1 is the hnnc binary.
hnnc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0
fail=0

# expect STATUS SUBSTRING ARGS...: hnnc ARGS exits with STATUS and its
# stderr contains SUBSTRING (stdin from $IN if set, else /dev/null)
expect() {
  want=$1 sub=$2
  shift 2
  timeout 120 "$hnnc" "$@" < "${IN:-/dev/null}" > out.txt 2> err.txt
  st=$?
  if [ "$st" -ne "$want" ] || { [ -n "$sub" ] && ! grep -qF -- "$sub" err.txt; }; then
    echo "FAIL hnnc $*: status $st (want $want), stderr:"
    sed 's/^/    /' err.txt | head -5
    echo "    (wanted '$sub')"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}

# a folder given as the model: an error, not "out of memory" and abort (134)
expect 1 "models: error: cannot read the model file: it is a folder" compile "$root/models" -o out
expect 1 "cannot read the model file: No such file" dump nothing.lua

# out of memory: the compiler aborted (status 134, a core dump); now a
# message and status 1 (ulimit -v 8000: hnnc starts, Kepler's flow does
# not fit; skipped where hnnc cannot even start so, and under
# AddressSanitizer, which reserves terabytes of address space)
printf '#!/bin/sh\nulimit -v 8000\nexec "%s" "$@"\n' "$hnnc" > lowmem.sh
chmod +x lowmem.sh
if [ -z "${HNNC_ASAN:-}" ] && ./lowmem.sh --version > /dev/null 2>&1; then
  real=$hnnc
  hnnc=$T/lowmem.sh
  expect 1 "hnnc: error: out of memory" dump "$root/models/flows/kepler.lua"
  hnnc=$real
fi

# simulate: a fixed step too large used to print NaN rows and exit 0; the
# default step (a tenth of the output spacing) depended on the row count
expect 2 "rk4 takes a fixed step: give --h STEP" simulate "$here/duffing.lua" --x0 1.5,0 --t 100:3 --integrator rk4
expect 1 "rk4 stopped at t = 10 with step size 5: the state became NaN or infinite" \
  simulate "$here/duffing.lua" --x0 1.5,0 --t 100:3 --integrator rk4 --h 5 --cc tcc
[ -s out.txt ] && { echo "FAIL: rows printed after the error"; fail=$((fail + 1)); }
expect 1 "try a smaller step (--h)" simulate "$here/duffing.lua" --x0 1.5,0 --t 100:3 --integrator leapfrog --h 5 --cc tcc
expect 0 "" simulate "$here/duffing.lua" --x0 1.5,0 --t 100:3 --integrator rk4 --h 0.01 --cc tcc
expect 2 "the time span T must be positive" simulate "$here/duffing.lua" --x0 1.5,0 --t 0:1
# a huge field: RK45 used to run for ever (its step floor, 10 ulp of t, is
# subnormal at t = 0)
expect 1 "with step size" simulate "$here/huge.lua" --x0 1,0 --t 10:3 --cc tcc
expect 1 "with step size" simulate "$here/huge.lua" --x0 1,0 --t 10:3 --integrator dop853 --cc tcc

# train: --steps 0 reported "final train loss nan"
cp "$here/tiny.lua" "$root/models/systems/spring.lua" .
expect 0 "" train tiny.lua -o run --steps 0 --cc tcc --quiet
outhas() { if grep -qF -- "$1" out.txt; then pass=$((pass + 1)); else echo "FAIL: stdout lacks '$1':"; sed 's/^/    /' out.txt; fail=$((fail + 1)); fi; }
outhas "initial train loss "   # the value itself: test_train's test_steps_zero
grep -q nan out.txt && { echo "FAIL: a NaN loss at --steps 0"; fail=$((fail + 1)); }
# train -o DIR over an earlier run: refused, unless --resume or --force
# (--force removes what hnnc wrote, an old run's PNGs too, and nothing else)
expect 0 "" train tiny.lua -o run --steps 3 --cc tcc --quiet --force
echo old > run/loss.png   # an older hnnc wrote PNGs too
expect 1 "run: error: the folder holds a run (checkpoint.bin params.npy metrics.csv): --resume continues it, --force replaces it" \
  train tiny.lua -o run --steps 3 --cc tcc --quiet
echo mine > run/notes.txt
expect 0 "" train tiny.lua -o run --steps 3 --cc tcc --quiet --force
[ -f run/loss.png ] && { echo "FAIL: --force kept the old run's loss.png"; fail=$((fail + 1)); }
[ -f run/notes.txt ] || { echo "FAIL: --force removed a file hnnc did not write"; fail=$((fail + 1)); }
expect 0 "" train tiny.lua -o run --steps 5 --cc tcc --quiet --resume

# Ctrl-C: the step finishes, checkpoint + metrics + params are written, the
# resume command is printed, exit 130; the run then resumes
"$hnnc" train tiny.lua -o sig --steps 2000000 --cc tcc --quiet > out.txt 2> err.txt &
pid=$!
sleep 1
kill -INT $pid
wait $pid
st=$?
n=$(sed -n 's/.*interrupted after \([0-9]*\) of 2000000 steps.*/\1/p' err.txt)
if [ $st -ne 130 ] || [ -z "$n" ] || ! grep -qF "resume with: hnnc train tiny.lua -o sig --resume --steps 2000000" err.txt ||
   [ ! -f sig/checkpoint.bin ] || [ ! -f sig/metrics.csv ] || [ ! -f sig/params.model ]; then
  echo "FAIL: SIGINT: status $st, stderr:"; sed 's/^/    /' err.txt; ls sig; fail=$((fail + 1))
else
  pass=$((pass + 1))
  [ "$(wc -l < sig/metrics.csv)" -eq $((n + 1)) ] || { echo "FAIL: metrics.csv has not $n rows"; fail=$((fail + 1)); }
  expect 0 "" train tiny.lua -o sig --steps $((n + 3)) --cc tcc --quiet --resume
fi

# parameter identity: a baseline's parameters (the same count) ran as the
# HNN's; eval took no folder ("0 parameters") and no checkpoint
cp "$here/tiny_base.lua" "$here/wide.lua" .
expect 0 "" train tiny_base.lua -o base --steps 2 --cc tcc --quiet
expect 1 "base/params.npy: error: these parameters belong to tiny_baseline" evaluate tiny.lua --params base --cc tcc
expect 1 "base/checkpoint.bin: error: these parameters belong to another model" simulate tiny.lua --params base/checkpoint.bin --x0 1,0 --t 1 --cc tcc
mkdir -p copy && cp base/params.npy base/params.model copy/
expect 1 "copy/params.npy: error: these parameters belong to tiny_baseline" eval tiny.lua field --params copy/params.npy
expect 0 "as --force says" eval tiny.lua field --params copy/params.npy --force
cp base/params.npy bare.npy
expect 0 "bare.npy has no sidecar" eval tiny.lua field --params bare.npy
IN=one.txt
echo "0.5,-0.25" > one.txt
for p in run run/checkpoint.bin run/params.npy; do
  expect 0 "" eval tiny.lua field --params $p
  mv out.txt "out_$(echo $p | tr / _).txt"
done
if cmp -s out_run.txt out_run_checkpoint.bin.txt && cmp -s out_run.txt out_run_params.npy.txt && [ -s out_run.txt ]; then
  pass=$((pass + 1))
else echo "FAIL: eval --params DIR, checkpoint and .npy differ"; fail=$((fail + 1)); fi

# eval's stdin: lines of any length (a 65,536-byte buffer cut a row of 4000
# numbers into "3277 numbers"), line and column of a bad number, hnnc's CSV
# headers, a NUL byte, no samples for a shared output
awk 'BEGIN { for (i = 1; i <= 4000; i++) printf "%s%d", (i > 1 ? "," : ""), i; print "" }' > long.txt
IN=long.txt expect 0 "" eval wide.lua sum
grep -qx 8002000 out.txt && pass=$((pass + 1)) || { echo "FAIL: the sum of 1..4000 is not 8002000:"; cat out.txt; fail=$((fail + 1)); }
printf 'q,p\n1,2\n3,4x\n' > bad.csv
IN=bad.csv expect 1 "<stdin>:3:3: error: not a number: '4x'" eval wide.lua mean_sq
printf 'q,p\n1,2\n3,4\n' > ok.csv
IN=ok.csv expect 0 "" eval wide.lua mean_sq
grep -qx 15 out.txt && pass=$((pass + 1)) || { echo "FAIL: mean of 1+4 and 9+16 is not 15:"; cat out.txt; fail=$((fail + 1)); }
printf '1,2\n3,\0004\n' > nul.txt
IN=nul.txt expect 1 "<stdin>:2:3: error: a NUL byte in the line" eval wide.lua mean_sq
IN=/dev/null expect 1 "<stdin>: error: no samples: mean_sq has shared outputs" eval wide.lua mean_sq
IN=
hnnc_sim=$(cd "$T" && "$hnnc" simulate tiny.lua --params run --x0 1,0 --t 1:3 --cc tcc 2>&1 >/dev/null)
[ -z "$hnnc_sim" ] && pass=$((pass + 1)) || { echo "FAIL: simulate --params run: $hnnc_sim"; fail=$((fail + 1)); }

# a diverged network (one weight 1e300, in H's output column): evaluate
# and simulate ran for ever; now every rollout fails at once, saying why
awk 'BEGIN { for (i = 0; i < 112; i++) print (i == 97 ? "1e300" : "0.1") }' > huge.txt
expect 0 "learned rollout failed: step size fell below the minimum step" evaluate tiny.lua --params huge.txt --cc tcc
expect 1 "stopped at t = 0 with step size" simulate tiny.lua --params huge.txt --x0 1,0 --t 10 --cc tcc

# leapfrog and yoshida4 on a non-separable H (a q p term; a learned H)
# lost the energy without a word; now refused, naming implicit_midpoint
expect 1 "leapfrog needs a separable H(q, p) = T(p) + V(q)" simulate "$here/qp.lua" --x0 1,0 --t 10 --integrator leapfrog --h 0.01 --cc tcc
grep -qF "implicit_midpoint" err.txt && pass=$((pass + 1)) || { echo "FAIL: no implicit_midpoint in the refusal"; fail=$((fail + 1)); }
expect 1 "yoshida4 needs a separable H" simulate tiny.lua --params run --x0 1,0 --t 1 --integrator yoshida4 --h 0.01 --cc tcc
expect 0 "" simulate "$here/qp.lua" --x0 1,0 --t 10 --integrator implicit_midpoint --h 0.01 --cc tcc
expect 0 "as --force says" simulate "$here/qp.lua" --x0 1,0 --t 10 --integrator leapfrog --h 0.01 --force --cc tcc
expect 0 "" simulate "$here/duffing.lua" --x0 1,0 --t 10 --integrator yoshida4 --h 0.01 --cc tcc

# fixed buffers (the house issue removed them; these keep them away)
expect 0 "" dump "$here/concat120.lua"
mkdir -p lo
expect 0 "" compile "$here/long_name.lua" -o lo
expect 0 "" dump "$here/long_name.lua"

echo "robust: $pass of $((pass + fail)) hostile command lines handled"
[ $fail -eq 0 ]
