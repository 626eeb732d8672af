"""Does RIDA's retrieval grow with training, data or its settings?

RIDA and its direct-regression baseline at a profile's sizes (`rida.model`) and training settings
(`rida.train`: batch, lr, warm-up, validation interval; RIDA also its mining thresholds `pos` / `neg` and
teacher-neighbour batches `neighbours`, as nbs/02b_rida.ipynb trains them), trained side by side (`run_jobs`,
one thread each) for STEPS steps into a temporary folder, then mAP@3 against the teacher's neighbours beside
raw triplane latents, on validation splits only: procedural (in distribution; the split whose pairwise Pearson
also picks each run's best checkpoint) and Sweet Home 3D (out of distribution: these runs train on procedural
shapes only, unless sh3d=1; the notebook's RIDA trains on both sources). No shape of the test split is scored
here (the notebook's `figures/table3_retrieval.csv` scores each source's test split). Needs the profile's runs
of 02 (VAE) and 02a (teacher).

Options: --width, --depth (RIDA sizes), --rank W (rank-loss weight), --profile NAME. Instead of the RIDA /
regression pair, job specs (positional, after STEPS) choose what trains side by side: `rida[rank=10]`,
`rida[frac=0.5]` (the first half of the training shapes), `regression[width=256]`; keys: rank, frac, width,
depth; batch, the batch size; nbr, the teacher neighbours per anchor in a batch (`train_extractor`'s
`neighbours`; regression defaults to 0, uniform batches); pos, neg, the mining thresholds; sh3d=1, a
diagnostic: Sweet Home 3D's training split joins the training shapes (its validation pool is then no longer
out of distribution for that job). `rida[nbr=0,pos=0.83,neg=0.65]` is the paper's recipe. More data: with
LOST_NB_DATA pointing at a copy of the cache grown by `lost-nb data procedural --n 4000`, `--first 2000` keeps
the validation pool to the first 2,000 shapes' (those of the cpu profile), so only the training set grows.
Results: figures/bench/rida_scale-ARGS.json (ARGS: STEPS, the options given as KEY=VALUE in their order, then
the job specs, joined by '-'; other profiles: <runs>/figures-<profile>/bench/), keys `jobs` (by job: width,
depth, n_train, best_val_pearson) and `pools` (by pool: n, `mAP@3` by features, `over_raw` for the RIDA jobs).

    python bench/rida_scale.py 3200
    python bench/rida_scale.py 1600 'rida[rank=10]' 'rida[frac=0.5]'
    python bench/rida_scale.py 1600 rida 'rida[nbr=0,pos=0.83,neg=0.65]' regression
    LOST_NB_DATA=/tmp/big python bench/rida_scale.py 1600 --first 2000 rida regression
    python bench/rida_scale.py 20 --profile smoke
"""
import argparse, re, tempfile
from dataclasses import replace
from pathlib import Path
import torch
from lost_nb.core import PROFILES, get_profile, run_dir, run_jobs
from lost_nb.teacher import active_teacher
import lost_nb.rida as R
from _record import Given, as_typed, slug, write_result

SPEC_KEYS = ('rank', 'frac', 'width', 'depth', 'batch', 'nbr', 'pos', 'neg', 'sh3d')


def parse(a:str)->tuple[str, dict]:
    "'rida[rank=10,frac=0.5]' -> ('rida', {'rank': 10.0, 'frac': 0.5})."
    m = re.fullmatch(r'(rida|regression)(?:\[(.*)\])?', a)
    if not m:
        raise ValueError(f"job spec {a!r}: expected rida[...] or regression[...]")
    o = {k: float(v) for k, v in (kv.split('=') for kv in (m[2] or '').split(',') if kv)}
    unknown = sorted(set(o) - set(SPEC_KEYS))
    if unknown:
        raise ValueError(f"job spec {a!r}: unknown key(s) {unknown} (known: {list(SPEC_KEYS)})")
    return m[1], o


def job_spec(a:str)->str:
    "An argparse `type`: a job spec `parse` reads, kept as typed (the result's name is built from it)."
    try:
        parse(a)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return a


def first_shapes(d:dict, n:int)->dict:
    "The rows of paired features `d` among the first `n` procedural shapes (ids proc-NNNNN-category)."
    return R.subset(d, {i: 'keep' if int(i.split('-')[1]) < n else 'drop' for i in d['ids']}, ('keep',))


