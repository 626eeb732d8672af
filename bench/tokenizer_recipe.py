"""Which conditioning lets a profile's tokenizer use its tokens within a CPU budget?

Trains a LoST of the profile's `tokenizer.model` sizes, with the cpu-budget modules (`additions`) the options
name and the profile's `tokenizer.train` settings unless options override them (no semantic loss, nested
dropout after `nested_warmup` steps, the `cosine_lr` schedule, raw weights, one thread) for STEPS steps on the
procedural and Sweet Home 3D training latents, as `tokenizer_stage` trained by `lost_nb.train.fit`; it differs
from the stage only where the options ask for what the stage does not offer (--tshift redraws its sampler's
timesteps; --aux without --coarse adds a separate read-out head). Then it scores 8 validation-split procedural
shapes at k = 1, 4 and K tokens: error of the decode over the latents' variance and volume IoU through the
VAE, for 1-step and 25-step DDIM decodes (and the coarse read-out alone when on); the same errors on 8
training shapes; and the mean cosine between different shapes' token vectors. Needs the profile's VAE run
(02). Options: --pool (additions 'pooled_cond'), --coarse ('coarse_readout'), --pcaenc ('linear_path'), --pca
(read-out, and with --pcaenc the linear path, started at PCA of the training latents: `init_pca`), --aux W
(read-out MSE weight; default the profile's `coarse_weight` with --coarse, else 0), --lr, --bs, --tshift
(timesteps toward noise), --threads, --profile NAME, and LoSTConfig sizes (--width, --K, ...). Without
--coarse, --aux W trains a separate MLP read-out of the tokens (the encoder alone gets its gradient). Results:
figures/bench/tokenizer_recipe-NAME.json (other profiles: <runs>/figures-<profile>/bench/), keys `config`,
`train_seconds`, `loss` (every 250 steps), `mean_predictor_error`, `val` and `train` (`k<k>_s<steps>` and
`k<k>_readout`: [error, IoU] on val, error on train; `token_offdiag_cos`).

    python bench/tokenizer_recipe.py base 1500
    python bench/tokenizer_recipe.py pool 1500 --pool
    python bench/tokenizer_recipe.py coarse_lr 1500 --pool --coarse --aux 1 --lr 1e-3
    python bench/tokenizer_recipe.py full 1500 --pool --coarse --pcaenc --pca
    python bench/tokenizer_recipe.py smoke 3 --pool --coarse --pcaenc --pca --profile smoke
"""
import argparse, time
from dataclasses import asdict, replace
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from lost_nb.core import PROFILES, get_profile, run_dir, seed_everything
from lost_nb.vae import load_latents, load_vae, scale_factor_of, latent_iou
from lost_nb.data import heldout, load_shape
from lost_nb.tokenizer import LoST, LoSTConfig, tokenizer_stage
from lost_nb.train import Stage, fit
from _record import Given, as_typed, slug, write_result

FLAG_ADDITIONS = {'pool': 'pooled_cond', 'coarse': 'coarse_readout', 'pcaenc': 'linear_path'}
SIZES = ('width', 'depth', 'heads', 'dec_width', 'dec_depth', 'dec_heads', 'K', 'd', 'patch')


def parse_flags(args:list)->dict:
    "The options as `Given` keeps them, as a dict: 'aux=1' -> {'aux': '1'}; a bare 'pool' -> {'pool': '1'}."
    return dict(a.split('=', 1) if '=' in a else (a, '1') for a in args)


def rel_err(a:torch.Tensor, b:torch.Tensor)->float:
    "MSE of `a` against `b` over the variance of `b`, rounded."
    return round((F.mse_loss(a, b) / b.var()).item(), 3)


def mean_iou(vae, z:torch.Tensor, shapes:list, scale:float, n_uniform:int)->float:
    "Mean volume IoU of scaled latents `z` against their shapes, through the VAE."
    ious = [latent_iou(vae, z[i] / scale, s, n_uniform) for i, s in enumerate(shapes)]
    return round(float(np.mean(ious)), 3)


