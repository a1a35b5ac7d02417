#!/usr/bin/python3
"""Peer of bench/w5_kernels.lua: forward + backward of the W5 CNN's convolution
stages (conv 1->32 5x5 pad 2, ReLU, maxpool 2, conv 32->64 5x5 pad 2, ReLU,
maxpool 2) at batch 64 with PyTorch's autograd; the images need no gradient.
Same deterministic inputs (sin formulas) and checksums. Median of 15 samples.
usage: /usr/bin/python3 bench/peers_w5_kernels.py   (BENCH_THREADS=1 or 2)"""
import os, time, statistics, torch
import torch.nn.functional as F
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))

def fill(shape, a, s):
    n = 1
    for d in shape: n *= d
    return (torch.arange(n, dtype=torch.float64) * a).sin().mul(s).float().view(*shape)

N = 64
x = fill((N, 1, 28, 28), 0.37, 1)
w1, b1 = fill((32, 1, 5, 5), 0.91, 0.2).requires_grad_(), fill((32,), 0.5, 0.1).requires_grad_()
w2, b2 = fill((64, 32, 5, 5), 0.73, 0.035).requires_grad_(), fill((64,), 0.3, 0.1).requires_grad_()
gout = fill((N, 64, 7, 7), 0.13, 1)

def step():
    for p in (w1, b1, w2, b2): p.grad = None
    h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=2)), 2)
    out = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=2)), 2)
    out.backward(gout)
    return out

def timeit(fn, samples=15, min_time=0.5):
    fn()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps): fn()
        if time.perf_counter() - t0 >= min_time: break
        reps *= 2
    ts = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(reps): fn()
        ts.append((time.perf_counter() - t0) / reps)
    return statistics.median(ts)

out = step()
t = timeit(step)
print(f"RESULT w5_kernels_fwd_bwd={t*1e3:.2f} ms   # median; threads {torch.get_num_threads()}; "
      f"checksums out {out.sum().item():.4f} gw1 {w1.grad.sum().item():.4f} "
      f"gw2 {w2.grad.sum().item():.4f} gb2 {b2.grad.sum().item():.4f}")
