"""Seconds per `extract_mesh` at the cpu profile's evaluation resolution: the separable grid query against querying every grid point, at two chunk sizes.

Decodes N cpu-profile latents (needs the cpu VAE run, 02) both ways in one run; prints the times, their ratio and
the largest logit difference.

    python bench/mesh_extraction.py --n 5 --res 64
"""
import argparse, time
import numpy as np, torch
from lost_nb.core import get_profile, run_dir
from lost_nb.vae import load_vae, load_latents, scale_factor_of, decode_logits, grid_logits

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('--n', type=int, default=5); ap.add_argument('--res', type=int, default=64)
a = ap.parse_args()
ck = run_dir('vae', 'cpu') / 'vae.safetensors'; vae, _ = load_vae(ck); s = scale_factor_of(ck)
z = load_latents('proc', get_profile('cpu', 'data'), ck)[1][:a.n] / s
u = np.linspace(-1, 1, a.res, dtype=np.float32); grid = np.stack(np.meshgrid(u, u, u, indexing='ij'), -1).reshape(-1, 3)
t, diff = {}, 0.0
for zi in z:
    for name, f in (('every point, chunk 2^17', lambda: decode_logits(vae, zi, grid, 2**17)), ('every point, chunk 2^15', lambda: decode_logits(vae, zi, grid, 2**15)),
                    ('separable, chunk 2^17', lambda: grid_logits(vae, zi, a.res, 2**17)), ('separable, chunk 2^15', lambda: grid_logits(vae, zi, a.res, 2**15))):
        t0 = time.perf_counter(); out = f().reshape(-1); t[name] = t.get(name, 0.0) + (time.perf_counter() - t0) / a.n
        if name.startswith('every'): ref = out
        else: diff = max(diff, (out - ref).abs().max().item())
base = t['every point, chunk 2^17']
print(f"res {a.res}, {a.n} latents, {torch.get_num_threads()} threads: " + ', '.join(f"{k} {v:.3f} s ({base / v:.2f}x)" for k, v in t.items()) +
      f"; largest logit difference {diff:.2e}")
