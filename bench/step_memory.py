"""Memory of one training step of every stage at the `paper` sizes, counted on PyTorch's meta device (no memory is
allocated; `lost_nb.train.LiveBytes` counts the bytes of the tensor storages alive). Each stage is built by its own
factory and stepped by `lost_nb.train.Trainer` at micro-batches of 2 and 4 rows, on one process: `fixed` bytes
(weights, EMA, gradients) and `per_row` bytes (the batch and the activations saved for backward)
of forward and backward follow, what the optimizer step adds, and the peak of one step at the profile's global batch
as one micro-batch. An upper bound of a CUDA step: on meta, attention takes its plain math path (no flash attention)
and AdamW its unfused one, and everything is fp32 (no autocast). Results: figures/paper/bench/step_memory.json
(keys: one per stage, each `params`, `fixed_bytes`, `per_row_bytes`, `optimizer_bytes`, `batch_size`,
`peak_bytes_at_batch`, `micro_batches`).

    python bench/step_memory.py
"""
import numpy as np
import torch
from lost_nb.core import get_profile
from lost_nb.train import build, step_memory
from _record import write_result

P = 'paper'


def latent():
    m = get_profile(P, 'vae')['model']
    return m['C'], m['r']


def vae(b):
    from lost_nb.vae import vae_stage, profile_vae_config
    sec = get_profile(P, 'vae')
    cfg = profile_vae_config(sec)
    n, nu = cfg.n_points, 4096
    data = dict(surface=torch.rand(2, n, 3) - .5, normals=torch.rand(2, n, 3), queries=torch.rand(2, 2 * nu, 3) - .5,
                sdf=torch.randn(2, 2 * nu) * .05, ids=['a', 'b'], n_uniform=nu)
    return vae_stage(data, cfg, {**sec['train'], 'batch_size': b}, device='meta'), sec['train']['batch_size']


def teacher(b):
    from lost_nb.teacher import teacher_stage, TeacherConfig
    sec = get_profile(P, 'teacher')
    cfg = TeacherConfig.from_profile(sec['model'])
    ims = np.zeros((4, 8, cfg.res, cfg.res), np.uint8)
    return teacher_stage(ims, cfg, 10, b, 1e-3, device='meta'), sec['train']['batch_size']


def rida_cfg():
    from lost_nb.rida import RIDAConfig
    C, r = latent()
    return RIDAConfig.from_profile(get_profile(P, 'rida')['model'], C=C, r=r, out_dim=768)


def rida(b):
    from lost_nb.rida import rida_stage
    C, r = latent()
    cfg, n = rida_cfg(), max(b, 4)
    feats = dict(z=torch.randn(n, C, r, 3 * r), St=torch.randn(n, cfg.grid ** 2, 768), zt=torch.randn(n, 768))
    return rida_stage(feats, cfg, 'rida', 10, b, 1e-4, device='meta'), get_profile(P, 'rida')['train']['batch_size']


def tokenizer(b):
    from lost_nb.rida import RIDA
    from lost_nb.tokenizer import tokenizer_stage, LoSTConfig
    C, r = latent()
    sec = get_profile(P, 'tokenizer')
    ext = build(lambda: RIDA(rida_cfg()), 'meta').eval().requires_grad_(False)
    cfg = LoSTConfig.from_profile(sec['model'], C=C, r=r)
    return tokenizer_stage(torch.randn(4, C, r, 3 * r), cfg, 10, b, 1e-4, ext, device='meta'), sec['train']['batch_size']


def gpt(b):
    from lost_nb.gpt import GPTConfig, gpt_stage
    sec = get_profile(P, 'gpt')
    d = get_profile(P, 'tokenizer')['model']['d']
    cfg = GPTConfig.from_profile(sec['model'], token_dim=d, cond_dim=512, n_classes=0)
    tokens, views = torch.randn(4, cfg.n_tokens, d), torch.randn(4, 8, 512)
    return gpt_stage(tokens, views, None, cfg, 10, b, 1e-4, device='meta'), sec['train']['batch_size']


def main():
    out = {}
    for name, make in dict(vae=vae, teacher=teacher, rida=rida, tokenizer=tokenizer, gpt=gpt).items():
        (s1, batch), (s2, _) = make(2), make(4)  # 2 rows at least: a contrastive batch of one has no negatives
        m1, m2 = step_memory(s1), step_memory(s2)
        per_row = (m2['peak_grad'] - m1['peak_grad']) // 2  # the batch and its activations
        fixed = m1['peak_grad'] - 2 * per_row  # weights, EMA, gradients
        opt = m1['peak'] - m1['peak_grad']  # what the first optimizer step adds: AdamW's moments, temporaries
        at = max(fixed + per_row * batch, m1['peak'] + per_row * (batch - 2))
        out[name] = dict(params=sum(p.numel() for p in s1.model.parameters()), fixed_bytes=fixed, per_row_bytes=per_row,
                         optimizer_bytes=opt, batch_size=batch, peak_bytes_at_batch=at, micro_batches=[m1, m2])
        print(f"{name:10s} {out[name]['params'] / 1e6:7.1f}M params: {fixed / 2**30:6.2f} GiB fixed + "
              f"{per_row / 2**30:6.3f} GiB per row, optimizer step +{opt / 2**30:5.2f} GiB -> {at / 2**30:8.1f} GiB at "
              f"the paper batch {batch} in one micro-batch", flush=True)
    write_result('step_memory', out, profile=P)


if __name__ == '__main__':
    main()
