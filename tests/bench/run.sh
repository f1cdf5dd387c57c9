#!/bin/sh
# make bench: hnnc's kernels and PyTorch, single-threaded, side by side.
#
#   sh tests/bench/run.sh BUILD_DIR
#
# Runs, one after the other in this invocation:
#   BUILD_DIR/hnnc bench models/hnn/pendulum.lua --cc gcc --batch 1,32,750,1024 --json
#   BUILD_DIR/bench_step --json                    (when it has been built)
#   /usr/bin/python3 tests/bench/torch_hnn.py      (when Debian's python3-torch is installed)
# and prints one table. See tests/bench/README.md.
#
# Environment:
#   TORCH_DTYPE=float32      time PyTorch in float32 instead of float64
#   TORCH_BLAS_PRELOAD=...   what to LD_PRELOAD into PyTorch's process instead of
#                            OpenBLAS (a path, or "none" for whatever libblas.so.3 is)
#   BENCH_JSON=FILE          also write the merged results as JSON to FILE
set -u

B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd) || exit 1
cd "$root" || exit 1
PY=/usr/bin/python3  # Debian's python, where python3-torch lives (not a pyenv one on PATH)
MODEL=models/hnn/pendulum.lua

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hnnc-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# One thread everywhere. OpenBLAS picks its own kernels (OPENBLAS_CORETYPE unset where it runs).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
status=0
: >"$tmp/hnnc.json"
: >"$tmp/step.json"
: >"$tmp/torch.json"
: >"$tmp/notes"

# ---- hnnc ----
echo "bench: hnnc bench $MODEL --cc gcc ..."
if [ ! -x "$B/hnnc" ]; then
  echo "hnnc: $B/hnnc is not built" >>"$tmp/notes"
  status=1
elif ! "$B/hnnc" bench "$MODEL" --cc gcc --batch 1,32,750,1024 --json >"$tmp/hnnc.json" 2>"$tmp/hnnc.err"; then
  echo "hnnc bench FAILED: $(head -c 2000 "$tmp/hnnc.err")" >>"$tmp/notes"
  : >"$tmp/hnnc.json"
  status=1
fi

# ---- the training step of hnnc (another program; may not exist yet) ----
if [ -x "$B/bench_step" ]; then
  echo "bench: bench_step --json ..."
  if ! "$B/bench_step" --json >"$tmp/step.json" 2>"$tmp/step.err"; then
    echo "bench_step FAILED: $(head -c 2000 "$tmp/step.err")" >>"$tmp/notes"
    : >"$tmp/step.json"
    status=1
  fi
else
  echo "hnnc step: $B/bench_step is not built, the hnnc step column is empty" >>"$tmp/notes"
fi

# ---- beyond one shape: more models, float32, and the kernels beside OpenBLAS ----
# (hnnc's own peak is measured by every hnnc bench run, in its JSON)
: >"$tmp/more.json"
# (the --no-fma build and tcc's code beside the default: the choice of the default is measured here)
for spec in "models/hnn/pendulum.lua 1,32,750,1024 --no-fma" "models/hnn/pendulum.lua 1,32 --cc tcc" \
            "models/hnn/pendulum.lua 1,32 --cc tcc --no-fma" "models/hnn/two_body.lua 1,200" "tests/bench/hnn_1000.lua 1,256" \
            "tests/models/pendulum_hnn_f32.lua 1,1024" "tests/models/pendulum_hnn_f32.lua 1,1024 --no-fma" \
            "tests/bench/hnn_1000_f32.lua 1,256"; do
  set -- $spec
  m=$1 b=$2
  shift 2
  echo "bench: hnnc bench $m --batch $b $*..."
  if "$B/hnnc" bench "$m" --cc gcc --batch "$b" "$@" --json >>"$tmp/more.json" 2>"$tmp/more.err"; then :; else
    echo "hnnc bench $1 FAILED: $(head -c 2000 "$tmp/more.err")" >>"$tmp/notes"
    status=1
  fi
