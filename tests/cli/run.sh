#!/bin/sh
# The command line: the option parser (--opt=value, did-you-mean, help
# VERB, --version, one-line usage errors, every verb's --help) and the
# output of dump, eval and bench. Oracles: hand-computed values (eval of
# H = (q^2 + p^2)/2 and its field; FLOPs of H), one reviewed golden file
# (dump of H, tests/cli/dump_harmonic_H.txt: each node checked by hand
# against the formula), and consistency of two outputs (dump and dump
# --plan list the same nodes; --opt=value and --opt value print the same).
# $1 is the hnnc binary; with --regen as $2, rewrites the golden file.
hnnc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# run ARGS...: hnnc ARGS < $IN (or /dev/null); stdout in $T/out, stderr in
# $T/err, the status in $st
run() { timeout 120 "$hnnc" "$@" < "${IN:-/dev/null}" > "$T/out" 2> "$T/err"; st=$?; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }

H=models/systems/harmonic.lua

# ---- dump: golden, and the plan holds the same nodes ----
run dump $H H
if [ "$2" = "--regen" ]; then cp "$T/out" tests/cli/dump_harmonic_H.txt; exit 0; fi
if diff -u tests/cli/dump_harmonic_H.txt "$T/out" > "$T/diff"; then ok; else bad "dump $H H differs:"; sed 's/^/    /' "$T/diff"; fi
grep '^%' "$T/out" | sed 's/ .*//' | sort > "$T/ids.dump"
run dump $H H --plan
grep '^phase' "$T/out" | awk '{print $3}' | sort > "$T/ids.plan"
if cmp -s "$T/ids.dump" "$T/ids.plan" && [ -s "$T/ids.dump" ]; then ok; else bad "dump and dump --plan list different nodes"; fi
run dump $H nothing
same "$st" 1 "dump of a missing function: status"

# ---- gcc's cache: one build per source, compiler (HNNC_CC) and CPU ----
mkdir -p "$T/cache"
printf '1 2\n' > "$T/rows1"
for cc in gcc "$(command -v gcc)" gcc; do
  IN=$T/rows1 XDG_CACHE_HOME=$T/cache HNNC_CC=$cc run eval $H H --cc gcc
  same "$(cat "$T/out")" "2.5" "eval H with HNNC_CC=$cc"
done
same "$(ls "$T/cache/hnnc" | grep -c '\.so$')" 2 "cached builds for two spellings of the compiler, the first run twice"

# ---- eval: H = (q^2 + p^2)/2 and field = (p, -q), by hand ----
printf '1 2\n0.5,-0.25\n' > "$T/rows"
IN=$T/rows run eval $H H --cc tcc
same "$(cat "$T/out" | tr '\n' ' ')" "2.5 0.15625 " "eval H"
IN=$T/rows run eval $H field --cc tcc
same "$(cat "$T/out" | tr '\n' ' ')" "2,-1 -0.25,-0.5 " "eval field"
# per-sample outputs, then the shared one (the batch mean of q: (1 + 0.5)/2)
cat > "$T/two.lua" << 'EOF'
local hn = require "hnnc"
hn.model{name = "two"}
hn.fn("sq", {x = 2}, function(x) return hn.square(x), hn.batch_mean(x[1]) end)
EOF
IN=$T/rows run eval "$T/two.lua" sq --cc tcc
same "$(cat "$T/out" | tr '\n' ' ')" "1,4 0.25,0.0625 0.75 " "eval with a shared output"
# values that do not depend on the sample stay per sample: x ^ 0 folds to
# the constant 1 and a parameter is returned as it is, yet every sample gets
# its row (before, both came out once, as if shared)
cat > "$T/const.lua" << 'EOF'
local hn = require "hnnc"
hn.model{name = "const"}
local w = hn.param{shape = {2}, init = "ones", name = "w"}
hn.fn("one", {x = 2}, function(x) return x ^ 0, hn.sum(x ^ 0) end)
hn.fn("w", {x = 2}, function(x) return w end)
EOF
IN=$T/rows run eval "$T/const.lua" one --cc tcc
same "$(cat "$T/out" | tr '\n' ' ')" "1,1,2 1,1,2 " "eval of x ^ 0: one row a sample"
IN=$T/rows run eval "$T/const.lua" w --cc gcc
same "$(cat "$T/out" | tr '\n' ' ')" "1,1 1,1 " "eval of a parameter: one row a sample"
# --opt=value and --opt value agree
IN=$T/rows run eval $H H --cc=tcc
same "$(cat "$T/out" | tr '\n' ' ')" "2.5 0.15625 " "eval --cc=tcc"

# ---- bench: the table and the JSON, parsed ----
run bench $H --batch 1,4 --reps 5 --cc tcc --json
same "$st" 0 "bench --json: status"
same "$(grep -o '"function": "[A-Za-z_]*", "batch": [0-9]*' "$T/out" | tr '\n' ';')" \
  '"function": "H", "batch": 1;"function": "H", "batch": 4;"function": "field", "batch": 1;"function": "field", "batch": 4;' \
  "bench --json: one result per function and batch"
same "$(grep -o '"reps": [0-9]*' "$T/out" | sort -u)" '"reps": 5' "bench --json: --reps"
# FLOPs of H per sample: two squares, an add and a divide (the dump above),
# so 16 at batch 4
same "$(grep -o '"function": "H", "batch": 4, [^}]*"flops": [0-9]*' "$T/out" | sed 's/.*"flops": //')" 16 "bench --json: FLOPs of H at batch 4"
if grep -qE '"wall_us": (0\.000|-)' "$T/out"; then bad "bench --json: a zero or negative time"; else ok; fi
run bench $H --batch=2 --reps=5 --cc=tcc
same "$(awk '$1 == "H" || $1 == "field" {print $1, $2}' "$T/out" | tr '\n' ';')" "H 2;field 2;" "bench table rows"
same "$(awk '$1 == "H" {print ($3 > 0 && $4 > 0)}' "$T/out")" 1 "bench table: positive times"

