"""What does a short per-shape latent refinement at encode time buy, and what does it cost?

On the profile's trained VAE (runs/vae-<profile>), every validation-split shape of each source is encoded,
then refined with `lost_nb.vae.refine_latent` (Adam on the latent, the decoder frozen, against the shape's
cached near-surface occupancy; the uniform queries it is scored on are never used) for each step count given.
Prints the volume IoU at the uniform queries with its 95% interval, the paired gain over the plain encoder,
and seconds per shape. Results: figures/bench/vae_refine.json (other profiles:
<runs>/figures-<profile>/bench/), keys `rows` (by source and steps: iou, lo, hi, gain, gain_lo, gain_hi,
seconds_per_shape) and `n`.

    python bench/vae_refine.py 10 30 100
    python bench/vae_refine.py 2 --profile smoke
"""
import argparse, time
import torch
from lost_nb.core import PROFILES, get_profile, run_dir
from lost_nb.data import built_sources, heldout, load_shape
from lost_nb.vae import load_vae, encode_shape, refine_latent, latent_iou
from lost_nb.evaluate import bootstrap_ci, paired_bootstrap
from _record import write_result


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('steps', type=int, nargs='*', default=[10, 30, 100], metavar='STEPS',
                    help='refinement step counts compared')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose VAE run is tested')
    return ap


def main():
    a = cli().parse_args()
    profile, steps = a.profile, a.steps
    torch.set_num_threads(1)
    dcfg = get_profile(profile, 'data')
    nu = dcfg['n_uniform']
    model, _ = load_vae(run_dir('vae', profile) / 'vae.safetensors')
    rows, n = [], {}
    for src in built_sources(dcfg):
        shapes = [load_shape(src, dcfg, r['shape_id']) for r in heldout(src, dcfg, None, splits=('val',))]
        n[src] = len(shapes)
        if not shapes:
            continue
        z0 = [encode_shape(model, s) for s in shapes]
        base = [latent_iou(model, z, s, nu) for z, s in zip(z0, shapes)]
        c = bootstrap_ci(base)
        rows.append(dict(source=src, steps=0, iou=c['mean'], lo=c['lo'], hi=c['hi'], seconds_per_shape=0.0))
        for st in steps:
            t0 = time.perf_counter()
            zs = [refine_latent(model, z, s, nu, st) for z, s in zip(z0, shapes)]
            sec = (time.perf_counter() - t0) / len(shapes)
            iou = [latent_iou(model, z, s, nu) for z, s in zip(zs, shapes)]
            c, p = bootstrap_ci(iou), paired_bootstrap(iou, base)
            rows.append(dict(source=src, steps=st, iou=c['mean'], lo=c['lo'], hi=c['hi'], gain=p['diff'],
                             gain_lo=p['lo'], gain_hi=p['hi'], seconds_per_shape=sec))
        for r in rows:
            if r['source'] == src:
                extra = (f", gain {r['gain']:+.4f} [{r['gain_lo']:+.4f}, {r['gain_hi']:+.4f}]"
                         if r['steps'] else '')
                print(f"{src} (n={n[src]}) {r['steps']:4d} steps: IoU {r['iou']:.4f} "
                      f"[{r['lo']:.4f}, {r['hi']:.4f}]{extra}, "
                      f"{r['seconds_per_shape']:.3f} s a shape (one thread)", flush=True)
    write_result('vae_refine', dict(rows=rows, n=n), profile=profile)


if __name__ == '__main__':
    main()
