"""The generative decoder, tested: what do its sampler steps buy, by geometry and by realism?

On every validation-split shape of each source (or the first `--n` per source), the profile's trained LoST
tokenizer (runs/tokenizer-<profile>) decodes the first k tokens, k in 1, 2, 4 and K, with 1, 25 and 250 DDIM
steps and three sampling seeds; the PCA code of the same size (k x d numbers, fitted on the training latents)
decodes beside it. Every decode is scored by `lost_nb.evaluate.score_latents` (volume IoU and Chamfer-L1
against the shape, and the teacher features of its renders), and each (method, k, steps, seed) set gets KID
against the ground truth's features of the same shapes. A 1-step decode is the sampler's regression of x0 from
pure noise; more steps trade that average for samples, which should score worse on geometry at small k and
better on realism if the generative decoder does what it is for. Prints the table (mean and 95% interval over
shapes, KID with its spread), and the spread over seeds. Results: figures/bench/decoder_table.json (other
profiles: <runs>/figures-<profile>/bench/), keys `rows` (per method, k, steps, seed) and `n_shapes`.

    python bench/decoder_table.py
    python bench/decoder_table.py --n 3 --profile smoke
"""
import argparse
import numpy as np
import torch
import torch.nn.functional as F
from lost_nb.core import PROFILES, get_profile, run_dir, input_key, Timer
from lost_nb.data import built_sources, heldout
from lost_nb.vae import load_latents
from lost_nb.teacher import active_teacher, teacher_features
from lost_nb.tokenizer import load_tokenizer
from lost_nb.evaluate import PCACode, score_latents, summarise, kid_fd
from _record import write_result

STEPS, SEEDS = (1, 25, 250), (0, 1, 2)


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('--n', type=int, default=None, help='validation shapes per source (None: all of them)')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose runs are tested')
    return ap


def main():
    a = cli().parse_args()
    profile, n = a.profile, a.n
    dcfg, keval = get_profile(profile, 'data'), get_profile(profile, 'tokenizer')['eval']
    vae_ckpt = run_dir('vae', profile) / 'vae.safetensors'
    tok = load_tokenizer(run_dir('tokenizer', profile) / 'tokenizer.safetensors',
                         inputs={'vae': input_key(vae_ckpt)})
    teacher, tid = active_teacher(profile, '')
    srcs = built_sources(dcfg)
    items, Z = [], []
    for src in srcs:
        ids, z = load_latents(src, dcfg, vae_ckpt)
        pos = {s: i for i, s in enumerate(ids)}
        keep = [r['shape_id'] for r in heldout(src, dcfg, n, splits=('val',))]
        items += [(src, s) for s in keep]
        Z.append(z[[pos[s] for s in keep]])
    Z = torch.cat(Z)
    K, d = tok.cfg.K, tok.cfg.d
    ks = sorted({1, 2, 4, K})
    pca = PCACode.fit(torch.cat([load_latents(s, dcfg, vae_ckpt, split='train')[1] for s in srcs]), K, d)
    tokens = tok.tokenize(Z)
    sets = []
    with Timer() as t_dec:
        for k in ks:
            for st in STEPS:
                for seed in SEEDS:
                    zk = torch.cat([tok.detokenize(tokens[i:i + 256, :k], steps=st,
                                                   cfg_scale=keval['cfg_scale'], seed=seed)
                                    for i in range(0, len(Z), 256)])
                    sets.append(('LoST', k, st, seed, zk))
            sets.append(('PCA', k, 0, 0, pca.decode(pca.encode(Z)[:, :k])))
    print(f"{len(sets)} decoded sets of {len(Z)} validation shapes in {t_dec.s:.0f}s", flush=True)
    with Timer() as t_sc:
        res = score_latents(torch.cat([s[-1] for s in sets]), items * len(sets), vae_ckpt, profile, '',
                            keval['mc_res'])
    print(f"scored in {t_sc.s:.0f}s", flush=True)
    gt = {}
    for src in srcs:
        tf = teacher_features(teacher, src, dcfg, tid)
        gt.update({(src, s): tf['global'][i] for i, s in enumerate(tf['ids'])})
    real = torch.stack([gt[it] for it in items])
    per, rows = [], []
    for j, (meth, k, st, seed, _) in enumerate(sets):
        rs = res[j * len(items):(j + 1) * len(items)]
        for (src, sid), r in zip(items, rs):
            per.append(dict(method=meth, k=k, steps=st, seed=seed, source=src, shape_id=sid,
                            iou=r['metrics']['iou'], chamfer_l1_x1e2=100 * r['metrics']['chamfer_l1'],
                            teacher_sim=float(F.cosine_similarity(r['feature'], gt[src, sid], dim=0))))
        kid = kid_fd(torch.stack([r['feature'] for r in rs]), real)
        rows.append(dict(method=meth, k=k, steps=st, seed=seed, kid=kid['kid'], kid_std=kid['kid_std']))
    summ = {(r['method'], r['k'], r['steps'], r['seed']): r
            for r in summarise(per, ('method', 'k', 'steps', 'seed'),
                               ('iou', 'chamfer_l1_x1e2', 'teacher_sim'))}
    for r in rows:
        r.update({k_: v for k_, v in summ[r['method'], r['k'], r['steps'], r['seed']].items() if k_ not in r})
    print(f"{len(items)} validation shapes ({', '.join(srcs)}); teacher {tid}")
    print(f"{'method':6s} {'k':>3s} {'steps':>5s} {'seeds':>5s}   "
          "IoU (seed spread)   Chamfer x1e-2   teacher sim   KID")
    for meth in ('LoST', 'PCA'):
        for k in ks:
            for st in (STEPS if meth == 'LoST' else (0,)):
                g = [r for r in rows if (r['method'], r['k'], r['steps']) == (meth, k, st)]
                f = lambda c: f"{np.mean([r[c] for r in g]):.4f} +- {np.std([r[c] for r in g]):.4f}"
                cols = '   '.join(f(c) for c in ('iou', 'chamfer_l1_x1e2', 'teacher_sim', 'kid'))
                print(f"{meth:6s} {k:3d} {st:5d} {len(g):5d}   {cols}")
    write_result('decoder_table', dict(rows=rows, n_shapes=len(items), sources=srcs, teacher=tid),
                 profile=profile)


if __name__ == '__main__':
    main()
