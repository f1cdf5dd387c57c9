#!/bin/sh
# hnnc export, end to end. $1 is the hnnc binary.
#   - the determinism matrix: the exported file and its example built by tcc,
#     gcc -O0, gcc -O2, gcc -O3 -march=native -ffp-contract=off and clang -O2
#     -ffp-contract=off print the same bytes, and the same bits as `hnnc
#     simulate` with the same integrator and step (leapfrog on the pendulum,
#     rk4 and implicit midpoint on the pendulum HNN, float32 across compilers);
#   - strict C99 (-pedantic -Wall -Wextra -Werror), the header from C++;
#   - the README's embedding lines, built and run;
#   - bad input: an error naming the file, exit 1, nothing written.
# The HNN examples print every 25 (rk4) or 10 (midpoint) steps instead of
# 1000 to stay fast under tcc and gcc -O0; EXPORT_FULL=1 runs 10 000 steps.
hnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { checks=$((checks + 1)); }
strict="-std=c99 -pedantic -Wall -Wextra -Werror"

gcc -O2 -o "$tmp/tosteps" tests/export/tosteps.c || exit 1

# matrix NAME DIR EVERY: the example under every compiler, one output
matrix() {
  name=$1 dir=$2 every=$3
  ref=""
  for cc in "tcc" "gcc -O0" "gcc -O2" "gcc -O3 -march=native -ffp-contract=off" "clang -O2 -ffp-contract=off"; do
    command -v "${cc%% *}" >/dev/null || { fail "$cc is not installed"; continue; }
    $cc -DEVERY="$every" -o "$dir/example" "$dir/example.c" "$dir/$name.c" 2> "$dir/cc.log" ||
      { fail "$cc cannot build $dir/example.c"; cat "$dir/cc.log"; continue; }
    "$dir/example" > "$dir/out.txt" || { fail "$dir/example built by $cc failed"; continue; }
    [ "$(wc -l < "$dir/out.txt")" -eq 10 ] || { fail "$dir/example ($cc) printed $(wc -l < "$dir/out.txt") lines"; continue; }
    if [ -z "$ref" ]; then ref="$cc"; cp "$dir/out.txt" "$dir/ref.txt"
    elif cmp -s "$dir/out.txt" "$dir/ref.txt"; then pass
    else fail "$dir: $cc and $ref print different bits"; diff "$dir/ref.txt" "$dir/out.txt" | head -4; fi
  done
}

# simulate_same MODEL PARAMS DIR EVERY H ARGS...: simulate prints the same bits
simulate_same() {
  model=$1 params=$2 dir=$3 every=$4 h=$5
  shift 5
  T=$(awk -v e="$every" -v h="$h" 'BEGIN { printf "%.17g", 10 * e * h }')
  "$hnnc" simulate "$model" $params --x0 0.5,0.5 --t "$T:11" --h "$h" "$@" 2> "$dir/sim.log" |
    "$tmp/tosteps" "$every" > "$dir/sim.txt"
  if cmp -s "$dir/sim.txt" "$dir/ref.txt"; then pass
  else fail "$dir: hnnc simulate $* and the exported code differ"; diff "$dir/sim.txt" "$dir/ref.txt" | head -4; cat "$dir/sim.log"; fi
}

full=${EXPORT_FULL:-0}
e_rk4=25 e_mid=10
[ "$full" = 1 ] && e_rk4=1000 e_mid=1000

# 1. the pendulum: separable, leapfrog, the full 10 000 steps
"$hnnc" export models/systems/pendulum.lua -o "$tmp/sys" --example > "$tmp/sys.txt" || fail "export of the pendulum"
grep -q "leapfrog" "$tmp/sys.txt" && grep -q "H is separable" "$tmp/sys.txt" && pass || fail "the pendulum is not exported with leapfrog"
matrix pendulum "$tmp/sys" 1000
simulate_same models/systems/pendulum.lua "" "$tmp/sys" 1000 0.1 --integrator leapfrog

# 2. the pendulum HNN, three training steps: rk4 and implicit midpoint
"$hnnc" train tests/models/pendulum_hnn_jac.lua -o "$tmp/run" --steps 1 --cc tcc --quiet > /dev/null || fail "training"
"$hnnc" export tests/models/pendulum_hnn_jac.lua --params "$tmp/run" -o "$tmp/rk4" --example --integrator rk4 \
  > "$tmp/rk4.txt" || fail "export with rk4"
matrix pendulum_hnn_jac "$tmp/rk4" $e_rk4
simulate_same tests/models/pendulum_hnn_jac.lua "--params $tmp/run" "$tmp/rk4" $e_rk4 0.1 --integrator rk4
"$hnnc" export tests/models/pendulum_hnn_jac.lua --params "$tmp/run" -o "$tmp/mid" --example > "$tmp/mid.txt" ||
  fail "export with implicit midpoint"
