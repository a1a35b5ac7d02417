#!/usr/bin/python3
"""Writes the safetensors files test/spec/safetensors_spec.lua reads, with
PyTorch and the reference `safetensors` package (pip install safetensors).
Run once from the repository root: /usr/bin/python3 test/gen_safetensors.py
The values are simple formulas so the spec can state them literally."""
import torch
from safetensors.torch import save_file

out = "test/data/"

tensors = {
    "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5,  # -0.5 .. 0.75
    "f64": torch.tensor([[1.5, -2.25], [3.125, 1e300]], dtype=torch.float64),
    "i64": torch.tensor([1, -2, 2**40, -(2**53)], dtype=torch.int64),
    "i32": torch.tensor([7, -8, 2**31 - 1], dtype=torch.int32),
    "i16": torch.tensor([300, -300], dtype=torch.int16),
    "i8": torch.tensor([-5, 5, -128], dtype=torch.int8),
    "u8": torch.tensor([0, 128, 255], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True], dtype=torch.bool),
    "f16": torch.tensor([1.0, -2.5, 65504.0], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -2.5, 3.0e38], dtype=torch.bfloat16),
    "scalar": torch.tensor(2.5, dtype=torch.float32),
    "empty": torch.zeros(0, 3, dtype=torch.float32),
    "cube": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4),
}
save_file(tensors, out + "basic.safetensors", metadata={"format": "pt", "note": "lutorch test"})

# a small "model": the weights of nn.Linear(4, 3), as PyTorch names them
torch.manual_seed(0)
lin = torch.nn.Linear(4, 3)
save_file({k: v.contiguous() for k, v in lin.state_dict().items()}, out + "linear.safetensors")
x = torch.arange(8, dtype=torch.float32).reshape(2, 4) / 8
print("linear weight", lin.weight.tolist())
print("linear bias", lin.bias.tolist())
print("linear(x)", lin(x).tolist())

# state dicts of small PyTorch models for nn.Module:loadStateDict
# (test/spec/nn_state_dict_spec.lua), each with a reference input/output:
# an MLP with BatchNorm1d (its running stats set by one training batch,
# then evaluated; keys 0.weight ... 1.running_var, 1.num_batches_tracked)
torch.manual_seed(1)
mlp = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                          torch.nn.Linear(6, 3))
mlp(torch.randn(8, 4))  # training mode: updates the running stats
mlp.eval()
x = torch.randn(5, 4)
with torch.no_grad():
    save_file({k: v.contiguous() for k, v in mlp.state_dict().items()}, out + "mlp.safetensors")
    save_file({"input": x, "output": mlp(x)}, out + "mlp_io.safetensors")

# a 2-layer LSTM (keys weight_ih_l0 ... bias_hh_l1), input seq x batch x features
torch.manual_seed(2)
lstm = torch.nn.LSTM(3, 4, num_layers=2)
x = torch.randn(5, 2, 3)
with torch.no_grad():
    save_file({k: v.contiguous() for k, v in lstm.state_dict().items()}, out + "lstm.safetensors")
    save_file({"input": x, "output": lstm(x)[0].contiguous()}, out + "lstm_io.safetensors")
