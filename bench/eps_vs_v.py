"""Why the cpu profile's tokenizer predicts v: a short benchmark of the two DiT parametrisations.

Trains a profile's LoST (its `tokenizer.model` block with `prediction` overridden, by
`lost_nb.tokenizer.train_tokenizer` with its `tokenizer.train` settings; no semantic loss, no nested dropout,
so only the parametrisation differs) for `--steps` steps on `--n` procedural training latents with each of
`prediction='eps'` (the paper's noise prediction) and `prediction='v'`, then prints, per timestep, the error
of the clean latent read from the network (x0_hat) on 8 validation-split procedural latents, and the error of
DDIM samples from all tokens (the profile's `tokenizer.eval.sample_steps` steps), both as MSE over the
latents' variance (1.0 = no better than predicting the mean). `--additions` picks the cpu-budget modules:
`profile` (the profile's), `none` (the paper's bare model) or a comma-separated list. Needs the profile's VAE
latents (nbs/02_triplane_vae.ipynb). Results: figures/bench/eps_vs_v.json (eps_vs_v-additions-LIST.json with
--additions; other profiles: <runs>/figures-<profile>/bench/), keys `eps` and `v` (each `train_seconds`,
`x0_hat_error` by timestep, `sample_error`, `sample_std`) and `latent_std`.

    python bench/eps_vs_v.py --steps 400
    python bench/eps_vs_v.py --steps 400 --additions none
    python bench/eps_vs_v.py --steps 3 --n 16 --profile smoke
"""
import argparse
import torch
import torch.nn.functional as F
from lost_nb.core import get_profile, run_dir, Timer
from lost_nb.vae import load_latents
from lost_nb.tokenizer import LoSTConfig, train_tokenizer
from _record import slug, write_result

TIMESTEPS = (0, 100, 300, 500, 700, 900, 999)


def additions(arg:str, profile_value:tuple)->tuple:
    "The `additions` tuple `--additions` names: 'profile', 'none' or a comma-separated list."
    if arg == 'profile':
        return tuple(profile_value)
    return tuple(x for x in arg.split(',') if x and x != 'none')


def rel_err(a:torch.Tensor, b:torch.Tensor)->float:
    "MSE of `a` against `b` over the variance of `b`."
    return (F.mse_loss(a, b) / b.var()).item()


@torch.no_grad()
def score(m, x0:torch.Tensor, sample_steps:int)->dict:
    "x0_hat errors by timestep and the DDIM sample's error and std, from all tokens of `x0`."
    D, K = m.diffusion, m.cfg.K
    tok, keep = m.tokenize(x0), torch.ones(len(x0), K, dtype=torch.bool)
    gen, err = torch.Generator().manual_seed(1), {}
    for tv in TIMESTEPS:
        t = torch.full((len(x0),), min(tv, m.cfg.T - 1))
        xt = D.q_sample(x0, t, torch.randn(x0.shape, generator=gen))
        err[tv] = rel_err(D.to_eps_x0(xt, t, m.denoise(xt, t, tok, keep)[0])[1], x0)
    s = m.detokenize(tok, steps=sample_steps)
    return dict(x0_hat_error=err, sample_error=rel_err(s, x0), sample_std=s.std().item())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=400)
    ap.add_argument('--n', type=int, default=512, help='training latents')
    ap.add_argument('--additions', default='profile',
                    help="'profile', 'none' or a list such as pooled_cond,coarse_readout")
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    dc, kc = get_profile(a.profile, 'data'), get_profile(a.profile, 'tokenizer')
    kt = kc['train']
    vck = run_dir('vae', a.profile) / 'vae.safetensors'
    z = load_latents('proc', dc, vck, split='train')[1][:a.n]
    x0 = load_latents('proc', dc, vck, split='val')[1][:8]
    add = additions(a.additions, kc['model']['additions'])
    out = {}
    for pred in ('eps', 'v'):
        section = {**kc['model'], 'prediction': pred, 'additions': add}
        cfg = LoSTConfig.from_profile(section, C=z.shape[1], r=z.shape[2])
        with Timer() as t:
            m = train_tokenizer(z, cfg, a.steps, kt['batch_size'], kt['lr'], extractor_path=None,
                                semantic_weight=0.0, nested=False, coarse_weight=kt['coarse_weight'],
                                pca_init=kt['pca_init'], warmup=kt['warmup'], lr_floor=kt['lr_floor'], seed=0,
                                device='cpu')[0]
        r = out[pred] = dict(train_seconds=t.s, **score(m.eval(), x0, kc['eval']['sample_steps']))
        print(f"\nprediction={pred!r}, additions {list(add)}: {a.steps} steps in {t.s:.0f}s")
        for tv, e in r['x0_hat_error'].items():
            print(f"  t={tv:4d}: x0_hat error {e:10.3f}")
        print(f"  DDIM {kc['eval']['sample_steps']} steps from all {cfg.K} tokens: "
              f"sample error {r['sample_error']:.3f}, "
              f"sample std {r['sample_std']:.2f} (latent std {x0.std():.2f})")
    write_result('eps_vs_v', dict(steps=a.steps, n_train=len(z), n_val=len(x0), additions=list(add),
                                  sample_steps=kc['eval']['sample_steps'], latent_std=x0.std().item(), **out),
                 profile=a.profile, tag='' if a.additions == 'profile' else slug(['additions', a.additions]))


if __name__ == '__main__':
    main()
