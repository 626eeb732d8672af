"""Exploration for issue #5: does sampling training timesteps toward high noise help the cpu tokenizer use its tokens?

Trains the cpu-profile LoST without the semantic loss (nested dropout on, no EMA) for STEPS steps with timesteps
t = 1000 (1 - (1 - u)^2), u uniform ('high'; P(t > 500) = 0.71) or uniform ('uniform'), then scores 6 held-out
procedural shapes at k = 1, 4, 32 tokens with 1-step and 25-step decodes: (sample error / latent variance, volume
IoU through the VAE). For reference it scores the cpu run's no-semantic-loss checkpoint (uniform timesteps, raw
weights) the same way. Needs the cpu VAE and tokenizer runs.

    python bench/tokenizer_timestep_shift.py 2 high 2500      # threads, schedule, steps
"""
import time, sys, math, json
import numpy as np, torch, torch.nn.functional as F
from lost_nb.core import get_profile, run_dir, seed_everything
from lost_nb.vae import load_latents, load_vae, scale_factor_of, decode_logits
from lost_nb.data import heldout, load_shape
from lost_nb.metrics import volume_iou
from lost_nb.tokenizer import LoST, LoSTConfig, sample_keep, load_tokenizer
torch.set_num_threads(int(sys.argv[1])); tsched = sys.argv[2]; steps = int(sys.argv[3])
dc, kc = get_profile('cpu','data'), get_profile('cpu','tokenizer'); vck = run_dir('vae','cpu')/'vae.safetensors'
vae,_ = load_vae(vck); sc = scale_factor_of(vck)
zs = [load_latents(src, dc, vck, split='train')[1] for src in ('proc', 'sh3d')]
z = torch.cat(zs)
ids, zp = load_latents('proc', dc, vck); pos = {s:i for i,s in enumerate(ids)}
ho = [r['shape_id'] for r in heldout('proc', dc, 6, splits=('test',))]; zval = zp[[pos[s] for s in ho]]; shp = [load_shape('proc', dc, h) for h in ho]
cfg = LoSTConfig(C=8, r=16, **{k: kc[k] for k in ('patch','width','depth','heads','K','d','dec_width','dec_depth','dec_heads','prediction')})
seed_everything(0); model = LoST(cfg); D = model.diffusion
opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.0); g = torch.Generator(); bs = 12; T0 = time.time()
for step in range(steps):
    g.manual_seed(step)
    for pg in opt.param_groups: pg['lr'] = 5e-4 * min(1, (step + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
    x0 = z[torch.randint(len(z), (bs,), generator=g)]
    keep = sample_keep(bs, cfg.K, step >= 250, 0.1, g)
    u = torch.rand(bs, generator=g)
    if tsched == 'high': u = 1 - (1 - u) ** 2
    t = (u * 1000).long().clamp(max=999); eps = torch.randn(x0.shape, generator=g)
    x_t = D.q_sample(x0, t, eps); out = model(x0, x_t, t, keep)[0]
    loss = F.mse_loss(out, D.target(x0, t, eps))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    if step % 250 == 0: print(tsched, step, round(loss.item(), 4), round(time.time()-T0), flush=True)
def score(m):
    "{'k<k>_s<steps>': (sample error / latent variance, mean volume IoU)} on the held-out shapes."
    res = {}
    with torch.no_grad():
        tok = m.eval().tokenize(zval)
        for k in (1, 4, 32):
            for st in (1, 25):
                out = m.detokenize(tok[:, :k], steps=st)
                ious = [float(volume_iou(decode_logits(vae, out[i] / sc, s['queries'][:16384]).numpy() > 0, s['occ'][:16384]))
                        for i, s in enumerate(shp)]
                res[f'k{k}_s{st}'] = (round((F.mse_loss(out, zval) / zval.var()).item(), 3), round(float(np.mean(ious)), 3))
    return res
print(tsched, steps, json.dumps(score(model)), flush=True)
ref = load_tokenizer(run_dir('tokenizer', 'cpu', 'nosem') / 'tokenizer.safetensors', ema=False)
print('uniform (nosem checkpoint, raw weights)', json.dumps(score(ref)), flush=True)
