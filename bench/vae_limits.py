"""Issue #3: what limits the cpu VAE's held-out IoU? On the trained cpu checkpoint (runs/vae-cpu), volume IoU (logit > 0
at the 16,384 cached uniform points, as `figures/vae_reconstruction.json`) of 20 shapes per source:

1. training shapes against held-out ones (the generalisation gap);
2. held-out shapes encoded from more surface points than the 1,024 the model was trained with;
3. the decoder's ceiling: each held-out latent optimised (Adam, decoder frozen) against the shape's own cached
   queries (uniform and near-surface, semi-continuous targets), starting from the encoder's latent. This fits the
   points it is scored on, so it is an upper bound on what any encoder could give this decoder, not a result;
4. the same fit against the near-surface queries only (none of the uniform points it is scored on).

    python bench/vae_limits.py [steps=300] [only=fits]

Measured 2026-11-30 on the committed cpu checkpoint (4,500 steps). `python bench/vae_limits.py` (2 threads, 10 min):
procedural: training shapes 0.709, held-out 0.779, held-out from 2,048 / 8,192 points 0.786 / 0.788, decoder ceiling
0.921; Sweet Home 3D: 0.598, 0.505, 0.508 / 0.512, 0.747. `python bench/vae_limits.py only=fits` (one thread, beside
other jobs, 32 min): the fit to near-surface queries only, 0.835 procedural and 0.658 Sweet Home 3D. So the model
does not overfit (the first 20 procedural training shapes score no better than the held-out ones), more
points into the encoder barely help, and the decoder holds latents worth 0.835 to 0.921 (procedural) and 0.658 to
0.747 (Sweet Home 3D) that the encoder does not find: the limit is the amortised encoder, under-trained at 4,500
steps of batch 4, not the latent's size or the decoder.
"""
import sys, numpy as np, torch, torch.nn.functional as F
from lost_nb.core import get_profile, run_dir, Timer
from lost_nb.data import load_index, heldout, load_shape
from lost_nb.vae import load_vae, encode_shape, occupancy_target, latent_iou

def fit_latent(model, z0, s, band, steps, lr=0.02, first:int=0):
    "Latent optimised against the shape's cached queries from index `first` on, with the decoder frozen."
    z = z0.clone().requires_grad_(True); opt = torch.optim.Adam([z], lr)
    q, t = torch.as_tensor(s['queries'][first:])[None], occupancy_target(torch.as_tensor(s['sdf'][first:]), band)[None]
    for _ in range(steps):
        i = torch.randint(0, q.shape[1], (8192,))
        loss = F.binary_cross_entropy_with_logits(model.query(model.decode(z[None]), q[:, i]), t[:, i])
        opt.zero_grad(); loss.backward(); opt.step()
    return z.detach()

def main():
    fl = dict(a.split('=') for a in sys.argv[1:]); steps, fits_only = int(fl.get('steps', 300)), fl.get('only') == 'fits'
    torch.manual_seed(0)
    dcfg, vcfg = get_profile('cpu', 'data'), get_profile('cpu', 'vae')
    model, ck = load_vae(run_dir('vae', 'cpu') / 'vae.safetensors')
    for p in model.parameters(): p.requires_grad_(False)
    n, nu, npts = vcfg['n_eval'], dcfg['n_uniform'], model.cfg.n_points
    for src in ('proc', 'sh3d'):
        held = [r['shape_id'] for r in heldout(src, dcfg, n)]
        train = [r['shape_id'] for r in load_index(src, dcfg) if r['split'] == 'train'][:n]
        enc = lambda s, k: encode_shape(model, s, k)
        res, band = {}, ck['config']['train']['band']
        add = lambda k, v: res.setdefault(k, []).append(v)
        with Timer() as t:
            for sid in ([] if fits_only else train): s = load_shape(src, dcfg, sid); add('train', latent_iou(model, enc(s, npts), s, nu))
            for sid in held:
                s = load_shape(src, dcfg, sid); z = enc(s, npts)
                add('held-out', latent_iou(model, z, s, nu))
                if not fits_only:
                    add('held-out, 2048 points', latent_iou(model, enc(s, 2048), s, nu))
                    add('held-out, 8192 points', latent_iou(model, enc(s, 8192), s, nu))
                    add('decoder ceiling', latent_iou(model, fit_latent(model, z, s, band, steps), s, nu))
                add('decoder fit to near-surface queries', latent_iou(model, fit_latent(model, z, s, band, steps, first=nu), s, nu))
        print(f"{src} ({n} shapes each, {t.s:.0f}s): " + ', '.join(f"{k} {np.mean(v):.3f}" for k, v in res.items()), flush=True)

if __name__ == '__main__': main()
