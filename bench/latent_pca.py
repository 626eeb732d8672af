"""How compressible are the cpu VAE's latents? PCA fitted on the training latents (procedural + Sweet Home 3D train
splits): variance explained by the top components, and the error and volume IoU (through the VAE) of 8 held-out
procedural latents projected on the top 0 / 32 / 128 / 512 / 1024 / 2000 components. Needs the cpu VAE run (02).

    python bench/latent_pca.py
"""
import torch, numpy as np, torch.nn.functional as F
from lost_nb.core import get_profile, run_dir
from lost_nb.vae import load_latents, load_vae, scale_factor_of, decode_logits
from lost_nb.data import heldout, load_shape
from lost_nb.metrics import volume_iou
torch.set_num_threads(1)
dc = get_profile('cpu','data'); vck = run_dir('vae','cpu')/'vae.safetensors'; vae,_ = load_vae(vck); sc = scale_factor_of(vck)
zs = [load_latents(src, dc, vck, split='train')[1] for src in ('proc', 'sh3d')]
z = torch.cat(zs).flatten(1).double(); mu = z.mean(0); U, S, V = torch.linalg.svd(z - mu, full_matrices=False)
ev = (S**2).cumsum(0) / (S**2).sum()
print('train var explained by top PCs', {k: round(ev[k-1].item(), 3) for k in (1, 8, 32, 128, 512, 1024, 2000)})
ids, zp = load_latents('proc', dc, vck); pos = {s:i for i,s in enumerate(ids)}
ho = [r['shape_id'] for r in heldout('proc', dc, 8, splits=('test',))]; zval = zp[[pos[s] for s in ho]]; shp = [load_shape('proc', dc, h) for h in ho]
x = zval.flatten(1).double() - mu
base = [float(volume_iou(decode_logits(vae, zval[i] / sc, s['queries'][:16384]).numpy() > 0, s['occ'][:16384])) for i, s in enumerate(shp)]
print('VAE IoU on these', round(np.mean(base), 3))
for k in (0, 32, 128, 512, 1024, 2000):
    rec = (x @ V[:k].T @ V[:k] + mu).float().view_as(zval) if k else mu.float().expand(len(zval), -1).reshape(zval.shape)
    ious = [float(volume_iou(decode_logits(vae, rec[i] / sc, s['queries'][:16384]).numpy() > 0, s['occ'][:16384])) for i, s in enumerate(shp)]
    print('PCA', k, 'err/var', round((F.mse_loss(rec, zval) / zval.var()).item(), 3), 'IoU', round(np.mean(ious), 3), flush=True)
