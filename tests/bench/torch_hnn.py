#!/usr/bin/python3
"""PyTorch side of `make bench`: the 2-200-200-2 tanh HNN of Greydanus et al.

Times, single-threaded, per call:
  field  the vector field (dH/dp, -dH/dq) by torch.autograd.grad, batch 1, 32, 750, 1024
  step   one training step: loss = mean((field(x) - xdot)^2), backward through
         grad_x H (create_graph=True), Adam(lr=1e-3, weight_decay=1e-4).step()
         (multi-tensor "foreach" code unless --adam single), zero_grad; batch 1, 32, 750
and prints one JSON object on stdout. Each number is the median over enough
timed samples to fill about --min-time seconds (at least --min-reps): wall time
(time.perf_counter_ns) and the CPU time of this thread (time.thread_time_ns)
per call, a sample being as many calls in a row as take 100 us (hnnc bench's
rule).

Meant to be run by tests/bench/run.sh, which preloads OpenBLAS and sets
OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1; the BLAS that really ran is found
from /proc/self/maps and the address of dgemm_, and reported under "blas".
Only the standard library is needed to report {"skipped": reason}.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # too late for a preloaded libgomp: run.sh sets them


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    ap.add_argument("--field-batch", default="1,32,750,1024")
    ap.add_argument("--step-batch", default="1,32,750")
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per measurement")
    ap.add_argument("--min-reps", type=int, default=5)
    ap.add_argument("--adam", choices=("foreach", "single"), default="foreach",
                    help="Adam's multi-tensor (foreach, ~15%% faster here) or per-tensor (1.13's default) code")
    return ap.parse_args()


def batches(s):
    return [int(t) for t in s.split(",") if t.strip()]


# ---- which BLAS is in this process ----

class DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def mapped_libs():
    """Real paths of the BLAS/LAPACK-like shared objects mapped in this process."""
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 6:
                    continue
                path = parts[5]
                base = os.path.basename(path).lower()
                if any(k in base for k in ("blas", "lapack", "mkl", "blis", "atlas")):
                    real = os.path.realpath(path)
                    if real not in libs:
                        libs.append(real)
    except OSError:
        pass
    return libs


def symbol_owner(name):
    """The file defining `name` that libtorch_cpu binds to: first the global scope (the
    executable, LD_PRELOAD, RTLD_GLOBAL objects), then libtorch_cpu's own BLAS dependency,
    libblas.so.3 as already loaded (RTLD_NOLOAD: nothing new is loaded)."""
    libc = ctypes.CDLL(None)
    dladdr = libc.dladdr
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    handles = [libc]
    for soname in ("libblas.so.3",):
        try:
            handles.append(ctypes.CDLL(soname, mode=os.RTLD_NOLOAD | os.RTLD_LAZY))
        except OSError:
            pass
    for h in handles:
        try:
            sym = getattr(h, name)
        except AttributeError:
            continue
        info = DlInfo()
        if dladdr(ctypes.cast(sym, ctypes.c_void_p), ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(info.dli_fname.decode())
    return None


def openblas_info(libs):
    """openblas_get_config / corename / num_threads from the OpenBLAS that is loaded, if any."""
    for path in libs:
        if "openblas" not in os.path.basename(path).lower():
            continue
        try:
            lib = ctypes.CDLL(path)  # already mapped: same handle, nothing new is loaded
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return {"path": path,
                    "config": lib.openblas_get_config().decode().strip(),
                    "corename": lib.openblas_get_corename().decode().strip(),
                    "num_threads": lib.openblas_get_num_threads()}
        except (OSError, AttributeError):
            continue
    return None


def torch_blas_info(torch):
    cfg = torch.__config__.show()
    out = {}
    for key in ("BLAS_INFO", "LAPACK_INFO"):
        i = cfg.find(key + "=")
        if i >= 0:
            out[key] = cfg[i + len(key) + 1:].split(",")[0].strip()
    return out


def describe_blas(torch, dtype):
    # Run a GEMM first so that a lazily bound BLAS is surely in use.
    a = torch.ones(200, 200, dtype=dtype)
    (a @ a).sum().item()
    libs = mapped_libs()
    sym = "dgemm_" if dtype == torch.float64 else "sgemm_"
    owner = symbol_owner(sym)  # the GEMM that libtorch_cpu's unqualified reference binds to
    ob = openblas_info(libs)
    if owner is None:
        name = "unknown (%s not found; mapped: %s)" % (sym, ", ".join(libs) or "none")
    elif ob and os.path.dirname(owner) == os.path.dirname(ob["path"]):
        name = "%s, %s from %s, %d thread(s), core %s" % (
            ob["config"].split(" NO_")[0].split(" DYNAMIC")[0], sym, owner, ob["num_threads"], ob["corename"])
        if "USE_OPENMP" in ob["config"]:
            name = name.replace(",", " (openmp),", 1)
    else:
        name = "%s from %s (not OpenBLAS)" % (sym, owner)
    return name, {"gemm_symbol": sym, "gemm_owner": owner, "mapped": libs, "openblas": ob,
                  "torch_build": torch_blas_info(torch),
                  "LD_PRELOAD": os.environ.get("LD_PRELOAD", ""),
                  "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def gemm_gflops(torch, dtype, n=200, k=200, m=1024, min_time=0.2):
    """GFLOP/s of a 200x200 by 200x1024 product in this process: the median
    per-thread CPU time over about min_time seconds, as every other figure of
    make bench (it took the fastest call before, which read 20-35% above the
    median on Zen 4: 44-50 against 36-37 GFLOP/s in one process)."""
    a = torch.rand(n, k, dtype=dtype)
    b = torch.rand(k, m, dtype=dtype)
    c = torch.empty(n, m, dtype=dtype)
    torch.mm(a, b, out=c)
    times, t_end = [], time.perf_counter() + min_time
    while time.perf_counter() < t_end or len(times) < 5:
        t0 = time.thread_time_ns()
        torch.mm(a, b, out=c)
        times.append(time.thread_time_ns() - t0)
    return 2.0 * n * k * m / max(statistics.median(times), 1)


# ---- the model ----

def build(torch, dtype):
    nn = torch.nn
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(2, 200, dtype=dtype), nn.Tanh(),
                        nn.Linear(200, 200, dtype=dtype), nn.Tanh(),
                        nn.Linear(200, 2, bias=False, dtype=dtype))
    for layer in mlp:
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight)  # as Greydanus et al.; biases keep the default init
    return mlp


def make_field(torch, mlp):
    def field(x, create_graph):
        H = mlp(x)[:, 1]  # output 1 (0-based) of the MLP is H, as in the reference code
        dH = torch.autograd.grad(H.sum(), x, create_graph=create_graph)[0]
        return torch.stack((dH[:, 1], -dH[:, 0]), 1)  # (dH/dp, -dH/dq), x = (q, p)
    return field


def inputs(torch, n, dtype, shift):
    # the same deterministic inputs in [-1, 1] as `hnnc bench`: sin(1 + 0.7 k + i)
    k = torch.arange(2 * n, dtype=torch.float64)
    return torch.sin(1.0 + 0.7 * k + shift).reshape(n, 2).to(dtype)


# ---- timing ----

def measure(fn, min_time, min_reps):
    for _ in range(3):  # warm up (allocator, autograd caches, lazily loaded code)
        fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    # a timed sample is as many calls in a row as take 100 us (hnnc bench's
    # rule: the thread's CPU clock is a system call under KVM, 0.5 us)
    per = int(100e-6 / one) + 1
    reps = max(min_reps, min(200000, int(min_time / one) // per))
    wall, cpu = [], []
    pc, tt = time.perf_counter_ns, time.thread_time_ns
    for _ in range(reps):
        w0, c0 = pc(), tt()
        for _ in range(per):
            fn()
        c1, w1 = tt(), pc()
        wall.append((w1 - w0) / per)
        cpu.append((c1 - c0) / per)
    return statistics.median(wall) / 1e3, statistics.median(cpu) / 1e3, reps


def main():
    args = parse_args()
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install raising something else
        print(json.dumps({"skipped": "torch is not importable by %s: %s: %s"
                          % (sys.executable, type(e).__name__, e)}))
        return 0

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    dtype = getattr(torch, args.dtype)
    blas, blas_detail = describe_blas(torch, dtype)

    mlp = build(torch, dtype)
    field = make_field(torch, mlp)
    results = []

    for n in batches(args.field_batch):
        x = inputs(torch, n, dtype, 0.0).requires_grad_(True)

        def call_field():
            return field(x, False)
        wall, cpu, reps = measure(call_field, args.min_time, args.min_reps)
        results.append({"what": "field", "batch": n, "wall_us": round(wall, 3),
                        "cpu_us": round(cpu, 3), "reps": reps})

    for n in batches(args.step_batch):
        m = build(torch, dtype)  # a fresh model and optimizer for each batch size
        f = make_field(torch, m)
        ps = list(m.parameters())
        opt = torch.optim.Adam(ps, lr=1e-3, weight_decay=1e-4, foreach=args.adam == "foreach")
        x = inputs(torch, n, dtype, 0.0).requires_grad_(True)
        xdot = inputs(torch, n, dtype, 1.0)

        def call_step():
            loss = ((f(x, True) - xdot) ** 2).mean()
            # gradients of the parameters only: x.grad (which training never uses) is not computed
            loss.backward(inputs=ps)
            opt.step()
            opt.zero_grad()
        wall, cpu, reps = measure(call_step, args.min_time, args.min_reps)
        results.append({"what": "step", "batch": n, "wall_us": round(wall, 3),
                        "cpu_us": round(cpu, 3), "reps": reps})

    print(json.dumps({
        "torch_version": torch.__version__,
        "python": sys.executable,
        "blas": blas,
        "blas_detail": blas_detail,
        "gemm_200x200x1024_gflops": round(gemm_gflops(torch, dtype), 2),
        "threads": torch.get_num_threads(),
        "env_threads": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "dtype": args.dtype,
        "optimizer": "Adam(lr=1e-3, weight_decay=1e-4, foreach=%s)" % (args.adam == "foreach"),
        "results": results,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
