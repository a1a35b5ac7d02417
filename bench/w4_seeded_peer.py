"""Runs the W4 peer (../shared/bench/peers/pytorch/w4_mlp.py) unchanged but
with its two seeds (torch.manual_seed(0) and the shuffling Generator's
manual_seed(0)) replaced by BENCH_SEED, for bench/w4_seeds.sh.
usage: python3 w4_seeded_peer.py path/to/w4_mlp.py"""
import os, runpy, sys
import torch

seed = int(os.environ.get("BENCH_SEED", "0"))
_manual_seed = torch.manual_seed
torch.manual_seed = lambda _: _manual_seed(seed)


class SeededGenerator(torch.Generator):
    def manual_seed(self, _):
        return super().manual_seed(seed)


torch.Generator = SeededGenerator
script = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