done
# bench_kernels: prelude/kernels.c alone with the gcc path's flags, beside
# OpenBLAS's cblas GEMM on the same shapes, linked directly (one thread;
# OpenBLAS picks its own kernels: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)
: >"$tmp/kernels.json"
cblas=$(ls /usr/include/*/openblas*/cblas.h /usr/include/openblas/cblas.h 2>/dev/null | head -1)
if [ -n "$cblas" ]; then
  for t in d f d_nofma; do # the default build (FMA) in double and float; double in the --no-fma build
    def=-DHN_FMA; [ $t = f ] && def="-DHN_FLOAT -DHN_FMA"; [ $t = d_nofma ] && def=
    if gcc -std=gnu11 -O3 -march=native -ffp-contract=off $def -I"$(dirname "$cblas")" -o "$tmp/bench_kernels_$t" \
        tests/bench/bench_kernels.c -lopenblas -lm 2>"$tmp/bk.err"; then
      echo "bench: bench_kernels ($t) ..."
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$tmp/bench_kernels_$t" --json >>"$tmp/kernels.json" 2>>"$tmp/bk.err" ||
        { echo "bench_kernels FAILED: $(head -c 2000 "$tmp/bk.err")" >>"$tmp/notes"; status=1; }
    else
      echo "bench_kernels not built: $(head -c 500 "$tmp/bk.err")" >>"$tmp/notes"
    fi
  done
else
  echo "kernels beside OpenBLAS skipped: no cblas.h (apt-get install libopenblas-openmp-dev)" >>"$tmp/notes"
fi

# ---- PyTorch, with OpenBLAS preloaded ----
if [ ! -x "$PY" ]; then
  echo "PyTorch comparison skipped: $PY does not exist (apt-get install python3-torch)" >>"$tmp/notes"
else
  . tests/bench/blas.sh
  [ -z "$blas_note" ] || echo "$blas_note" >>"$tmp/notes"
  echo "bench: $PY tests/bench/torch_hnn.py --dtype ${TORCH_DTYPE:-float64} (LD_PRELOAD=${preload:-nothing}) ..."
  if ! run_torch tests/bench/torch_hnn.py --dtype "${TORCH_DTYPE:-float64}" >"$tmp/torch.json" 2>"$tmp/torch.err"; then
    echo "PyTorch benchmark FAILED: $(tail -c 2000 "$tmp/torch.err")" >>"$tmp/notes"
    : >"$tmp/torch.json"
    status=1
  fi
fi

# ---- one table ----
if [ -x "$PY" ]; then
  "$PY" - "$tmp/hnnc.json" "$tmp/step.json" "$tmp/torch.json" "$tmp/notes" "${BENCH_JSON:-}" "$tmp/more.json" "$tmp/kernels.json" <<'EOF' || status=1
import json, sys

ROWS = [("field", 1), ("field", 32), ("field", 750), ("field", 1024),
        ("step", 1), ("step", 32), ("step", 750)]


def load(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        return json.loads(text) if text else None
    except (OSError, ValueError) as e:
        print("bench: cannot read %s: %s" % (path, e))
        return None


hnnc, step, torch = (load(p) for p in sys.argv[1:4])


def load_lines(path):  # one JSON object a line
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError) as e:
        print("bench: cannot read %s: %s" % (path, e))
        return []


more, kernels = load_lines(sys.argv[6]), load_lines(sys.argv[7])
try:
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
except (OSError, IndexError):
    cpu = "unknown CPU"
with open(sys.argv[4]) as f:
    notes = [l.rstrip("\n") for l in f if l.strip()]
out_json = sys.argv[5]

ours = {}
for r in (hnnc or {}).get("results", []):
    ours[(r.get("function"), r.get("batch"))] = r
for r in (step or {}).get("results", []):
    ours[(r.get("what", "step"), r.get("batch"))] = r
theirs = {}
if torch and "skipped" in torch:
    notes.append("PyTorch comparison skipped: " + torch["skipped"])
    torch = None
for r in (torch or {}).get("results", []):
    theirs[(r.get("what"), r.get("batch"))] = r


def us(r):
    return r["cpu_us"] if r and r.get("cpu_us") is not None else None


def fmt(v, w, p=2):
    return ("%*.*f" % (w, p, v)) if v is not None else "%*s" % (w, "-")