@torch.no_grad()
def score(m:LoST, zz:torch.Tensor, shapes:list|None, vae, scale:float, n_uniform:int)->dict:
    "Decode errors (and IoUs, given `shapes`) at k = 1, 4, K tokens; the tokens' mean off-diagonal cosine."
    res, K = {}, m.cfg.K
    tok = m.eval().tokenize(zz)
    tn = F.normalize(tok.flatten(1), dim=-1)
    res['token_offdiag_cos'] = round((tn @ tn.T)[~torch.eye(len(zz), dtype=torch.bool)].mean().item(), 3)
    for k in sorted({k for k in (1, 4, K) if k <= K}):
        outs = {}
        if 'coarse_readout' in m.additions:
            kept = torch.arange(K)[None].expand(len(zz), -1) < k
            outs[f'k{k}_readout'] = m.additions['coarse_readout'](tok, kept)
        for st in (1, 25):
            outs[f'k{k}_s{st}'] = m.detokenize(tok[:, :k], steps=st)
        for key, out in outs.items():
            err = rel_err(out, zz)
            res[key] = err if shapes is None else (err, mean_iou(vae, out, shapes, scale, n_uniform))
    return res


class WithHead(nn.Module):
    """The tokenizer with a separate MLP read-out of its tokens, returned where the coarse read-out's goes (so
    the stage's loss weighs its MSE to x0 by `coarse_weight`, and only the encoder gets its gradient)."""

    def __init__(self, model:LoST, head:nn.Module):
        super().__init__()
        self.model, self.head = model, head

    def forward(self, x0, x_t, t, keep):
        tok = self.model.tokenize(x0)
        return self.model.denoise(x_t, t, tok, keep)[0], self.head(tok.flatten(1)).view_as(x0)


def toward_noise(sample, T:int):
    "A stage's sampler with its timesteps redrawn as t = T (1 - (1 - u)^2), u uniform: toward high noise."
    def shifted(step, g):
        b = sample(step, g)
        u = torch.rand(len(b['t']), generator=g)
        return {**b, 't': ((1 - (1 - u) ** 2) * T).long().clamp(max=T - 1)}
    return shifted


def build(kc:dict, fl:dict, z:torch.Tensor, steps:int, lr:float, bs:int, aux:float)->Stage:
    """The tokenizer stage the flags describe (`tokenizer_stage`: no semantic loss, raw weights, PCA-started
    with `pca`, read-out MSE weight `aux`), with an MLP head for aux without coarse and the shifted
    timesteps with tshift."""
    over = {k: type(kc['model'][k])(fl[k]) for k in SIZES if k in fl}
    adds = tuple(a for f, a in FLAG_ADDITIONS.items() if f in fl)
    cfg = LoSTConfig.from_profile({**kc['model'], **over, 'additions': adds}, C=z.shape[1], r=z.shape[2])
    kt = kc['train']
    seed_everything(0)
    st = tokenizer_stage(z, cfg, steps, bs, lr, None, semantic_weight=0.0, nested=True,
                         nested_warmup=kt['nested_warmup'], coarse_weight=aux, pca_init='pca' in fl,
                         warmup=kt['warmup'], lr_floor=kt['lr_floor'], ema_decay=0.0, device='cpu')
    if aux and 'coarse_readout' not in cfg.additions:
        head = nn.Sequential(nn.Linear(cfg.K * cfg.d, 256), nn.GELU(),
                             nn.Linear(256, cfg.C * cfg.r * 3 * cfg.r))
        st = replace(st, net=WithHead(st.model, head))
    if 'tshift' in fl:
        st = replace(st, sample=toward_noise(st.sample, cfg.T))
    return st


