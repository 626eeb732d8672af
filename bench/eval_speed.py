"""Scoring decodes at the speed of the machine: the same validation latents scored, in one run, by the path before
(`score_latents(batched=False, processes=2)`: one latent at a time, its planes decoded twice, the teacher called
for each decode, 2 workers) and by the batched path (`batched=True`, a worker a core: planes decoded once for a
batch of latents, the teacher over the renders of a batch), with the ratio of their wall times and the largest
difference between their metrics (the two paths compute the same numbers). Needs the profile's VAE, teacher and
data cache (`make demo` for cpu). Results: <figures of the profile>/bench/eval_speed.json.

    python bench/eval_speed.py                       # cpu: 100 val latents of the procedural source
    python bench/eval_speed.py --profile smoke --n 40
"""
import argparse, os, time

import numpy as np
import torch

from lost_nb.core import get_profile, run_dir
from lost_nb.data import built_sources
from lost_nb.evaluate import score_latents
from lost_nb.vae import load_latents
from _record import write_result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--profile', default='cpu')
    ap.add_argument('--n', type=int, default=100, help='latents scored (val shapes, repeated if fewer)')
    ap.add_argument('--mc-res', type=int, default=None, help="marching-cubes grid (default: the tokenizer eval's)")
    a = ap.parse_args()
    dcfg, ck = get_profile(a.profile, 'data'), run_dir('vae', a.profile) / 'vae.safetensors'
    mc = a.mc_res or get_profile(a.profile, 'tokenizer')['eval']['mc_res']
    src = 'proc' if 'proc' in built_sources(dcfg) else built_sources(dcfg)[0]
    rows, z = load_latents(src, dcfg, ck, 'val')
    if not len(rows):
        rows, z = load_latents(src, dcfg, ck, None)
    reps = -(-a.n // len(rows))
    items = ([(src, r['shape_id'] if isinstance(r, dict) else r) for r in rows] * reps)[: a.n]
    z = torch.cat([z] * reps)[: a.n]  # scaled, as the VAE wrote them
    out = {}
    for name, kw in (('before', dict(batched=False, processes=2)), ('batched', dict(batched=True, processes=None))):
        t = time.perf_counter()
        out[name] = score_latents(z, items, ck, a.profile, '', mc, **kw)
        out[name + '_seconds'] = time.perf_counter() - t
        print(f"{name}: {len(items)} latents in {out[name + '_seconds']:.1f}s", flush=True)
    keys = [k for k in out['before'][0]['metrics'] if isinstance(out['before'][0]['metrics'][k], float)]
    diff = {k: float(np.nanmax([abs(b['metrics'][k] - c['metrics'][k]) if not (np.isnan(b['metrics'][k])
                                and np.isnan(c['metrics'][k])) else 0.0 for b, c in zip(out['before'], out['batched'])]))
            for k in keys}  # fmt: skip
    feat = max(float((b['feature'] - c['feature']).abs().max()) for b, c in zip(out['before'], out['batched']))
    ratio = out['before_seconds'] / out['batched_seconds']
    print(f"batched path {ratio:.2f}x faster ({os.cpu_count()} cores, mc_res {mc}); largest metric difference "
          f"{max(diff.values()):.2e}, teacher feature {feat:.2e}")
    write_result('eval_speed', dict(n=len(items), source=src, mc_res=mc, cores=os.cpu_count(),
                                    before_seconds=out['before_seconds'], batched_seconds=out['batched_seconds'],
                                    ratio=ratio, max_metric_diff=diff, max_feature_diff=feat), profile=a.profile)


if __name__ == '__main__':
    main()
