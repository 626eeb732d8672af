"""Seconds per AdamW step on the cpu-profile tokenizer's parameters: the default loop, foreach, and fused (`lost_nb.core.adamw`).

Random gradients, same parameters for all three, timed in one run; prints each time and the ratios to the loop.

    python bench/optimizer_step.py --steps 20
"""
import argparse, time
import torch
from lost_nb.core import get_profile
from lost_nb.tokenizer import LoST, LoSTConfig

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('--steps', type=int, default=20)
a = ap.parse_args()
kc = get_profile('cpu', 'tokenizer')
m = LoST(LoSTConfig(C=8, r=16, **{k: kc[k] for k in ('patch', 'width', 'depth', 'heads', 'K', 'd', 'dec_width', 'dec_depth', 'dec_heads',
                                                      'prediction', 'pool_cond', 'coarse', 'linear_path')}))
ps = list(m.parameters()); g = torch.Generator().manual_seed(0)
for p in ps: p.grad = torch.randn(p.shape, generator=g)
out = {}
for name, kw in (('loop', dict(foreach=False)), ('foreach', dict(foreach=True)), ('fused', dict(fused=True))):
    opt = torch.optim.AdamW(ps, 1e-4, **kw)
    for i in range(3): opt.step()
    t0 = time.perf_counter()
    for i in range(a.steps): opt.step()
    out[name] = (time.perf_counter() - t0) / a.steps
print(f"{sum(p.numel() for p in ps) / 1e6:.2f} M parameters, {torch.get_num_threads()} threads: " +
      ', '.join(f"{k} {v:.4f} s/step ({out['loop'] / v:.1f}x)" for k, v in out.items()))