# ---- the products' build: fused multiply-adds by default, hn.model{fma =
# false} or --no-fma for separate ones, the command line over the model ----
# (compile writes the C: #define HN_FMA 1 marks the FMA build)
fma_of() { # fma_of MODEL ARGS...: 1 if compile writes the FMA build, 0 if not
  m=$1
  shift
  rm -rf "$T/c" && mkdir -p "$T/c" && run compile "$m" -o "$T/c" "$@" && grep -q "#define HN_FMA 1" "$T/c"/*.c && echo 1 || echo 0
}
printf 'local hn = require "hnnc"\nhn.model{name = "nofma", fma = false}\nhn.fn("H", {x = 2}, function(x) return hn.sum(hn.square(x)) end)\n' > "$T/nofma.lua"
printf 'local hn = require "hnnc"\nhn.model{name = "badfma", fma = "yes"}\n' > "$T/badfma.lua"
same "$(fma_of $H)" 1 "compile: the default build fuses"
same "$(fma_of $H --no-fma)" 0 "compile --no-fma"
same "$(fma_of "$T/nofma.lua")" 0 "compile of hn.model{fma = false}"
same "$(fma_of "$T/nofma.lua" --fma)" 1 "compile --fma over hn.model{fma = false}"
same "$(fma_of $H --fma --no-fma)" 0 "compile --fma --no-fma (the last wins)"
run compile "$T/badfma.lua" -o "$T/c"
same "$st:$(grep -c 'fma must be true or false' "$T/err")" "1:1" "hn.model{fma = \"yes\"}: an error"
run bench $H --batch 1 --reps 5 --json --no-fma
same "$(grep -o '"fma": [a-z]*' "$T/out")" '"fma": false' "bench --no-fma"

# ---- the parser ----
run --version
same "$st $(cut -d' ' -f1 "$T/out")" "0 hnnc" "--version"
run train --version
same "$st $(cut -d' ' -f1 "$T/out")" "0 hnnc" "VERB --version"
# every verb listed by hnnc --help has help, the same by both spellings
run --help
verbs=$(sed -n '/^verbs:/,/^$/p' "$T/out" | awk 'NF > 1 {print $1}')
[ "$(echo "$verbs" | wc -l)" -ge 8 ] && ok || bad "hnnc --help lists fewer than 8 verbs"
for v in $verbs; do
  run help "$v"
  cp "$T/out" "$T/help1"
  if [ "$st" = 0 ] && head -1 "$T/help1" | grep -q "^usage: hnnc $v "; then ok; else bad "hnnc help $v"; fi
  run "$v" --help
  if cmp -s "$T/help1" "$T/out" && [ "$st" = 0 ]; then ok; else bad "hnnc $v --help differs from hnnc help $v"; fi
done
# a usage error: one line, then where to look; status 2
usage() { # usage WANT ARGS...: stderr is exactly WANT and "see 'hnnc VERB --help'"
  want=$1
  shift
  run "$@"
  see="see 'hnnc $1 --help'"
  case $1 in -*|nosuch|trian|help) see="see 'hnnc --help'" ;; esac
  if [ "$st" = 2 ] && [ "$(cat "$T/err")" = "$want
$see" ]; then ok; else bad "hnnc $*: status $st, stderr:"; sed 's/^/    /' "$T/err"; echo "    wanted: $want"; fi
}
usage "hnnc: error: unknown verb 'trian' (did you mean 'train'?)" trian
usage "hnnc: error: unknown verb 'nosuch'" nosuch
usage "hnnc: error: unknown verb 'evalute' (did you mean 'evaluate'?)" help evalute
usage "hnnc train: error: unknown option '--stpes' (did you mean '--steps'?)" train $H -o x --stpes 3
usage "hnnc train: error: unknown option '--bogus'" train $H -o x --bogus
usage "hnnc train: error: --steps takes an integer, not '3x'" train $H -o x --steps 3x
usage "hnnc train: error: --steps takes an integer, not '5.0'" train $H -o x --steps=5.0
usage "hnnc train: error: --sampler is one of epoch|random, not 'epcoh' (did you mean 'epoch'?)" train $H -o x --sampler=epcoh
usage "hnnc train: error: --resume takes no value" train $H -o x --resume=yes
usage "hnnc train: error: -o needs a value" train $H -o
usage "hnnc eval: error: missing FUNC" eval $H
usage "hnnc dump: error: unexpected argument 'extra'" dump $H H extra
usage "hnnc bench: error: --reps must be in 1..100000, not 0" bench $H --reps 0
usage "hnnc simulate: error: --h takes a finite number, not 'nan'" simulate $H --x0 1,0 --t 1 --h nan
usage "hnnc eval: error: --cc is tcc or gcc, not 'clang'" eval $H H --cc clang
# a value that starts with '-' is a value, not an option
run simulate $H --x0 -1,0 --t 1:3 --cc tcc
same "$st $(sed -n 2p "$T/out" | cut -d, -f1-3)" "0 0,-1,0" "simulate --x0 -1,0"
run simulate $H --x0=-1,0 --t=1:3 --cc=tcc
same "$(sed -n 2p "$T/out" | cut -d, -f1-3)" "0,-1,0" "simulate --x0=-1,0"

echo "cli: $pass checks of the parser and of dump, eval and bench passed, $fail failed"
[ $fail -eq 0 ]
