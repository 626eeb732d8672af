"""Seconds per `extract_mesh` grid at a profile's evaluation resolution: the separable grid query
(`grid_logits`) against querying every grid point (`decode_logits`), at two chunk sizes.

Decodes the first N validation-split procedural latents of the profile's VAE run (needs
nbs/02_triplane_vae.ipynb at that profile) all four ways in one run; prints the times, their speed-ups over
every point in chunks of 2^17, and the largest logit difference. `--res` defaults to the profile's
`tokenizer.eval.mc_res`. Results: figures/bench/mesh_extraction.json (other profiles:
<runs>/figures-<profile>/bench/), keys `seconds` and `speedup_vs_every_point_2e17` (by method) and
`max_logit_difference`.

    python bench/mesh_extraction.py --n 5
    python bench/mesh_extraction.py --n 2 --profile smoke
"""
import argparse, time
import numpy as np
import torch
from lost_nb.core import get_profile, run_dir
from lost_nb.vae import load_vae, load_latents, scale_factor_of, decode_logits, grid_logits
from _record import write_result

BASE = 'every point, chunk 2^17'


def methods(vae, grid:np.ndarray, res:int)->dict:
    "name -> function of an unscaled latent giving the (res^3,) logits of the grid."
    return {BASE: lambda z: decode_logits(vae, z, grid, 2**17),
            'every point, chunk 2^15': lambda z: decode_logits(vae, z, grid, 2**15),
            'separable, chunk 2^17': lambda z: grid_logits(vae, z, res, 2**17),
            'separable, chunk 2^15': lambda z: grid_logits(vae, z, res, 2**15)}


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
    z = load_latents('proc', get_profile(a.profile, 'data'), ck, split='val')[1][:a.n] / scale_factor_of(ck)
    u = np.linspace(-1, 1, res, dtype=np.float32)
    grid = np.stack(np.meshgrid(u, u, u, indexing='ij'), -1).reshape(-1, 3)
    t, diff = {}, 0.0
    for zi in z:
        ref = None
        for name, f in methods(vae, grid, res).items():
            t0 = time.perf_counter()
            out = f(zi).reshape(-1)
            t[name] = t.get(name, 0.0) + (time.perf_counter() - t0) / len(z)
            if ref is None:
                ref = out
            else:
                diff = max(diff, (out - ref).abs().max().item())
    speedup = {k: t[BASE] / v for k, v in t.items()}
    print(f"res {res}, {len(z)} latents, {torch.get_num_threads()} threads: " +
          ', '.join(f"{k} {v:.3f} s ({speedup[k]:.2f}x)" for k, v in t.items()) +
          f"; largest logit difference {diff:.2e}")
    write_result('mesh_extraction', dict(res=res, n_latents=len(z), seconds=t,
                                         speedup_vs_every_point_2e17=speedup, max_logit_difference=diff),
                 profile=a.profile)


if __name__ == '__main__':
    main()
