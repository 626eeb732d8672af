"""Every stage at the `paper` profile on a GPU: a few hundred training steps of each model at the paper's
sizes and batch (random data of the real shapes), printing seconds per step, peak GPU memory and the projected
wall time of the profile's whole schedule (its `steps`, divided by the number of GPUs given). Each stage is
built by its factory (`vae_stage`, `rida_stage`, `tokenizer_stage`, `gpt_stage`) and stepped by
`lost_nb.train.Trainer`: a timed step is the one the pipeline trains (its sampler, loss, bf16 autocast on
CUDA, clipping, AdamW schedule, EMA), one stage on the GPU at a time (the tokenizer with its frozen RIDA).
With `--smoke` the same loop runs every stage at the `smoke` profile on the CPU in about a minute, so CI
checks the script itself. Results: figures/paper/bench/gpu_check.json (`--smoke`:
<runs>/figures-smoke/bench/), one entry per stage with `params`, `batch_size`, `seconds_per_step`,
`peak_memory_gb`, `schedule_steps`, `projected_hours`.

    python bench/gpu_check.py                      # on a CUDA machine: paper sizes
    python bench/gpu_check.py --gpus 8 --steps 300
    python bench/gpu_check.py --smoke              # anywhere: smoke sizes on the CPU
"""
import argparse, gc, time
import torch
import torch.nn.functional as F
from lost_nb.core import get_profile
from lost_nb.train import Trainer, accelerator
from lost_nb.vae import profile_vae_config, vae_stage
from lost_nb.rida import RIDAConfig, rida_stage
from lost_nb.tokenizer import LoSTConfig, tokenizer_stage
from lost_nb.gpt import GPTConfig, gpt_stage
from _record import write_result


def vae(profile, dev):
    "The VAE stage of the profile's architecture on random surface points, queries and signed distances."
    sec = get_profile(profile, 'vae')
    cfg, tr = profile_vae_config(sec), sec['train']
    B, n_occ = tr['batch_size'], tr['n_occ']
    data = dict(surface=torch.rand(B, cfg.n_points, 3) * 2 - 1,
                normals=F.normalize(torch.randn(B, cfg.n_points, 3), dim=-1),
                queries=torch.rand(B, 2 * n_occ, 3) * 2 - 1, sdf=torch.randn(B, 2 * n_occ) * 0.1,
                ids=list(range(B)), n_uniform=n_occ)   # uniform queries first, then near-surface ones
    return vae_stage(data, cfg, tr, device=dev), cfg.latent_shape


def rida(profile, dev, shape):
    "The RIDA stage on random latents against random teacher features (the paper's DINOv2 ViT-B: 768 dims)."
    sec = get_profile(profile, 'rida')
    tr, (C, r, _) = sec['train'], shape
    D = 768 if profile == 'paper' else 32
    cfg = RIDAConfig.from_profile(sec['model'], C=C, r=r, out_dim=D)
    B = tr['batch_size']
    train = dict(z=torch.randn(B, C, r, 3 * r), St=torch.randn(B, cfg.grid ** 2, D), zt=torch.randn(B, D))
    return rida_stage(train, cfg, 'rida', tr['steps'], B, tr['lr'], tr['pos'], tr['neg'],
                      neighbours=tr['neighbours'], warmup=tr['warmup'], device=dev)


def tokenizer(profile, dev, shape, extractor):
    """The tokenizer stage with its diffusion loss and the semantic loss through the frozen RIDA `extractor`,
    nested dropout on from the first step (the step of most of its schedule)."""
    sec = get_profile(profile, 'tokenizer')
    tr, (C, r, _) = sec['train'], shape
    cfg = LoSTConfig.from_profile(sec['model'], C=C, r=r)
    B = tr['batch_size']
    return tokenizer_stage(torch.randn(B, C, r, 3 * r), cfg, tr['steps'], B, tr['lr'], extractor,
                           coarse_weight=tr['coarse_weight'], warmup=tr['warmup'], lr_floor=tr['lr_floor'],
                           device=dev)