def train(st:Stage, name:str)->dict:
    "Train the stage's model (and head) in place with `fit`; returns the loss every 250 steps."
    t0 = time.time()

    def report(step, log, state):
        if (step - 1) % 250 == 0:
            print(name, step - 1, round(log['loss'][-1], 4), round(time.time() - t0), flush=True)

    log = fit(st, after_step=report, desc=name).log
    return {s: round(v, 4) for s, v in enumerate(log['loss']) if s % 250 == 0}


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], allow_abbrev=False,
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('name', metavar='NAME', help='the run\'s name: results go to tokenizer_recipe-NAME.json')
    ap.add_argument('steps', type=int, metavar='STEPS', help='training steps')
    switch = dict(action=Given, nargs=0, default=False)
    ap.add_argument('--pool', **switch, help="add 'pooled_cond'")
    ap.add_argument('--coarse', **switch, help="add 'coarse_readout'")
    ap.add_argument('--pcaenc', **switch, help="add 'linear_path'")
    ap.add_argument('--pca', **switch,
                    help='start the read-out (and with --pcaenc the linear path) at PCA of the training '
                         'latents')
    ap.add_argument('--aux', type=as_typed(float), action=Given, metavar='W',
                    help="read-out MSE weight (None: the profile's `coarse_weight` with --coarse, else 0)")
    ap.add_argument('--lr', type=as_typed(float), action=Given,
                    help="learning rate (None: the profile's `tokenizer.train.lr`)")
    ap.add_argument('--bs', type=as_typed(int), action=Given,
                    help="batch size (None: the profile's `tokenizer.train.batch_size`)")
    ap.add_argument('--tshift', **switch, help='draw training timesteps toward high noise')
    ap.add_argument('--threads', type=as_typed(int), action=Given, default=1, help='torch threads')
    sizes = ap.add_argument_group('LoSTConfig sizes', "None: the profile's `tokenizer.model` value")
    for k in SIZES:
        sizes.add_argument(f'--{k}', type=as_typed(int), action=Given, help=f'`{k}`')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose settings and VAE run are used')
    ap.set_defaults(given=[])
    return ap


def main():
    a = cli().parse_args()
    profile, name, steps, fl = a.profile, a.name, a.steps, parse_flags(a.given)
    torch.set_num_threads(int(fl.get('threads', 1)))
    dc, kc = get_profile(profile, 'data'), get_profile(profile, 'tokenizer')
    kt, nu = kc['train'], dc['n_uniform']
    lr, bs = float(fl.get('lr', kt['lr'])), int(fl.get('bs', kt['batch_size']))
    aux = float(fl.get('aux', kt['coarse_weight'] if 'coarse' in fl else 0))
    vck = run_dir('vae', profile) / 'vae.safetensors'
    vae, sc = load_vae(vck)[0], scale_factor_of(vck)
    z = torch.cat([load_latents(src, dc, vck, split='train')[1] for src in ('proc', 'sh3d')])
    ids, zp = load_latents('proc', dc, vck, split='val')
    pos = {s: i for i, s in enumerate(ids)}
    ho = [r['shape_id'] for r in heldout('proc', dc, 8, splits=('val',))]
    zval, shp = zp[[pos[s] for s in ho]], [load_shape('proc', dc, h) for h in ho]
    mean_err = rel_err(z.mean(0, keepdim=True).expand_as(zval), zval)
    print('mean-predictor error/var on val', mean_err, flush=True)
    st = build(kc, fl, z, steps, lr, bs, aux)
    model = st.model
    t0 = time.time()
    losses = train(st, name)
    train_s = time.time() - t0
    val, on_train = score(model, zval, shp, vae, sc, nu), score(model, z[:8], None, vae, sc, nu)
    print(name, fl, 'train_s', round(train_s), 'val', val, 'train', on_train, flush=True)
    result = dict(name=name, steps=steps, flags=fl, lr=lr, batch_size=bs, aux=aux, config=asdict(model.cfg),
                  n_val=len(ho), train_seconds=train_s, loss=losses, mean_predictor_error=mean_err, val=val,
                  train=on_train)
    write_result('tokenizer_recipe', result, profile=profile, tag=slug([name]))


if __name__ == '__main__':
    main()
