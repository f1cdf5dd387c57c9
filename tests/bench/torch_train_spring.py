#!/usr/bin/python3
"""PyTorch timing of the whole spring HNN training of Greydanus et al. (2019),
as the reference's experiment-spring/train.py runs it, for comparison with
`hnnc train models/hnn/spring.lua`:

  2001 full-batch steps (range(total_steps + 1)), each: field = (dH/dp, -dH/dq)
  by autograd.grad(create_graph=True), loss = mean((field - dxdt)^2),
  backward into the parameters only, Adam(lr=1e-3, weight_decay=1e-4).step(),
  zero_grad, then the test loss on the test rows (a forward and a field, no
  graph kept); a 2-200-200-2 tanh MLP (an nn.Module of three Linear layers),
  orthogonal weights, default biases, no last bias; the field by torch.cat.

This is the best ordinary PyTorch code we know for the loop. Its earlier
form (--variant old) called loss.backward() with x requiring grad, as the
reference does: autograd then also accumulates x.grad, a product through the
second-order graph that training never reads.

The data are hnnc's (DATA_DIR/x_train.npy ... as `hnnc train` or `hnnc data`
writes them), so both sides train on the same 750 + 750 rows. One thread.
Prints one JSON line: dtype, seconds, steps/s, final train and test loss.

  OMP_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_train_spring.py DATA_DIR [--dtype float32|float64]

(with Debian's python3-torch, preload OpenBLAS as tests/bench/run.sh does,
e.g. LD_PRELOAD=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3).
"""
import argparse
import json
import os
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import torch


class MLP(torch.nn.Module):
    """The reference's MLP: three Linear layers, tanh, no last bias."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2 = torch.nn.Linear(2, 200), torch.nn.Linear(200, 200)
        self.l3 = torch.nn.Linear(200, 2, bias=False)
        for l in (self.l1, self.l2, self.l3):
            torch.nn.init.orthogonal_(l.weight)

    def forward(self, x):
        return self.l3(torch.tanh(self.l2(torch.tanh(self.l1(x)))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("--steps", type=int, default=2001)
    ap.add_argument("--variant", choices=("best", "old"), default="best",
                    help="old: this script's earlier formulation (backward() also into x), for comparison")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    dt = torch.float32 if a.dtype == "float32" else torch.float64
    # hnnc stores trajectories [traj, T, 2n]: the rows are the last axis
    load = lambda n: torch.tensor(np.load(os.path.join(a.data, n + ".npy")), dtype=dt).reshape(-1, 2)
    x, dx, tx, tdx = load("x_train"), load("dx_train"), load("x_test"), load("dx_test")
    x.requires_grad_(True)
    tx.requires_grad_(True)
    net = MLP().to(dt)
    params = list(net.parameters())
    opt = torch.optim.Adam(params, 1e-3, weight_decay=1e-4)

    def field(z, create_graph):
        H = net(z)[:, 1]
        g = torch.autograd.grad(H.sum(), z, create_graph=create_graph)[0]
        return torch.cat([g[:, 1:], -g[:, :1]], 1)

    t0, c0 = time.perf_counter(), time.process_time()
    for step in range(a.steps):
        loss = ((field(x, True) - dx) ** 2).mean()
        if a.variant == "old":
            loss.backward()  # also accumulates x.grad: one more pass through the second-order graph
        else:
            loss.backward(inputs=params)  # only what Adam uses
        opt.step()
        opt.zero_grad(set_to_none=True)
        test_loss = ((field(tx, False) - tdx) ** 2).mean()
        loss, test_loss = loss.item(), test_loss.item()
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"dtype": a.dtype, "variant": a.variant, "steps": a.steps, "seconds": round(sec, 3), "cpu_seconds": round(cpu, 3),
                      "steps_per_s": round(a.steps / sec, 1), "train_loss": loss, "test_loss": test_loss,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    sys.exit(main())