print()
if hnnc:
    print("hnnc:    model %s, backend %s; libtcc compiles the whole model in %.3f ms (median of 9)"
          % (hnnc.get("model"), hnnc.get("backend"), hnnc.get("tcc_compile_ms", float("nan"))))
if torch:
    print("PyTorch: %s, %s, %s thread(s), %s"
          % (torch.get("torch_version"), torch.get("dtype"), torch.get("threads"), torch.get("python")))
    print("  BLAS:  %s" % torch.get("blas"))
    if torch.get("gemm_200x200x1024_gflops") is not None:
        print("         (a 200x200 by 200x1024 GEMM in that process: %.1f GFLOP/s)"
              % torch["gemm_200x200x1024_gflops"])
print("FLOPs:   counted from the compiled graph (hnnc dump prints them); a step adds Adam's 13 per parameter")
print()
dt = (torch or {}).get("dtype", "float64")
hdr = ("", "hnnc", "PyTorch", "PyTorch/", "MFLOP", "hnnc")
hdr2 = ("median CPU time", "us/call", "us/call", "hnnc", "per call", "GFLOP/s")
line = "%-16s %12s %12s %9s %11s %9s"
print(line % hdr)
print(line % hdr2)
print("-" * 74)
merged = []
for what, n in ROWS:
    a, b = us(ours.get((what, n))), us(theirs.get((what, n)))
    flops = (ours.get((what, n)) or {}).get("flops")
    ratio = b / a if a and b else None
    rate = flops / (a * 1e3) if a and flops else None
    print("%-16s %12s %12s %9s %11s %9s" % (
        "%s b=%d" % (what, n), fmt(a, 12), fmt(b, 12),
        fmt(ratio, 8, 2) + ("x" if ratio else " "), fmt(flops / 1e6 if flops else None, 11, 3),
        fmt(rate, 9, 1)))
    merged.append({"what": what, "batch": n, "hnnc_cpu_us": a, "torch_cpu_us": b,
                   "torch_over_hnnc": ratio, "flops": flops, "hnnc_gflops": rate})
print("-" * 74)
print("CPU time of the calling thread per call, median; wall times: BENCH_JSON=FILE."
      " PyTorch in %s%s." % (dt, "" if dt == "float64" else " (hnnc in float64)"))
extra = [(k, r) for k, r in ours.items() if k[0] not in ("field", "step")]
if extra:
    print("hnnc, other functions (cpu us/call): " + ", ".join(
        "%s b=%s %.2f" % (k[0], k[1], r["cpu_us"]) for k, r in sorted(extra, key=lambda kr: (kr[0][0], kr[0][1]))))

# the model's products beside OpenBLAS, and each function against the
# in-run GEMM rate on its layer's shape and against the core's peak
gemm = {}  # (dtype, K) -> OpenBLAS GFLOP/s of the NN product at the largest R
if hnnc:
    print()
    print("CPU: %s; %d-byte vectors; peak (%s) measured in this run: %.1f GFLOP/s in double"
          % (cpu, hnnc.get("vector_bytes", 0), "fused multiply-adds" if hnnc.get("fma") else
             "separate multiplies and adds", hnnc.get("peak_gflops", 0)))
if kernels:
    print()
    print("%-17s %-22s %-4s %19s %10s %10s %8s" % ("dtype", "shape", "form", "R x K x M", "hnnc GF/s",
                                                "BLAS GF/s", "hnnc/BLAS"))
    for k in kernels:
        for r in k.get("results", []):
            print("%-17s %-22s %-4s %19s %10.1f %10.1f %7.0f%%" % (
                k["dtype"] + ("" if k.get("fma") else " mul+add"), r["model"] + " " + r["shape"].replace("batch ", "b="), r["form"],
                "%dx%dx%d" % (r["R"], r["K"], r["M"]), r["hnnc_gflops"], r["blas_gflops"],
                100 * r["hnnc_gflops"] / r["blas_gflops"]))
            if r["form"] == "nn" and r["R"] > 1 and k.get("fma", True):
                gemm[(k["dtype"], r["K"])] = max(gemm.get((k["dtype"], r["K"]), 0), r["blas_gflops"])
        print("  %s peak in that process (%s): %.1f GFLOP/s (%d-byte vectors); the 200x200 weight read twice"
              " from L2 (the field's bound at batch 1): %.2f us" % (
                  k["dtype"], "fused multiply-adds" if k.get("fma") else "separate multiplies and adds",
                  k["peak_gflops"], k["vector_bytes"], k.get("l2_twice_200x200_us", float("nan"))))
    print("  OpenBLAS linked there: %s; core type it picked (OPENBLAS_CORETYPE unset): %s"
          % (kernels[0].get("openblas_config", "?"), kernels[0].get("openblas_core", "?")))
