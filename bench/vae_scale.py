"""Issue #3: what a larger VAE run gives. Trains the cpu profile's VAE with KEY=VALUE overrides of its `vae` section
(e.g. steps=9000, rq=16, width=256) into a temporary folder on one thread (so two runs can share the two cores), then
prints the held-out volume IoU (logit > 0 at the 16,384 cached uniform points, 20 shapes per source, as
`figures/vae_reconstruction.json`) and the training wall time.

    python bench/vae_scale.py steps=9000 & python bench/vae_scale.py rq=16

Measured 2026-11-30 (one run, one thread beside other jobs): `steps=9000` (twice the cpu profile) trained in 4656 s
(0.517 s/step while sharing the cores) to held-out IoU 0.833 procedural, 0.531 Sweet Home 3D, against 0.779 / 0.505 at
the profile's 4,500 steps (`figures/vae_reconstruction.json`, same data, same seed). `rq=16` (one query per latent
cell, as D3D-VAE) ran at 0.83 s/step against 0.32 for the default sizes beside it (2.6x), and was stopped.
"""
import sys, tempfile, time, numpy as np, torch
from pathlib import Path
from lost_nb.core import get_profile
from lost_nb.data import heldout, load_shape
from lost_nb.vae import load_arrays, train_vae, encode_shape, latent_iou

def main():
    over = {k: type(get_profile('cpu', 'vae')[k])(v) for k, v in (a.split('=') for a in sys.argv[1:])}
    torch.set_num_threads(1)
    dcfg, section = get_profile('cpu', 'data'), {**get_profile('cpu', 'vae'), **over}
    sources = [('proc', dcfg), ('sh3d', dcfg)]
    data = load_arrays(sources, 'train', section['n_train'])
    with tempfile.TemporaryDirectory() as d:
        t0 = time.time()
        model, log = train_vae(data, section, Path(d) / 'vae.safetensors', resume=False, seed=0, log_every=500)
        wall = time.time() - t0
    nu, out = dcfg['n_uniform'], {}
    for src, c in sources:
        ious = []
        for r in heldout(src, c, section['n_eval']):
            s = load_shape(src, c, r['shape_id'])
            z = encode_shape(model, s)
            ious.append(latent_iou(model, z, s, nu))
        out[src] = float(np.mean(ious))
    print(f"overrides {over}: {log['steps']} steps in {wall:.0f}s on one thread ({wall / log['steps']:.3f} s/step); "
          f"held-out volume IoU procedural {out['proc']:.3f}, Sweet Home 3D {out['sh3d']:.3f}", flush=True)

if __name__ == '__main__': main()
