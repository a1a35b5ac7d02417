"""W4 from a shared start, PyTorch side (bench/w4_same_start.sh): makes the
peer's initial weights and first-epoch order, writes them as raw files into
the folder given, trains one epoch and prints the loss at fixed steps."""
import os, sys
import numpy as np
import torch, torch.nn as nn

out, peers = sys.argv[1], sys.argv[2]
sys.path.insert(0, peers)
from fmnist import load  # noqa: E402  (the peer's own loader)

torch.set_num_threads(1)
torch.manual_seed(0)
Xtr, Ytr, Xte, Yte = load()
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
for i, layer in enumerate(model[0::2]):
    layer.weight.detach().numpy().tofile(os.path.join(out, f"w{i + 1}.f32"))
    layer.bias.detach().numpy().tofile(os.path.join(out, f"b{i + 1}.f32"))
perm = torch.randperm(60000, generator=torch.Generator().manual_seed(0))
perm.numpy().astype(np.int64).tofile(os.path.join(out, "perm.i64"))
lossf = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step, i in enumerate(range(0, 60000, 128)):
    idx = perm[i:i + 128]
    opt.zero_grad(set_to_none=True)
    loss = lossf(model(Xtr[idx]), Ytr[idx])
    loss.backward()
    opt.step()
    if step in (0, 1, 10, 50, 100, 200, 468):
        print(f"step {step} {loss.item():.6f}")
with torch.no_grad():
    print(f"acc {100 * (model(Xte).argmax(1) == Yte).float().mean().item():.2f}")
