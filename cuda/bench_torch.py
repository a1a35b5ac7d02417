"""PyTorch's figures for cuda/check.sh, with the names cuda/bench.lua prints:
matrix products (fp32, tf32, bf16; n = 4096, 8192) and a + b on 2^28 floats
against a device-to-device copy. Timed with CUDA events after warm-up."""
import torch


def time_ms(fn):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    stop.record()
    stop.synchronize()
    iters = max(5, min(200, int(200 / max(start.elapsed_time(stop), 1e-3)) + 1))
    start.record()
    for _ in range(iters):
        fn()
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) / iters


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on


for n in (4096, 8192):
    torch.manual_seed(1)
    a = torch.rand(n, n, device="cuda") * 2 - 1
    b = torch.rand(n, n, device="cuda") * 2 - 1
    for mode in ("fp32", "tf32", "bf16"):
        x, y = (a.bfloat16(), b.bfloat16()) if mode == "bf16" else (a, b)
        z = torch.empty_like(x)
        set_tf32(mode == "tf32")
        ms = time_ms(lambda: torch.mm(x, y, out=z))
        print(f"gemm_{mode}_{n} {2 * n ** 3 / ms / 1e9:.1f} TFLOP/s")
    set_tf32(False)

n = 2 ** 28
a, b = torch.rand(n, device="cuda"), torch.rand(n, device="cuda")
c = torch.empty_like(a)
ms = time_ms(lambda: torch.add(a, b, out=c))
print(f"add_2^28 {3 * 4 * n / ms / 1e6:.0f} GB/s")
ms = time_ms(lambda: c.copy_(a))
print(f"copy_2^28 {2 * 4 * n / ms / 1e6:.0f} GB/s")

m = torch.rand(8192, 8192, device="cuda")
for d, name in ((0, "sum_cols"), (1, "sum_rows")):
    ms = time_ms(lambda: torch.sum(m, d))
    print(f"{name}_8192 {4 * 8192 * 8192 / ms / 1e6:.0f} GB/s")
del m

torch.manual_seed(1)


def param(*size):
    return (torch.rand(*size, device="cuda") * 0.1 - 0.05).requires_grad_()


p = [param(784, 1024), param(1024), param(1024, 1024), param(1024), param(1024, 10), param(10)]
x, y = torch.rand(512, 784, device="cuda"), torch.rand(512, 10, device="cuda")


def step():
    for t in p:
        t.grad = None
    h = torch.relu(x @ p[0] + p[1])
    h = torch.relu(h @ p[2] + p[3])
    d = h @ p[4] + p[5] - y
    (d * d).mean().backward()
    with torch.no_grad():
        for t in p:
            t.add_(t.grad, alpha=-0.01)


ms = time_ms(step)
print(f"mlp_step {ms:.3f} ms")

# W4 and W5 training steps, as cuda/bench.lua runs them
import torch.nn as nn


def train_step_ms(model, x, y):
    model = model.cuda()
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def step():
        opt.zero_grad()
        criterion(model(x), y).backward()
        opt.step()

    return time_ms(step)


torch.manual_seed(1)
mlp = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
x, y = torch.rand(128, 784, device="cuda"), torch.randint(0, 10, (128,), device="cuda")
print(f"w4_step {train_step_ms(mlp, x, y):.3f} ms")
cnn = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
x, y = torch.rand(64, 1, 28, 28, device="cuda"), torch.randint(0, 10, (64,), device="cuda")
print(f"w5_step {train_step_ms(cnn, x, y):.3f} ms")
