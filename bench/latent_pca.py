"""How compressible are a profile's VAE latents? PCA fitted on the training latents (procedural + Sweet Home
3D train splits): variance explained by the top components, and the error and volume IoU (through the VAE) of
N validation-split procedural latents projected on the top 0 / 32 / 128 / 512 / 1024 / 2000 components (those
the training set has). Needs the profile's VAE run (02). Results: figures/bench/latent_pca.json (other
profiles: <runs>/figures-<profile>/bench/), keys `variance_explained` (by component count), `vae_iou` and
`projections` (by component count: `error_over_var`, `iou`).

    python bench/latent_pca.py
    python bench/latent_pca.py --profile smoke
"""
import argparse
import numpy as np
import torch
import torch.nn.functional as F
from lost_nb.core import get_profile, run_dir
from lost_nb.vae import load_latents, load_vae, scale_factor_of, latent_iou
from lost_nb.data import heldout, load_shape
from _record import write_result

EXPLAINED = (1, 8, 32, 128, 512, 1024, 2000)
PROJECTED = (0, 32, 128, 512, 1024, 2000)


def mean_iou(vae, z:torch.Tensor, shapes:list, scale:float, n_uniform:int)->float:
    "Mean volume IoU of scaled latents `z` against their shapes, through the VAE."
    return float(np.mean([latent_iou(vae, z[i] / scale, s, n_uniform) for i, s in enumerate(shapes)]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--n', type=int, default=8, help='validation shapes scored')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dc, vck = get_profile(a.profile, 'data'), run_dir('vae', a.profile) / 'vae.safetensors'
    vae, sc, nu = load_vae(vck)[0], scale_factor_of(vck), dc['n_uniform']
    z = torch.cat([load_latents(src, dc, vck, split='train')[1] for src in ('proc', 'sh3d')])
    z = z.flatten(1).double()
    mu = z.mean(0)
    _, S, V = torch.linalg.svd(z - mu, full_matrices=False)
    ev = (S ** 2).cumsum(0) / (S ** 2).sum()
    explained = {k: round(ev[k - 1].item(), 3) for k in EXPLAINED if k <= len(ev)}
    print('train var explained by top PCs', explained)
    ids, zp = load_latents('proc', dc, vck, split='val')
    pos = {s: i for i, s in enumerate(ids)}
    ho = [r['shape_id'] for r in heldout('proc', dc, a.n, splits=('val',))]
    zval, shp = zp[[pos[s] for s in ho]], [load_shape('proc', dc, h) for h in ho]
    x = zval.flatten(1).double() - mu
    base = mean_iou(vae, zval, shp, sc, nu)
    print(f'VAE IoU on these {len(ho)} validation shapes', round(base, 3))
    proj = {}
    for k in (k for k in PROJECTED if k <= len(S)):
        rec = (x @ V[:k].T @ V[:k] + mu).float().view_as(zval)
        p = proj[k] = dict(error_over_var=(F.mse_loss(rec, zval) / zval.var()).item(),
                           iou=mean_iou(vae, rec, shp, sc, nu))
        print('PCA', k, 'err/var', round(p['error_over_var'], 3), 'IoU', round(p['iou'], 3), flush=True)
    write_result('latent_pca', dict(n_train=len(z), n_val=len(ho), variance_explained=explained, vae_iou=base,
                                    projections=proj), profile=a.profile)


if __name__ == '__main__':
    main()