def job(obj:str, o:dict, fl:dict, ed:dict, rcfg:dict, ckpt:Path, steps:int)->dict:
    "`train_extractor` keyword arguments of one job spec."
    rm, rt = rcfg['model'], rcfg['train']
    cfg = replace(ed['cfg'], width=int(o.get('width', fl.get('width', rm['width']))),
                  depth=int(o.get('depth', fl.get('depth', rm['depth']))))
    proc = R.subset(ed['data']['proc'], ed['split'], ('train',))   # the procedural training shapes
    n = int(round(o.get('frac', 1.0) * len(proc['z'])))
    train = {k: v[:n] for k, v in proc.items()}
    if o.get('sh3d'):   # diagnostic: Sweet Home 3D's training split joins the training shapes
        extra = R.subset(ed['data']['sh3d'], ed['split'], ('train',))
        train = {k: (train[k] + extra[k]) if k == 'ids' else torch.cat([train[k], extra[k]]) for k in train}
    # the procedural validation split picks checkpoints
    val = R.subset(ed['data']['proc'], ed['split'], ('val',))
    kw = dict(train=train, val=val, cfg=cfg, objective=obj, ckpt=ckpt, steps=steps,
              batch_size=min(int(o.get('batch', rt['batch_size'])), len(train['ids'])), lr=rt['lr'],
              eval_every=rt['eval_every'], warmup=rt['warmup'], seed=0)
    if obj == 'regression':
        return dict(kw, neighbours=int(o.get('nbr', 0)))
    return dict(kw, neighbours=int(o.get('nbr', rt['neighbours'])), pos=o.get('pos', rt['pos']),
                neg=o.get('neg', rt['neg']), weights=(1.0, o.get('rank', float(fl.get('rank', 1.0))), 0.5))


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], allow_abbrev=False,
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('steps', type=as_typed(int), metavar='STEPS', help='training steps of each job')
    ap.add_argument('specs', type=job_spec, nargs='*', metavar='JOB',
                    help="job specs, e.g. rida, regression, 'rida[rank=10,frac=0.5]' (keys: "
                         f"{', '.join(SPEC_KEYS)}); none: RIDA and direct regression")
    ap.add_argument('--width', type=as_typed(int), action=Given,
                    help="RIDA's width (None: the profile's `rida.model.width`)")
    ap.add_argument('--depth', type=as_typed(int), action=Given,
                    help="RIDA's depth (None: the profile's `rida.model.depth`)")
    ap.add_argument('--rank', type=as_typed(float), action=Given, default=1.0, help='rank-loss weight')
    ap.add_argument('--first', type=as_typed(int), action=Given,
                    help='keep the validation pool to the first N procedural shapes (None: all of them)')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose settings and runs are used')
    ap.set_defaults(given=[])
    return ap


def main():
    a = cli().parse_intermixed_args()   # the options may come between the job specs
    profile, args = a.profile, [a.steps, *a.given, *a.specs]   # args: the file's name, as before argparse
    steps, fl = int(a.steps), dict(g.split('=', 1) for g in a.given)
    specs = [parse(s) for s in a.specs]
    named = bool(specs)   # job specs given: their overrides go into the names
    if not named:
        specs = [('rida', {}), ('regression', {})]
    rcfg = get_profile(profile, 'rida')
    teacher, tid = active_teacher(profile)
    vae_ckpt = run_dir('vae', profile) / 'vae.safetensors'
    ed = R.extractor_data(get_profile(profile, 'data'), rcfg, vae_ckpt, teacher, tid)
    data, cats = ed['data'], ed['cats']
    if 'first' in fl:
        ed['val'] = first_shapes(ed['val'], int(fl['first']))   # a grown dataset (LOST_NB_DATA)
    jobs = {}
    with tempfile.TemporaryDirectory() as d:
        for i, (obj, o) in enumerate(specs):
            name = ('RIDA' if obj == 'rida' else 'direct regression') + (f" {o}" if named and o else '')
            jobs[name] = job(obj, o, fl, ed, rcfg, Path(d) / f'job{i}.safetensors', steps)
        logs = run_jobs(R.train_extractor_job, jobs, processes=len(jobs))
        models = {k: R.load_semantic_extractor(j['ckpt']) for k, j in jobs.items()}
    info = {k: dict(width=j['cfg'].width, depth=j['cfg'].depth, n_train=len(j['train']['ids']),
                    best_val_pearson=max(logs[k]['val_pearson'])) for k, j in jobs.items()}
    print(f"{steps} steps; " + '; '.join(f"{k}: width {v['width']}, depth {v['depth']}, {v['n_train']} "
                                          f"training shapes, best val Pearson {v['best_val_pearson']:.3f}"
                                          for k, v in info.items()))
    if any(o.get('sh3d') for _, o in specs):
        print("sh3d=1 jobs trained on Sweet Home 3D: its validation pool is not out of distribution for them")
    pools = {'in distribution (procedural, validation split)': ed['val'],
             'out of distribution (Sweet Home 3D, validation split)':
                 R.subset(data['sh3d'], ed['split'], ('val',))}
    scored = {}
    for pool, p in pools.items():
        if len(p['ids']) < 2:
            print(f"{pool}: {len(p['ids'])} shapes, too few to retrieve from; skipped")
            continue
        cs = [cats[i] for i in p['ids']]
        feats = {'raw triplane latent': p['z'].flatten(1)}
        feats.update({k: R.embed(m, p['z']) for k, m in models.items()})
        r = {k: R.retrieval_metrics(f, p['zt'], cs, 3)['mAP@3'] for k, f in feats.items()}
        raw = r['raw triplane latent']
        over = {k: v / raw if raw else float('nan') for k, v in r.items() if k.startswith('RIDA')}
        scored[pool] = {'n': len(p['ids']), 'mAP@3': r, 'over_raw': over}
        print(f"{pool}, n={len(p['ids'])}: mAP@3 " + ', '.join(f"{k} {v:.3f}" for k, v in r.items()) +
              ''.join(f"; {k} / raw {v:.2f}" for k, v in over.items()))
    write_result('rida_scale', dict(steps=steps, teacher=tid, jobs=info, pools=scored), profile=profile,
                 tag=slug(args))


if __name__ == '__main__':
    main()   # spawned workers import this file: the guard keeps them from running it
