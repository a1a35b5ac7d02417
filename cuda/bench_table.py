"""Join cuda/bench.lua's and cuda/bench_torch.py's outputs into one table:
figure, lutorch, PyTorch, lutorch/PyTorch; then a + b over copy for each."""
import sys


def read(path):
    out = {}
    try:
        for line in open(path):
            parts = line.split()
            if len(parts) == 3:
                try:
                    out[parts[0]] = (float(parts[1]), parts[2])
                except ValueError:
                    pass
    except OSError:
        pass
    return out


ours, theirs = read(sys.argv[1]), read(sys.argv[2])
names = list(ours) + [k for k in theirs if k not in ours]
print(f"{'figure':<16}{'unit':>10}{'lutorch':>10}{'PyTorch':>10}{'ratio':>8}")
for k in names:
    o, t = ours.get(k, (None, "")), theirs.get(k, (None, ""))
    unit = o[1] or t[1]
    fo = f"{o[0]:.1f}" if o[0] is not None else "-"
    ft = f"{t[0]:.1f}" if t[0] is not None else "-"
    r = f"{o[0] / t[0]:.2f}" if o[0] and t[0] else "-"
    print(f"{k:<16}{unit:>10}{fo:>10}{ft:>10}{r:>8}")
for who, d in (("lutorch", ours), ("PyTorch", theirs)):
    if "add_2^28" in d and "copy_2^28" in d:
        print(f"{who}: a+b bandwidth / copy bandwidth = {d['add_2^28'][0] / d['copy_2^28'][0]:.2f}")
