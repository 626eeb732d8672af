"""Seconds per `extract_mesh` grid at a profile's evaluation resolution: the separable grid query
(`grid_logits`) and the coarse-to-fine one (`grid_logits_mise`, what `extract_mesh` uses at 2^n + 1 points)
against querying every grid point (`decode_logits`), at two chunk sizes.

Decodes the first N validation-split procedural latents of the profile's VAE run (needs
nbs/02_triplane_vae.ipynb at that profile) all four ways in one run; prints the times, their speed-ups over
every point in chunks of 2^17, the largest logit difference of the exact methods, and the fraction of grid
points where coarse to fine gives the sign of the full grid (marching cubes only sees signs and the values
near the surface, which it evaluates exactly). `--res` defaults to the profile's
`tokenizer.eval.mc_res`. Results: figures/bench/mesh_extraction.json (other profiles:
<runs>/figures-<profile>/bench/), keys `seconds` and `speedup_vs_every_point_2e17` (by method) and
`max_logit_difference`, `mise_sign_agreement`, `mise_points_evaluated`.

    python bench/mesh_extraction.py --n 5
    python bench/mesh_extraction.py --n 2 --profile smoke
"""
import argparse, time
import numpy as np
import torch
from lost_nb.core import get_profile, run_dir
from lost_nb.vae import load_vae, load_latents, latent_scaling, decode_logits, grid_logits, grid_logits_mise
from _record import write_result

BASE = 'every point, chunk 2^17'
MISE = 'coarse to fine, chunk 2^15'


def methods(vae, grid:np.ndarray, res:int)->dict:
    "name -> function of an unscaled latent giving the (res^3,) logits of the grid."
    return {BASE: lambda z: decode_logits(vae, z, grid, 2**17),
            'every point, chunk 2^15': lambda z: decode_logits(vae, z, grid, 2**15),
            'separable, chunk 2^17': lambda z: grid_logits(vae, z, res, 2**17),
            'separable, chunk 2^15': lambda z: grid_logits(vae, z, res, 2**15),
            MISE: lambda z: grid_logits_mise(vae, z, res)[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--n', type=int, default=5)
    ap.add_argument('--res', type=int, default=None,
                    help="grid side (default: the profile's tokenizer.eval.mc_res)")
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    res = a.res or get_profile(a.profile, 'tokenizer')['eval']['mc_res']
    ck = run_dir('vae', a.profile) / 'vae.safetensors'
    vae, _ = load_vae(ck)
    z = latent_scaling(ck).decode(load_latents('proc', get_profile(a.profile, 'data'), ck, split='val')[1][:a.n])
    u = np.linspace(-1, 1, res, dtype=np.float32)
    grid = np.stack(np.meshgrid(u, u, u, indexing='ij'), -1).reshape(-1, 3)
    t, diff, agree = {}, 0.0, []
    for zi in z:
        ref = None
        for name, f in methods(vae, grid, res).items():
            t0 = time.perf_counter()
            out = f(zi).reshape(-1)
            t[name] = t.get(name, 0.0) + (time.perf_counter() - t0) / len(z)
            if ref is None:
                ref = out
            elif name == MISE:
                agree.append(((out > 0) == (ref > 0)).float().mean().item())
            else:
                diff = max(diff, (out - ref).abs().max().item())
    n_mise = grid_logits_mise(vae, z[0], res)[1] if len(z) else 0
    speedup = {k: t[BASE] / v for k, v in t.items()}
    print(f"res {res}, {len(z)} latents, {torch.get_num_threads()} threads: " +
          ', '.join(f"{k} {v:.3f} s ({speedup[k]:.2f}x)" for k, v in t.items()) +
          f"; largest logit difference {diff:.2e}; coarse to fine: signs agree at {min(agree):.5f} of the "
          f"points at worst, {n_mise} of {res ** 3} points evaluated for the first latent")
    write_result('mesh_extraction', dict(res=res, n_latents=len(z), seconds=t,
                                         speedup_vs_every_point_2e17=speedup, max_logit_difference=diff,
                                         mise_sign_agreement=min(agree), mise_points_evaluated=n_mise),
                 profile=a.profile)


if __name__ == '__main__':
    main()
