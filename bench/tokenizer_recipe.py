"""Exploration for issue #5: which conditioning lets the cpu-profile tokenizer use its tokens within a CPU budget?

Trains the cpu-profile LoST (no semantic loss, nested dropout after 250 steps, raw weights, one thread) for STEPS
steps, then scores 8 held-out procedural shapes at k = 1, 4, 32 tokens: error of the decode over the latents'
variance and volume IoU through the VAE, for 1-step and 25-step DDIM decodes (and the coarse read-out alone when
on); the same errors on 8 training shapes; and the mean cosine between different shapes' token vectors. Needs the
cpu VAE run (02). Flags: pool (LoSTConfig.pool_cond), coarse (LoSTConfig.coarse), aux=W (read-out MSE weight),
lr=, bs=, tshift (timesteps toward noise), pca (read-out initialised from PCA of the training latents), pcaenc (LoSTConfig.linear_path, started with pca at whitened PCA), threads=, and LoSTConfig sizes (width=, K=, ...). Without coarse, aux=W trains
a separate MLP read-out of the tokens (the encoder alone gets its gradient).

    python bench/tokenizer_recipe.py base 1500
    python bench/tokenizer_recipe.py pool 1500 pool
    python bench/tokenizer_recipe.py coarse_lr 1500 pool coarse aux=1 lr=1e-3
"""
import time, sys, math, json
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from lost_nb.core import get_profile, run_dir, seed_everything
from lost_nb.vae import load_latents, load_vae, scale_factor_of, decode_logits
from lost_nb.data import heldout, load_shape
from lost_nb.metrics import volume_iou
from lost_nb.tokenizer import LoST, LoSTConfig, sample_keep, init_pca
name, steps = sys.argv[1], int(sys.argv[2]); fl = dict(a.split('=') if '=' in a else (a, '1') for a in sys.argv[3:])
torch.set_num_threads(int(fl.get('threads', 1)))
lr = float(fl.get('lr', 5e-4)); aux = float(fl.get('aux', 0)); bs = int(fl.get('bs', 12))
dc, kc = get_profile('cpu','data'), get_profile('cpu','tokenizer'); vck = run_dir('vae','cpu')/'vae.safetensors'
vae,_ = load_vae(vck); sc = scale_factor_of(vck)
zs = [load_latents(src, dc, vck, split='train')[1] for src in ('proc', 'sh3d')]
z = torch.cat(zs); mu = z.mean(0, keepdim=True)
ids, zp = load_latents('proc', dc, vck); pos = {s:i for i,s in enumerate(ids)}
ho = [r['shape_id'] for r in heldout('proc', dc, 8, splits=('test',))]; zval = zp[[pos[s] for s in ho]]; shp = [load_shape('proc', dc, h) for h in ho]
ztr = z[:8]
print('mean-predictor error/var on val', round((F.mse_loss(mu.expand_as(zval), zval) / zval.var()).item(), 3), flush=True)
over = {k: type(kc[k])(fl[k]) for k in ('width','depth','dec_width','dec_depth','K','d','patch') if k in fl}
cfg = LoSTConfig(C=z.shape[1], r=z.shape[2], pool_cond='pool' in fl, coarse='coarse' in fl, linear_path='pcaenc' in fl, **{**{k: kc[k] for k in ('patch','width','depth','heads','K','d','dec_width','dec_depth','dec_heads','prediction')}, **over})
seed_everything(0); model = LoST(cfg); D = model.diffusion
if 'pca' in fl: init_pca(model, z)   # read-out (and, with pcaenc, the linear encoder path) from PCA of the training latents
head = None
if aux and not cfg.coarse:
    head = nn.Sequential(nn.Linear(cfg.K * cfg.d, 256), nn.GELU(), nn.Linear(256, cfg.C * cfg.r * 3 * cfg.r))
params = list(model.parameters()) + (list(head.parameters()) if head else [])
opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0); g = torch.Generator(); T0 = time.time()
for step in range(steps):
    g.manual_seed(step)
    for pg in opt.param_groups: pg['lr'] = lr * min(1, (step + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
    x0 = z[torch.randint(len(z), (bs,), generator=g)]
    keep = sample_keep(bs, cfg.K, step >= 250, 0.1, g)
    u = torch.rand(bs, generator=g)
    if 'tshift' in fl: u = 1 - (1 - u) ** 2
    t = (u * 1000).long().clamp(max=999); eps = torch.randn(x0.shape, generator=g)
    x_t = D.q_sample(x0, t, eps); tok = model.encoder(x0); out, xc = model.decoder(x_t, t, tok, keep, return_coarse=True)
    loss = F.mse_loss(out, D.target(x0, t, eps))
    if head is not None: loss = loss + aux * F.mse_loss(head(tok.flatten(1)).view_as(x0), x0)
    if xc is not None: loss = loss + aux * F.mse_loss(xc, x0)
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
    if step % 250 == 0: print(name, step, round(loss.item(), 4), round(time.time()-T0), flush=True)
train_s = time.time() - T0
def score(m, zz, shapes):
    res = {}
    with torch.no_grad():
        tok = m.eval().tokenize(zz)
        tn = F.normalize(tok.flatten(1), dim=-1); sim = tn @ tn.T
        res['token_offdiag_cos'] = round(sim[~torch.eye(len(zz), dtype=bool)].mean().item(), 3)
        for k in (1, 4, 32):
            if cfg.coarse:
                kp = torch.arange(cfg.K)[None].expand(len(zz), -1) < k
                xc = m.decoder.coarse_latent(tok, kp); res[f'k{k}_readout'] = round((F.mse_loss(xc, zz) / zz.var()).item(), 3)
                if shapes is not None: res[f'k{k}_readout'] = (res[f'k{k}_readout'], round(float(np.mean([float(volume_iou(decode_logits(vae, xc[i] / sc, s['queries'][:16384]).numpy() > 0, s['occ'][:16384])) for i, s in enumerate(shapes)])), 3))
            for st in (1, 25):
                out = m.detokenize(tok[:, :k], steps=st)
                err = round((F.mse_loss(out, zz) / zz.var()).item(), 3)
                if shapes is None: res[f'k{k}_s{st}'] = err; continue
                ious = [float(volume_iou(decode_logits(vae, out[i] / sc, s['queries'][:16384]).numpy() > 0, s['occ'][:16384])) for i, s in enumerate(shapes)]
                res[f'k{k}_s{st}'] = (err, round(float(np.mean(ious)), 3))
    return res
print(name, json.dumps(fl), 'train_s', round(train_s), 'val', json.dumps(score(model, zval, shp)), 'train', json.dumps(score(model, ztr, None)), flush=True)
