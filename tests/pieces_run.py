"""The smoke pipeline's deterministic pieces, small, in one process: run by tests/test_threads.py once per thread
count (and CPU kernel), each into its own data and runs folders. Prints one JSON object: the provenance keys
every stage was trained from, and scalar results.

    OMP_NUM_THREADS=1 python tests/pieces_run.py OUT_DIR
"""

import json, os, sys
from pathlib import Path

out = Path(sys.argv[1])
os.environ['LOST_NB_DATA'], os.environ['LOST_NB_RUNS'] = str(out / 'data'), str(out / 'runs')
os.environ.setdefault('LOST_NB_QUIET', '1')
import numpy as np
import torch

torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))
from lost_nb.core import get_profile, input_key  # noqa: E402
from lost_nb.data import build_dataset, index_hash, load_shape  # noqa: E402
from lost_nb.shapes import procedural_items  # noqa: E402
from lost_nb import vae as V  # noqa: E402
from lost_nb.evaluate import PCACode  # noqa: E402
from lost_nb.tokenizer import LoSTConfig, train_tokenizer, load_tokenizer  # noqa: E402
from lost_nb.gpt import GPTConfig, train_gpt, load_gpt  # noqa: E402

dcfg = get_profile('smoke', 'data')
build_dataset(procedural_items(8), 'proc', dcfg, workers=1, verbose=False)
src = [('proc', dcfg)]
data = {'data.proc': index_hash('proc', dcfg)}
res = dict(threads=torch.get_num_threads(), capability=torch.backends.cpu.get_cpu_capability(), keys={}, scalars={})

# the VAE: 40 steps on every shape, then the latents of all shapes (scaled)
sec = get_profile('smoke', 'vae')
vck = out / 'runs' / 'vae.safetensors'
train = V.load_arrays(src, None)
model, log = V.train_vae(
    train, V.profile_vae_config(sec), {**sec['train'], 'steps': 40}, vck, seed=0, inputs=data, log_every=10**9
)
z = V.encode_points(model, train['surface'][:, : model.cfg.n_points], train['normals'][:, : model.cfg.n_points])
V.set_scale_factor(vck, V.latent_scale_factor(z))
scale = V.latent_scaling(vck)
zs = scale.encode(z)
s0 = load_shape('proc', dcfg, train['ids'][0])
res['scalars'].update(
    vae_loss_last10=float(np.mean(log['loss'][-10:])),
    vae_latent_std=float(z.std()),
    vae_mean_logit_shape0=float(V.decode_logits(model, z[0], s0['queries'][: dcfg['n_uniform']]).mean()),
)
res['keys']['vae'] = input_key(vck)

# the PCA code, by its inputs
pca = PCACode.fit(zs, 4, 4, {'vae': input_key(vck), **data})
res['keys']['pca'] = pca.key()
res['scalars'].update(pca_explained_1=pca.explained(1), pca_axis0_entry=float(pca.axes[0].abs().max()))
res['pca_axes'] = pca.axes[:4].tolist()

# the tokenizer on those latents, then the GPT on its tokens and on the PCA code
tck = out / 'runs' / 'tokenizer.safetensors'
tcfg = LoSTConfig(C=zs.shape[1], r=zs.shape[2], patch=2, width=32, depth=1, heads=4, K=4, d=4, dec_width=32,
                  dec_depth=1, dec_heads=4)
_, _, tlog, _ = train_tokenizer(zs, tcfg, steps=12, batch_size=4, lr=1e-3, extractor_path=None, ckpt=tck, save_every=6,
                             pca_init=True, device=torch.device('cpu'), inputs={'vae': input_key(vck), **data})
res['keys']['tokenizer'] = input_key(tck)
res['scalars']['tokenizer_loss_mean'] = float(np.mean(tlog['diffusion']))
tok = load_tokenizer(tck, inputs={'vae': input_key(vck)})
with torch.no_grad():
    tokens = tok.tokenize(zs)
gcfg = GPTConfig(n_tokens=4, token_dim=4, dim=32, n_layer=1, n_head=4, dropout=0.0, cond_dim=8, head_width=32,
                 head_depth=1, diffusion_batch_mul=2)
views = torch.randn(len(zs), 3, 8, generator=torch.Generator().manual_seed(0))
for name, t, inp in (('gpt', tokens, {'tokenizer': input_key(tck)}), ('gpt-pca', pca.encode(zs), {'pca': pca.key()})):
    ck = out / 'runs' / f'{name}.safetensors'
    _, glog = train_gpt(t, views, None, gcfg, steps=10, batch_size=4, lr=1e-3, ckpt=ck, inputs=inp,
                        device=torch.device('cpu'))
    res['keys'][name] = input_key(ck)
    res['scalars'][f'{name}_loss_mean'] = float(np.mean(glog['loss']))
    load_gpt(ck, inputs=inp)  # no staleness against what it was just trained from
res['inputs_now'] = {'vae': input_key(vck), 'tokenizer': input_key(tck), 'pca': pca.key(), **data}
print(json.dumps(res))
