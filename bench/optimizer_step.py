"""Seconds per AdamW step on a profile's tokenizer parameters: the default loop, foreach, and fused (what
`lost_nb.core.adamw` picks on a CPU).

The tokenizer is the profile's `tokenizer.model` block (its `additions` included) on the latent shape of the
profile's VAE. Random gradients, the same parameters for all three, timed in one run; prints each time and its
speed-up over the loop. Results: figures/bench/optimizer_step.json (other profiles:
<runs>/figures-<profile>/bench/), keys `n_params`, `seconds_per_step` and `speedup_vs_loop` (by variant).

    python bench/optimizer_step.py --steps 20
    python bench/optimizer_step.py --steps 5 --profile smoke
"""
import argparse, time
import torch
from lost_nb.core import get_profile
from lost_nb.tokenizer import LoST, LoSTConfig
from _record import write_result

VARIANTS = {'loop': dict(foreach=False), 'foreach': dict(foreach=True), 'fused': dict(fused=True)}


def profile_tokenizer(profile:str)->LoST:
    "The tokenizer of `profile`'s sizes on the latent shape of its VAE."
    vm = get_profile(profile, 'vae')['model']
    return LoST(LoSTConfig.from_profile(get_profile(profile, 'tokenizer')['model'], C=vm['C'], r=vm['r']))


def seconds_per_step(params:list, steps:int, **kw)->float:
    "Seconds per `torch.optim.AdamW(**kw)` step on `params` (their .grad set), after 3 warm-up steps."
    opt = torch.optim.AdamW(params, 1e-4, **kw)
    for _ in range(3):
        opt.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    ps = list(profile_tokenizer(a.profile).parameters())
    g = torch.Generator().manual_seed(0)
    for p in ps:
        p.grad = torch.randn(p.shape, generator=g)
    t = {name: seconds_per_step(ps, a.steps, **kw) for name, kw in VARIANTS.items()}
    speedup = {k: t['loop'] / v for k, v in t.items()}
    n_params = sum(p.numel() for p in ps)
    print(f"{n_params / 1e6:.2f} M parameters, {torch.get_num_threads()} threads: " +
          ', '.join(f"{k} {v:.4f} s/step ({speedup[k]:.1f}x)" for k, v in t.items()))
    write_result('optimizer_step', dict(n_params=n_params, steps=a.steps, seconds_per_step=t,
                                        speedup_vs_loop=speedup), profile=a.profile)


if __name__ == '__main__':
    main()