grep -q "implicit_midpoint" "$tmp/mid.txt" && grep -q "not separable" "$tmp/mid.txt" && pass ||
  fail "the HNN is not exported with implicit midpoint"
matrix pendulum_hnn_jac "$tmp/mid" $e_mid
simulate_same tests/models/pendulum_hnn_jac.lua "--params $tmp/run" "$tmp/mid" $e_mid 0.1 \
  --integrator implicit_midpoint --newton 4

# 2b. the mul+add build (--no-fma, trained so): the same bits on every
# compiler and as simulate's; the default build (fused multiply-adds) above
"$hnnc" train tests/models/pendulum_hnn_jac.lua -o "$tmp/runnf" --steps 1 --cc tcc --quiet --no-fma > /dev/null ||
  fail "training --no-fma"
"$hnnc" export tests/models/pendulum_hnn_jac.lua --params "$tmp/runnf" -o "$tmp/nf" --example --integrator rk4 \
  --no-fma > /dev/null || fail "export --no-fma"
grep -q "#define HN_FMA 1" "$tmp/nf/pendulum_hnn_jac.c" && fail "--no-fma exported fused multiply-adds" || pass
grep -q "#define HN_FMA 1" "$tmp/rk4/pendulum_hnn_jac.c" && pass || fail "the default export has no fused multiply-adds"
matrix pendulum_hnn_jac "$tmp/nf" $e_rk4
simulate_same tests/models/pendulum_hnn_jac.lua "--params $tmp/runnf" "$tmp/nf" $e_rk4 0.1 --integrator rk4 --no-fma
cmp -s "$tmp/nf/ref.txt" "$tmp/rk4/ref.txt" && fail "--no-fma and the default print the same bits" || pass

# 3. float32: the same bytes on every compiler; the report of the difference
"$hnnc" export tests/models/pendulum_hnn_jac.lua --params "$tmp/run" -o "$tmp/f32" --example --float \
  > "$tmp/f32.txt" || fail "float export"
grep -q "float32 vs float64 field over 1125 training rows" "$tmp/f32.txt" && pass || fail "no float32 report"
matrix pendulum_hnn_jac "$tmp/f32" $e_mid
# parameters trained in float32 (--dtype): --float alone picks the exported
# type, and the report compares against the float64 field (it once read
# float32 weights as double: a relative difference of 11)
"$hnnc" train tests/models/pendulum_hnn_jac.lua -o "$tmp/run32" --steps 1 --cc tcc --quiet --dtype float32 > /dev/null ||
  fail "float32 training"
"$hnnc" export tests/models/pendulum_hnn_jac.lua --params "$tmp/run32" --dtype float32 -o "$tmp/d32" > /dev/null &&
  grep -q "^typedef double hn_real;" "$tmp/d32/pendulum_hnn_jac.c" && pass ||
  fail "export --dtype float32 without --float did not write float64 code"
"$hnnc" export tests/models/pendulum_hnn_jac.lua --params "$tmp/run32" --dtype float32 --float -o "$tmp/f32b" > "$tmp/f32b.txt" &&
  grep -q "^typedef float hn_real;" "$tmp/f32b/pendulum_hnn_jac.c" &&
  awk '/float32 vs float64 field/ { m = $(NF - 2); sub(",", "", m); ok = m + 0 < 1e-3 } END { exit !ok }' "$tmp/f32b.txt" && pass ||
  { fail "export --dtype float32 --float: $(grep 'float32 vs' "$tmp/f32b.txt")"; }