def gpt(profile, dev):
    """The LoST-GPT stage on random token sequences and image embeddings (the paper's: 128 tokens of 32,
    OpenCLIP's 512)."""
    sec = get_profile(profile, 'gpt')
    tr, d = sec['train'], get_profile(profile, 'tokenizer')['model']['d']
    cfg = GPTConfig.from_profile(sec['model'], token_dim=d, cond_dim=512, n_classes=0)
    B = tr['batch_size']
    tokens, views = torch.randn(B, cfg.n_tokens, d), torch.randn(B, 4, 512)
    return gpt_stage(tokens, views, None, cfg, tr['steps'], B, tr['lr'], tr['warmup'], tr['lr_floor'],
                     tr['weight_decay'], tr['ema_decay'], device=dev)


def time_steps(stage, steps, acc):
    """Seconds per `Trainer.step` on the stage's sampled batches (sampling included, as in `fit`), after 3
    warm-up steps, and the peak GPU memory in GB."""
    tr, g = Trainer(stage, acc), torch.Generator().manual_seed(0)
    dev = tr.device
    tr.net.train()

    def step(s):
        tr.step(stage.sample(s, g), s, s / stage.cfg.steps)

    for s in range(3):
        step(s)
    if dev.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for s in range(3, 3 + steps):
        step(s)
    if dev.type == 'cuda': torch.cuda.synchronize()
    sps = (time.perf_counter() - t0) / steps
    peak = torch.cuda.max_memory_allocated() / 2**30 if dev.type == 'cuda' else None
    acc.free_memory(tr.net, tr.opt)   # the next stage's peak counts its own weights and moments alone
    return sps, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--smoke', action='store_true', help='smoke sizes on the CPU (checks the script)')
    ap.add_argument('--steps', type=int, default=None,
                    help='timed steps per stage (default 200; 3 with --smoke)')
    ap.add_argument('--gpus', type=int, default=1,
                    help='GPUs the projected wall time divides the schedule over')
    a = ap.parse_args()
    if not a.smoke and not torch.cuda.is_available():
        print('no CUDA device: running --smoke on the CPU instead')
        a.smoke = True
    profile, dev = ('smoke', torch.device('cpu')) if a.smoke else ('paper', torch.device('cuda'))
    steps = a.steps or (3 if a.smoke else 200)
    if dev.type == 'cuda': torch.backends.cuda.matmul.allow_tf32 = True
    acc, rows, shape, extractor = accelerator(), {}, None, None
    print(f"{'stage':10s} {'params':>12s} {'batch':>6s} {'s/step':>9s} {'peak GB':>8s} {'steps':>9s} "
          f"{'projected h':>12s}")
    for name in ('vae', 'rida', 'tokenizer', 'gpt'):
        if name == 'vae':
            stage, shape = vae(profile, dev)
        elif name == 'rida':
            stage = rida(profile, dev, shape)
        elif name == 'tokenizer':
            stage = tokenizer(profile, dev, shape, extractor)
        else:
            stage = gpt(profile, dev)
        sps, peak = time_steps(stage, steps, acc)
        n = sum(p.numel() for p in stage.model.parameters())
        batch, total = stage.cfg.batch_size, stage.cfg.steps
        hours = sps * total / a.gpus / 3600
        rows[name] = dict(params=n, batch_size=batch, seconds_per_step=sps, peak_memory_gb=peak,
                          schedule_steps=total, projected_hours=hours, gpus=a.gpus, device=str(dev))
        pk = f"{peak:8.1f}" if peak is not None else f"{'-':>8s}"
        print(f"{name:10s} {n:12,d} {batch:6d} {sps:9.3f} {pk} {total:9,d} {hours:12.1f}", flush=True)
        # the trained RIDA, frozen, is the tokenizer's semantic extractor; the rest leaves the GPU
        extractor = stage.model.eval().requires_grad_(False) if name == 'rida' else None
        del stage
        gc.collect()
        if dev.type == 'cuda': torch.cuda.empty_cache()
    write_result('gpu_check', rows, profile='smoke' if a.smoke else 'paper')


if __name__ == '__main__':
    main()
