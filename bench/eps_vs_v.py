"""Why the cpu profile's tokenizer predicts v: a short benchmark of the two DiT parametrisations.

Trains the cpu-profile LoST (no semantic loss, no nested dropout, so only the parametrisation differs) for
`--steps` steps with each of `prediction='eps'` (the paper's noise prediction) and `prediction='v'`, then prints,
per timestep, the error of the clean latent read from the network (x0_hat) and the error of 25-step DDIM samples,
both as MSE over the latents' variance (1.0 = no better than predicting the mean). Needs the cpu VAE latents
(run nbs/02_triplane_vae.ipynb -p profile cpu first).

    python bench/eps_vs_v.py --steps 400
"""
import argparse, time
import torch, torch.nn.functional as F
from lost_nb.core import get_profile, run_dir, seed_everything
from lost_nb.vae import load_latents
from lost_nb.data import load_index
from lost_nb.tokenizer import LoST, LoSTConfig

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--steps', type=int, default=400); ap.add_argument('--n', type=int, default=512, help='training latents')
ap.add_argument('--profile', default='cpu')
a = ap.parse_args()
dc, kc = get_profile(a.profile, 'data'), get_profile(a.profile, 'tokenizer')
ids, z = load_latents('proc', dc, run_dir('vae', a.profile) / 'vae.safetensors')
split = {r['shape_id']: r['split'] for r in load_index('proc', dc)}
z = z[[i for i, s in enumerate(ids) if split[s] == 'train']][:a.n]
x0 = z[:8]
for pred in ('eps', 'v'):
    cfg = LoSTConfig(C=z.shape[1], r=z.shape[2], prediction=pred,
                     **{k: kc[k] for k in ('patch', 'width', 'depth', 'heads', 'K', 'd', 'dec_width', 'dec_depth', 'dec_heads')})
    seed_everything(0); m = LoST(cfg); D = m.diffusion
    opt = torch.optim.AdamW(m.parameters(), lr=kc['lr'], weight_decay=0.0); g = torch.Generator(); t0 = time.time()
    for step in range(a.steps):
        g.manual_seed(step)
        for pg in opt.param_groups: pg['lr'] = kc['lr'] * min(1, (step + 1) / 200)
        xb = z[torch.randint(len(z), (12,), generator=g)]
        t = torch.randint(cfg.T, (12,), generator=g); e = torch.randn(xb.shape, generator=g)
        xt = D.q_sample(xb, t, e)
        loss = F.mse_loss(m(xb, xt, t, torch.ones(12, cfg.K, dtype=torch.bool)), D.target(xb, t, e))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    m.eval(); print(f"\nprediction={pred!r}: {a.steps} steps in {time.time() - t0:.0f}s")
    with torch.no_grad():
        tok = m.tokenize(x0); keep = torch.ones(8, cfg.K, dtype=torch.bool); gen = torch.Generator().manual_seed(1)
        for tv in (0, 100, 300, 500, 700, 900, 999):
            t = torch.full((8,), tv); xt = D.q_sample(x0, t, torch.randn(x0.shape, generator=gen))
            x0h = D.to_eps_x0(xt, t, m.decoder(xt, t, tok, keep))[1]
            print(f"  t={tv:4d}: x0_hat error {(F.mse_loss(x0h, x0) / x0.var()).item():10.3f}")
        s = m.detokenize(tok, steps=25)
        print(f"  DDIM 25 steps from all {cfg.K} tokens: sample error {(F.mse_loss(s, x0) / x0.var()).item():.3f}, sample std {s.std():.2f} "
              f"(latent std {x0.std():.2f})")