# 4. strict C99, C++, and the build time of the pendulum HNN at gcc -O2
for d in sys rk4 mid f32; do
  for c in "$tmp/$d"/*.c; do
    gcc $strict -O2 -c "$c" -o "$tmp/x.o" 2> "$tmp/w.log" && pass || { fail "$c is not clean C99"; head -5 "$tmp/w.log"; }
  done
done
printf '#include "pendulum_hnn_jac.h"\nint main() { double x[2] = {0.5, 0.5}; return pendulum_hnn_jac_H(x) == 0; }\n' > "$tmp/mid/cxx.cc"
g++ -std=c++11 -Wall -Wextra -Werror -c "$tmp/mid/cxx.cc" -o "$tmp/cxx.o" &&
  gcc -O2 -ffp-contract=off -c "$tmp/mid/pendulum_hnn_jac.c" -o "$tmp/k.o" && g++ -o "$tmp/cxx" "$tmp/cxx.o" "$tmp/k.o" &&
  "$tmp/cxx" && pass || fail "NAME.h is not usable from C++"
printf '#include "generated/pendulum_hnn.h"\nint main() { return PENDULUM_HNN_NPARAMS == 0; }\n' > "$tmp/cxx2.cc"
g++ -std=c++11 -Wall -Wextra -Werror -I. -c "$tmp/cxx2.cc" -o "$tmp/cxx2.o" && pass || fail "hnnc compile's header is not usable from C++"
t0=$(date +%s%N)
gcc -O2 -ffp-contract=off -c "$tmp/mid/pendulum_hnn_jac.c" -o "$tmp/x.o"
build_ms=$(( ($(date +%s%N) - t0) / 1000000 ))

# 5. the README's embedding lines, built and run against the exported pendulum
awk '/<!-- embed.c -->/ { on = 1; next } /<!-- \/embed.c -->/ { on = 0 } on && !/^```/' README.md > "$tmp/sys/embed.c"
[ -s "$tmp/sys/embed.c" ] && gcc $strict -O2 -ffp-contract=off -o "$tmp/embed" "$tmp/sys/embed.c" "$tmp/sys/pendulum.c" &&
  "$tmp/embed" > "$tmp/embed.txt" && grep -q "energy drift" "$tmp/embed.txt" && pass || fail "README's embedding lines"

# 6. the README's params.npy loader: hnnc compile's kernels with the loaded
# theta give the exported field's bits
mkdir -p "$tmp/kern"
"$hnnc" compile tests/models/pendulum_hnn_jac.lua -o "$tmp/kern" > /dev/null || fail "compile"
awk '/<!-- npy.c -->/ { on = 1; next } /<!-- \/npy.c -->/ { on = 0 } on && !/^```/' README.md > "$tmp/kern/npy.c"
cat > "$tmp/kern/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "npy.c"
#include "pendulum_hnn_jac.h"
int main(int argc, char **argv) {
  static double theta[PENDULUM_HNN_JAC_NPARAMS], ws[PENDULUM_HNN_JAC_FIELD_WS(1)];
  double x[2] = {0.5, 0.25}, y[2];
  if (argc < 2 || load_theta(argv[1], theta, PENDULUM_HNN_JAC_NPARAMS)) return 1;
  pendulum_hnn_jac_field(1, theta, x, y, ws);
  printf("%a %a\n", y[0], y[1]);
  return 0;
}
EOF
cat > "$tmp/mid/field.c" <<'EOF'
#include <stdio.h>
#include "pendulum_hnn_jac.h"
int main(void) {
  double x[2] = {0.5, 0.25}, y[2];
  pendulum_hnn_jac_field(x, y);
  printf("%a %a\n", y[0], y[1]);
  return 0;
}
EOF
gcc $strict -O2 -ffp-contract=off -o "$tmp/kern/main" "$tmp/kern/main.c" "$tmp/kern/pendulum_hnn_jac.c" &&
  gcc $strict -O2 -ffp-contract=off -o "$tmp/mid/field" "$tmp/mid/field.c" "$tmp/mid/pendulum_hnn_jac.c" &&
  "$tmp/kern/main" "$tmp/run/params.npy" > "$tmp/kern/out.txt" && "$tmp/mid/field" > "$tmp/mid/field.txt" &&
  cmp -s "$tmp/kern/out.txt" "$tmp/mid/field.txt" && pass || fail "README's params.npy loader with hnnc compile's kernels"

# 7. a flow with an H in its latent coordinates: H, field and step across
# compilers; forward and inverse with the bits of `hnnc eval`, round trip
awk 'BEGIN { for (i = 1; i <= 53; i++) printf "%.17g\n", 0.3 * sin(1.7 * i) }' > "$tmp/flow_params.txt"
"$hnnc" export tests/models/flow_small.lua --params "$tmp/flow_params.txt" -o "$tmp/flow" --example > "$tmp/flow.txt" ||
  fail "export of a flow"
grep -q "the flow's forward and inverse" "$tmp/flow.txt" && pass || fail "the flow was not exported"
matrix flow_small "$tmp/flow" $e_mid
cat > "$tmp/flow/maps.c" <<'EOF'
#include <stdio.h>
#include "flow_small.h"
int main(void) {
  double x[2] = {0.5, 0.25}, y[2], z[2];
  flow_small_forward(x, y);
  printf("%.17g,%.17g\n", y[0], y[1]);
  flow_small_inverse(x, z);
  printf("%.17g,%.17g\n", z[0], z[1]);
  flow_small_inverse(y, z);
  printf("%.3g\n", (z[0] - x[0] < 0 ? x[0] - z[0] : z[0] - x[0]) + (z[1] - x[1] < 0 ? x[1] - z[1] : z[1] - x[1]));
  return 0;
}
EOF
for cc in "tcc" "gcc -O2" "clang -O2 -ffp-contract=off"; do
  $cc -o "$tmp/flow/maps" "$tmp/flow/maps.c" "$tmp/flow/flow_small.c" && "$tmp/flow/maps" > "$tmp/flow/maps.txt" || fail "$cc: flow maps"
  { echo "0.5,0.25" | "$hnnc" eval tests/models/flow_small.lua forward --params "$tmp/flow_params.txt"
    echo "0.5,0.25" | "$hnnc" eval tests/models/flow_small.lua inverse --params "$tmp/flow_params.txt"; } > "$tmp/flow/eval.txt"
  head -2 "$tmp/flow/maps.txt" | cmp -s - "$tmp/flow/eval.txt" && pass || fail "$cc: the exported flow differs from hnnc eval's"
  awk 'NR == 3 { exit !($1 < 1e-13) }' "$tmp/flow/maps.txt" && pass || fail "$cc: inverse(forward(x)) is not x: $(sed -n 3p "$tmp/flow/maps.txt")"
done

gcc $strict -O2 -c "$tmp/flow/flow_small.c" -o "$tmp/x.o" && pass || fail "flow_small.c is not clean C99"
"$hnnc" export tests/models/flow_only.lua --params "$tmp/flow_params.txt" -o "$tmp/fonly" --example > /dev/null &&
  gcc $strict -O2 -ffp-contract=off -o "$tmp/fonly/ex" "$tmp/fonly/example.c" "$tmp/fonly/flow_only.c" &&
  "$tmp/fonly/ex" > "$tmp/fonly/out.txt" && grep -q "^round trip error" "$tmp/fonly/out.txt" && pass ||
  fail "a flow without H: export and example"

# 8. bad input: FILE: error, exit 1, nothing written
bad() { # expected-text args...
  want=$1
  shift
  rm -rf "$tmp/bad"
  "$hnnc" export "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
  rc=$?
  if [ $rc -eq 1 ] && grep -qF "$want" "$tmp/bad.err" && ! ls "$tmp/bad" 2>/dev/null | grep -q .; then pass
  else fail "export $*: exit $rc, wanted 1 and '$want'"; cat "$tmp/bad.err"; ls "$tmp/bad" 2>/dev/null; fi
}
"$hnnc" data models/hnn/pendulum.lua -o "$tmp/data" --cc tcc > /dev/null || fail "data"
"$hnnc" train models/hnn/spring.lua -o "$tmp/spring" --steps 1 --cc tcc --quiet > /dev/null || fail "training spring"
bad "tests/models/pendulum_hnn_jac.lua: error: the model has 41200 parameters" tests/models/pendulum_hnn_jac.lua -o "$tmp/bad"
bad "$tmp/data/x_train.npy: error: 2250 parameters" tests/models/pendulum_hnn_jac.lua --params "$tmp/data/x_train.npy" -o "$tmp/bad"
bad "$tmp/spring/params.npy: error: these parameters belong to spring_hnn" tests/models/pendulum_hnn_jac.lua --params "$tmp/spring" -o "$tmp/bad"
bad "$tmp/spring/checkpoint.bin: error: these parameters belong to another model" tests/models/pendulum_hnn_jac.lua --params "$tmp/spring/checkpoint.bin" -o "$tmp/bad"
bad "models/baseline/pendulum.lua: error: the model has neither a Hamiltonian nor a flow" models/baseline/pendulum.lua -o "$tmp/bad"
bad "models/systems/pendulum.lua: error: unknown integrator 'verlet'" models/systems/pendulum.lua --integrator verlet -o "$tmp/bad"
bad "tests/models/coupled.lua: error: leapfrog needs a separable H" tests/models/coupled.lua --integrator leapfrog -o "$tmp/bad"
bad "tests/models/pendulum_hnn_jac.lua: error: leapfrog needs a separable H" tests/models/pendulum_hnn_jac.lua --integrator leapfrog --params "$tmp/run" -o "$tmp/bad"
mkdir -p "$tmp/ro" && touch "$tmp/ro/file"
bad "$tmp/ro/file/out: error: cannot create the output folder" models/systems/pendulum.lua -o "$tmp/ro/file/out"
mkdir -p "$tmp/ro/pendulum.h"
"$hnnc" export models/systems/pendulum.lua -o "$tmp/ro" > /dev/null 2> "$tmp/bad.err"
[ $? -eq 1 ] && grep -q "$tmp/ro/pendulum.h: error" "$tmp/bad.err" && [ ! -e "$tmp/ro/pendulum.c" ] &&
  [ "$(ls -A "$tmp/ro" | wc -l)" -eq 2 ] && pass || { fail "a folder in the way of pendulum.h"; cat "$tmp/bad.err"; ls -A "$tmp/ro"; }

[ $fails -eq 0 ] || exit 1
echo "$checks checks: 5 compilers x 6 exports (FMA and --no-fma) print the same bits, equal to simulate's; strict C99 and C++; README lines (embedding, params.npy into compile's kernels); bad input (gcc -O2 builds the exported pendulum HNN in $build_ms ms)"
