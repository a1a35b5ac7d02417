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
