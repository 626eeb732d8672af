"""Seconds per training step of the cpu-profile tokenizer at 2 x 2 patches (the paper's) and 4 x 4 (the cpu profile's).

Random latents of the cpu latent shape, batch of the profile, semantic loss off (it costs the same at both patch
sizes). Prints each time and their ratio, measured in the same run.

    python bench/tokenizer_step_time.py --steps 20
"""
import argparse, time
import torch, torch.nn.functional as F
from lost_nb.core import get_profile, seed_everything
from lost_nb.tokenizer import LoST, LoSTConfig, sample_keep

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('--steps', type=int, default=20)
a = ap.parse_args()
kc = get_profile('cpu', 'tokenizer'); B = kc['batch_size']; out = {}
for patch in (2, 4):
    cfg = LoSTConfig(C=8, r=16, **{**{k: kc[k] for k in ('width', 'depth', 'heads', 'K', 'd', 'dec_width', 'dec_depth', 'dec_heads', 'prediction')}, 'patch': patch})
    seed_everything(0); m = LoST(cfg); opt = torch.optim.AdamW(m.parameters(), 1e-4); g = torch.Generator().manual_seed(0)
    for i in range(a.steps + 3):
        if i == 3: t0 = time.time()
        x0 = torch.randn(B, 8, 16, 48, generator=g); t = torch.randint(1000, (B,), generator=g); e = torch.randn(x0.shape, generator=g)
        xt = m.diffusion.q_sample(x0, t, e)
        loss = F.mse_loss(m(x0, xt, t, sample_keep(B, cfg.K, True, 0.1, g))[0], m.diffusion.target(x0, t, e))
        opt.zero_grad(); loss.backward(); opt.step()
    out[patch] = (time.time() - t0) / a.steps
    print(f"patch {patch}x{patch}: {(16 // patch) * (48 // patch)} patch tokens + {cfg.K} registers, {out[patch]:.3f} s/step ({torch.get_num_threads()} threads)")
print(f"2x2 / 4x4 time per step: {out[2] / out[4]:.2f}")
