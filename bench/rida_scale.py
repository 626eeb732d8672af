"""Issue #4: does RIDA's retrieval grow with training? RIDA and its direct-regression baseline at the cpu profile's
sizes, trained side by side (`run_jobs`, one thread each) for STEPS steps into a temporary folder, then mAP@3 in
distribution (procedural test split) and out of distribution (Sweet Home 3D) against the teacher's neighbours,
beside raw triplane latents: the numbers of `figures/table3_retrieval.csv`, at another length. Needs the cpu runs
of 02 (VAE) and 02a (teacher). Flags: width=, depth= (RIDA sizes), rank=W (rank-loss weight, default 1.0).

    python bench/rida_scale.py 3200

Measured 2026-11-30 (one run, 23 min): at 3200 steps (the cpu profile trains 1600) best val Pearson RIDA 0.972,
regression 0.979 (0.964 / 0.974 at 1600); mAP@3 in distribution raw 0.527, RIDA 0.618, regression 0.678 (1600 steps:
0.614 / 0.663); out of distribution raw 0.174, RIDA 0.127, regression 0.128 (0.135 / 0.133). Twice the training moves
RIDA by 0.004: training length is not what keeps it below regression and 1.5x raw at this size.
`python bench/rida_scale.py 1600 rank=3` (rank-loss weight 3 instead of 1, one run, 12 min): val Pearson RIDA 0.971;
mAP@3 in distribution RIDA 0.634 (regression 0.663, raw 0.527), out of distribution 0.136 (0.133, 0.174): the
objective's balance moves RIDA more than length does, still short of regression in distribution.
"""
import sys, tempfile
from dataclasses import replace
from pathlib import Path
from lost_nb.core import get_profile, run_dir, run_jobs
from lost_nb.teacher import active_teacher
import lost_nb.rida as R

def main():
    steps = int(sys.argv[1]); fl = dict(a.split('=') for a in sys.argv[2:])
    rcfg = get_profile('cpu', 'rida')
    teacher, tid = active_teacher('cpu')
    ed = R.extractor_data(get_profile('cpu', 'data'), rcfg, run_dir('vae', 'cpu') / 'vae.safetensors', teacher, tid)
    cfg = replace(ed['cfg'], width=int(fl.get('width', rcfg['width'])), depth=int(fl.get('depth', rcfg['depth'])))
    data, cats = ed['data'], ed['cats']
    kw = dict(train=ed['train'], val=ed['val'], cfg=cfg, steps=steps, batch_size=rcfg['batch_size'], lr=rcfg['lr'], eval_every=rcfg['eval_every'], seed=0)
    with tempfile.TemporaryDirectory() as d:
        jobs = {'RIDA': dict(objective='rida', ckpt=Path(d) / 'rida.safetensors', weights=(1.0, float(fl.get('rank', 1.0)), 0.5), **kw),
                'direct regression': dict(objective='regression', ckpt=Path(d) / 'regression.safetensors', **kw)}
        logs = run_jobs(R.train_extractor_job, jobs, processes=2)
        models = {k: R.load_semantic_extractor(j['ckpt']) for k, j in jobs.items()}
    pools = {'in distribution': R.subset(data['proc'], ed['split'], ('test',)), 'out of distribution (Sweet Home 3D)': data['sh3d']}
    print(f"{steps} steps, width {cfg.width}, depth {cfg.depth}; best val Pearson " +
          ', '.join(f"{k} {max(v['val_pearson']):.3f}" for k, v in logs.items()))
    for pool, p in pools.items():
        cs = [cats[i] for i in p['ids']]
        feats = {'raw triplane latent': p['z'].flatten(1), **{k: R.embed(m, p['z']) for k, m in models.items()}}
        r = {k: R.retrieval_metrics(f, p['zt'], cs, 3)['mAP@3'] for k, f in feats.items()}
        print(f"{pool}: mAP@3 " + ', '.join(f"{k} {v:.3f}" for k, v in r.items()) +
              f"; RIDA / raw {r['RIDA'] / r['raw triplane latent']:.2f}, RIDA > regression: {r['RIDA'] > r['direct regression']}")

if __name__ == '__main__': main()   # spawned workers import this file: the guard keeps them from running it
