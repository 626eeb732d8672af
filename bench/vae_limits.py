"""What limits a profile's VAE on shapes it did not train on?

On the trained checkpoint (runs/vae-<profile>), volume IoU (logit > 0 at the cached uniform points, as
`figures/vae_reconstruction.json`) of the profile's `vae.eval.n_eval` shapes per source:

1. training shapes against validation-split ones (the generalisation gap);
2. validation shapes encoded from more surface points than the model was trained with (2,048 and 8,192, where
   the cache has them);
3. the decoder's ceiling: each validation latent optimised (Adam, decoder frozen: `lost_nb.vae.refine_latent`
   with its queries starting at index 0) against the shape's own cached queries (uniform and near-surface,
   semi-continuous targets, 8,192 a step or as many as there are), starting from the encoder's latent. This
   fits the points it is scored on, so it is an upper bound on what any encoder could give this decoder, not a
   result;
4. the same fit against the near-surface queries only (none of the uniform points it is scored on): the
   encode-time refinement `refine_latent` itself.

`--only fits` runs the fit to near-surface queries alone (and the plain validation IoU). Results:
figures/bench/vae_limits.json (`vae_limits-fits.json` with --only fits; other profiles:
<runs>/figures-<profile>/bench/), keyed by source: `seconds`, `n` and the mean IoU of each measurement.

    python bench/vae_limits.py [--steps 300] [--only fits] [--profile cpu]
    python bench/vae_limits.py --steps 2 --profile smoke
"""
import argparse
import numpy as np
import torch
from lost_nb.core import PROFILES, get_profile, run_dir, Timer
from lost_nb.data import load_index, heldout, load_shape
from lost_nb.vae import load_vae, encode_shape, refine_latent, latent_iou
from _record import write_result

MORE_POINTS = (2048, 8192)


def fit_latent(model, z0, s, band, steps, first:int=0):
    """Latent optimised against the shape's cached queries from index `first` on (8,192 a step at most), with
    the decoder frozen: `refine_latent`, the encoder's refinement."""
    return refine_latent(model, z0, s, first, steps, band=band, n_q=8192)


def limits(model, src:str, dcfg:dict, n:int, band:float, steps:int, fits_only:bool)->dict:
    "{measurement: [IoU per shape]} of one source."
    nu, npts = dcfg['n_uniform'], model.cfg.n_points
    more = [k for k in MORE_POINTS if npts < k <= dcfg['n_surface']]
    val = [r['shape_id'] for r in heldout(src, dcfg, n, splits=('val',))]
    train = [] if fits_only else [r['shape_id'] for r in load_index(src, dcfg) if r['split'] == 'train'][:n]
    res = {}

    def add(k, v): res.setdefault(k, []).append(v)

    for sid in train:
        s = load_shape(src, dcfg, sid)
        add('train', latent_iou(model, encode_shape(model, s, npts), s, nu))
    for sid in val:
        s = load_shape(src, dcfg, sid)
        z = encode_shape(model, s, npts)
        add('validation', latent_iou(model, z, s, nu))
        if not fits_only:
            for k in more:
                add(f'validation, {k} points', latent_iou(model, encode_shape(model, s, k), s, nu))
            add('decoder ceiling', latent_iou(model, fit_latent(model, z, s, band, steps), s, nu))
        near = fit_latent(model, z, s, band, steps, first=nu)
        add('decoder fit to near-surface queries', latent_iou(model, near, s, nu))
    return res


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('--steps', type=int, default=300, help='Adam steps of each latent fit')
    ap.add_argument('--only', choices=('fits',), default=None,
                    help='fits: only the fit to near-surface queries (and the plain validation IoU)')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose VAE run is tested')
    return ap


def main():
    a = cli().parse_args()
    profile, steps, fits_only = a.profile, a.steps, a.only == 'fits'
    torch.manual_seed(0)
    dcfg, vcfg = get_profile(profile, 'data'), get_profile(profile, 'vae')
    model, ck = load_vae(run_dir('vae', profile) / 'vae.safetensors')
    n, band, out = vcfg['eval']['n_eval'], ck['config']['train']['band'], {}
    for src in ('proc', 'sh3d'):
        with Timer() as t:
            res = limits(model, src, dcfg, n, band, steps, fits_only)
        means = {k: float(np.mean(v)) for k, v in res.items()}
        out[src] = dict(seconds=t.s, n={k: len(v) for k, v in res.items()}, **means)
        print(f"{src} ({len(res['validation'])} validation shapes, {t.s:.0f}s): " +
              ', '.join(f"{k} {v:.3f}" for k, v in means.items()), flush=True)
    write_result('vae_limits', dict(fit_steps=steps, n_eval=n, **out), profile=profile,
                 tag='fits' if fits_only else '')


if __name__ == '__main__':
    main()