runs = ([hnnc] if hnnc else []) + more
if runs:
    print()
    print("%-30s %-9s %-10s %6s %12s %9s %7s %10s" % ("model", "dtype", "function", "batch", "cpu us/call",
                                                     "GFLOP/s", "% peak", "% of GEMM"))
    for h in runs:
        for r in h.get("results", []):
            if r["function"] not in ("field", "loss_grad"):
                continue
            rate = r["flops"] / (r["cpu_us"] * 1e3)
            width = 1000 if "1000" in h["model"] else 200
            g = gemm.get((h.get("dtype", "float64"), width))
            print("%-30s %-9s %-10s %6d %12.1f %9.1f %6.1f%% %10s" % (
                h["model"] + ("" if h.get("fma") else " mul+add") + (" tcc" if h.get("backend") == "tcc" else ""),
                h.get("dtype", "float64"), r["function"], r["batch"],
                r["cpu_us"], rate,
                100 * rate / h["peak_gflops"] if h.get("peak_gflops") else 0,
                ("%9.0f%%" % (100 * rate / g)) if g and r["batch"] > 1 else "-"))
    print("'% of GEMM': GFLOP/s of the whole function over OpenBLAS's on the NN product of its hidden layer"
          " (R = the largest batch above); '% peak': of the peak measured by that hnnc bench run (of fused"
          " multiply-adds in the default build, of separate multiplies and adds in the mul+add (--no-fma) one).")
# batch 1: the targets (25x PyTorch) beside the machine's bounds
l2 = [k.get("l2_twice_200x200_us") for k in kernels if k.get("dtype") == "float64"]
f1, s1, t_f1, t_s1 = us(ours.get(("field", 1))), us(ours.get(("step", 1))), us(theirs.get(("field", 1))), us(theirs.get(("step", 1)))
adam, sd, lg1 = us(ours.get(("adam", 1))), us(ours.get(("sqrt_div", 1))), us(ours.get(("loss_grad", 1)))
onepass = us(ours.get(("one_pass", 1)))
print()
if f1 and l2 and l2[0]:
    print("batch 1, field: hnnc %.2f us; the 200x200 weight read twice from L2 (the streaming bound, double): %.2f us"
          " = %.2fx of it%s" % (f1, l2[0], f1 / l2[0], "; 25x PyTorch would be %.2f us, %s the bound"
                                % (t_f1 / 25, "below" if t_f1 / 25 < l2[0] else "above") if t_f1 else ""))
if s1 and adam:
    print("batch 1, step: hnnc %.2f us = loss gradient %s us + Adam %.2f us over the parameters (its square roots and"
          " divisions alone: %.2f us, the divider's bound)%s" % (
              s1, "%.2f" % lg1 if lg1 else "?", adam, sd or float("nan"),
              "; 25x PyTorch would be %.2f us" % (t_s1 / 25) if t_s1 else ""))
if adam and onepass:
    print("batch 1, Adam: %.2f us = %.2fx one pass over theta, the gradient and both moments without the square"
          " roots and divisions (%.2f us)" % (adam, adam / onepass, onepass))
for n in notes:
    print("note: " + n)
if out_json:
    with open(out_json, "w") as f:
        json.dump({"hnnc": hnnc, "hnnc_step": step, "torch": torch, "table": merged, "more": more,
                   "kernels": kernels, "cpu": cpu, "notes": notes}, f, indent=1)
EOF
else
  echo "no $PY to format the table; raw results:"
  cat "$tmp/hnnc.json" "$tmp/step.json" "$tmp/notes"
fi
exit $status
