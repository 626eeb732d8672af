"""Scoring decodes at the speed of the machine: the same validation latents scored, in one run, by the path before
(`score_latents(batched=False, processes=2)`: one latent at a time, the teacher called for each decode, 2
workers) and by the batched path (`batched=True`, a worker a core: the planes of 16 latents decoded at once, the
teacher over the renders of 16 decodes; each latent's planes are decoded once in both, where the code before this
change decoded them twice), with the ratio of their wall times and the largest difference between their metrics
(the two paths compute the same numbers). Needs the profile's VAE, teacher and data cache (`make demo` for cpu),
or `--setup DIR`: a small setup of the profile's sizes built in DIR first (300 procedural shapes, 100 of them val;
a VAE trained 600 steps and an offline teacher 100 steps: real decodes to time, not converged ones). Results:
<figures of the profile>/bench/eval_speed.json.

    python bench/eval_speed.py                       # cpu: 100 val latents of the procedural source
    python bench/eval_speed.py --setup /tmp/eval-speed   # the same, on a setup of its own (about 3 minutes)
"""
import argparse, os, time
from pathlib import Path

import numpy as np
import torch

from lost_nb.core import get_profile, run_dir
from lost_nb.data import built_sources
from lost_nb.evaluate import score_latents
from lost_nb.vae import load_latents
from _record import write_result


def setup(folder: Path, profile: str):
    "Data, a VAE with its latents and an offline teacher at `profile`'s sizes, in `folder` (kept for reruns)."
    from lost_nb.data import build_dataset, split_of
    from lost_nb.shapes import procedural_items
    from lost_nb.teacher import TeacherConfig, load_renders, train_offline_teacher
    from lost_nb.vae import (encode_cache, encode_points, latent_scale_factor, latent_scaling, load_arrays,
                             profile_vae_config, set_scale_factor, train_vae)  # fmt: skip

    os.environ.update(LOST_NB_DATA=str(folder / 'data'), LOST_NB_RUNS=str(folder / 'runs'))
    ck = run_dir('vae', profile) / 'vae.safetensors'
    if (run_dir('teacher', profile) / 'offline_teacher.safetensors').exists():
        return
    dcfg, vsec, tsec = (get_profile(profile, s) for s in ('data', 'vae', 'teacher'))
    items = procedural_items(1200, seed=0)
    pick = [it for it in items if split_of(it['shape_id']) == 'train'][:200]
    pick += [it for it in items if split_of(it['shape_id']) == 'val'][:100]
    build_dataset(pick, 'proc', dcfg, workers=2, verbose=False)
    train, cfg = load_arrays([('proc', dcfg)], 'train'), profile_vae_config(vsec)
    model, _ = train_vae(train, cfg, {**vsec['train'], 'steps': 600}, ck, log_every=0)
    z = encode_points(model, train['surface'][:, : cfg.n_points], train['normals'][:, : cfg.n_points])
    set_scale_factor(ck, latent_scale_factor(z), mean=float(z.mean()), std=float(z.std()), n=len(z))
    encode_cache(model, 'proc', dcfg, ck, latent_scaling(ck))
    _, ims, _ = load_renders([('proc', dcfg)], 'train')
    ocfg, tt = TeacherConfig.from_profile(tsec['model']), tsec['train']
    train_offline_teacher(ims, ocfg, 100, tt['batch_size'], tt['lr'], tt['warmup'],
                          ckpt=run_dir('teacher', profile) / 'offline_teacher.safetensors')  # fmt: skip


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--profile', default='cpu')
    ap.add_argument('--setup', default=None, help='build a small setup of the profile in this folder, then time')
    ap.add_argument('--n', type=int, default=100, help='latents scored (val shapes, repeated if fewer)')
    ap.add_argument('--mc-res', type=int, default=None, help="marching-cubes grid (default: the tokenizer eval's)")
    a = ap.parse_args()
    if a.setup:
        setup(Path(a.setup), a.profile)
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
