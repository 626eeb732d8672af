"""Does sampling training timesteps toward high noise help a profile's tokenizer use its tokens?

Trains the profile's LoST (its `tokenizer.model` block, additions included) without the semantic loss, with
its `tokenizer.train` settings (batch, lr and `cosine_lr` schedule, nested dropout after `nested_warmup`
steps, coarse read-out weight, PCA start), raw weights, for STEPS steps with timesteps t = T (1 - (1 - u)^2),
u uniform ('high'; P(t > T/2) = 0.71) or uniform ('uniform'): `tokenizer_stage` trained by
`lost_nb.train.fit`, its sampler's timesteps redrawn for 'high' (a schedule the stage does not offer). Then it
scores 6 validation-split procedural shapes at k = 1, 4 and K tokens with 1-step and 25-step decodes: (sample
error / latent variance, volume IoU through the VAE). For reference it scores the profile's no-semantic-loss
checkpoint of nbs/03_train_tokenizer.ipynb (uniform timesteps, raw weights) the same way, when there is one.
Needs the profile's VAE run (and its tokenizer ablations for the reference). Results:
figures/bench/tokenizer_timestep_shift-SCHEDULE-STEPS.json (other profiles: <runs>/figures-<profile>/bench/),
keys `train_seconds`, `trained` and `reference` (each `k<k>_s<steps>`: [error, IoU]).

    python bench/tokenizer_timestep_shift.py 2 high 2500      # threads, schedule, steps
    python bench/tokenizer_timestep_shift.py 1 high 3 --profile smoke
"""
import argparse, time
from dataclasses import replace
import numpy as np
import torch
import torch.nn.functional as F
from lost_nb.core import PROFILES, get_profile, run_dir, seed_everything
from lost_nb.vae import load_latents, load_vae, scale_factor_of, latent_iou
from lost_nb.data import heldout, load_shape
from lost_nb.tokenizer import LoST, LoSTConfig, load_tokenizer, tokenizer_stage, VARIANT_TAGS
from lost_nb.train import fit
from _record import write_result
from tokenizer_recipe import toward_noise   # the recipe bench's tshift: one definition

SCHEDULES = ('high', 'uniform')


def train(z:torch.Tensor, cfg:LoSTConfig, kt:dict, steps:int, schedule:str)->LoST:
    """The tokenizer trained `steps` steps on latents `z` (`tokenizer_stage` without the semantic loss or EMA,
    by `fit`) with timesteps drawn by `schedule` ('high' replaces the stage's uniform draw)."""
    seed_everything(0)
    st = tokenizer_stage(z, cfg, steps, kt['batch_size'], kt['lr'], None, semantic_weight=0.0, nested=True,
                         nested_warmup=kt['nested_warmup'], coarse_weight=kt['coarse_weight'],
                         pca_init=kt['pca_init'], warmup=kt['warmup'], lr_floor=kt['lr_floor'], ema_decay=0.0,
                         device='cpu')
    if schedule == 'high':
        st = replace(st, sample=toward_noise(st.sample, cfg.T))
    t0 = time.time()

    def report(step, log, state):
        if (step - 1) % 250 == 0:
            print(schedule, step - 1, round(log['loss'][-1], 4), round(time.time() - t0), flush=True)

    fit(st, after_step=report, desc=schedule)
    return st.model


@torch.no_grad()
def score(m:LoST, zval:torch.Tensor, shapes:list, vae, scale:float, n_uniform:int)->dict:
    "{'k<k>_s<steps>': (sample error / latent variance, mean volume IoU)} on the validation shapes."
    res, K = {}, m.cfg.K
    tok = m.eval().tokenize(zval)
    for k in sorted({k for k in (1, 4, K) if k <= K}):
        for st in (1, 25):
            out = m.detokenize(tok[:, :k], steps=st)
            ious = [latent_iou(vae, out[i] / scale, s, n_uniform) for i, s in enumerate(shapes)]
            err = (F.mse_loss(out, zval) / zval.var()).item()
            res[f'k{k}_s{st}'] = (round(err, 3), round(float(np.mean(ious)), 3))
    return res


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('threads', type=int, metavar='THREADS', help='torch threads')
    ap.add_argument('schedule', choices=SCHEDULES, metavar='SCHEDULE',
                    help="training timesteps: 'high' (toward high noise) or 'uniform'")
    ap.add_argument('steps', type=int, metavar='STEPS', help='training steps')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose settings and runs are used')
    return ap


def main():
    a = cli().parse_args()
    profile, threads, schedule, steps = a.profile, a.threads, a.schedule, a.steps
    torch.set_num_threads(threads)
    dc, kc = get_profile(profile, 'data'), get_profile(profile, 'tokenizer')
    vck = run_dir('vae', profile) / 'vae.safetensors'
    vae, sc = load_vae(vck)[0], scale_factor_of(vck)
    z = torch.cat([load_latents(src, dc, vck, split='train')[1] for src in ('proc', 'sh3d')])
    ids, zp = load_latents('proc', dc, vck, split='val')
    pos = {s: i for i, s in enumerate(ids)}
    ho = [r['shape_id'] for r in heldout('proc', dc, 6, splits=('val',))]
    zval, shp = zp[[pos[s] for s in ho]], [load_shape('proc', dc, h) for h in ho]
    cfg = LoSTConfig.from_profile(kc['model'], C=z.shape[1], r=z.shape[2])
    t0 = time.time()
    model = train(z, cfg, kc['train'], steps, schedule)
    train_s = time.time() - t0
    result = dict(schedule=schedule, steps=steps, n_val=len(ho), train_seconds=train_s,
                  trained=score(model, zval, shp, vae, sc, dc['n_uniform']), reference=None)
    print(schedule, steps, result['trained'], flush=True)
    ref_ck = run_dir('tokenizer', profile, VARIANT_TAGS['LoST, no semantic loss']) / 'tokenizer.safetensors'
    if ref_ck.exists():
        result['reference'] = score(load_tokenizer(ref_ck, ema=False), zval, shp, vae, sc, dc['n_uniform'])
        print('uniform (nosem checkpoint, raw weights)', result['reference'], flush=True)
    else:
        print(f"no reference: {ref_ck} does not exist")
    write_result('tokenizer_timestep_shift', result, profile=profile, tag=f"{schedule}-{steps}")


if __name__ == '__main__':
    main()
