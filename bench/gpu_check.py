"""Every stage at the `paper` profile on a GPU: a few hundred training steps of each model at the paper's sizes and
batch (bf16 autocast on CUDA, random data of the real shapes), printing seconds per step, peak GPU memory and the
projected wall time of the profile's whole schedule (its `steps`, divided by the number of GPUs given). With
`--smoke` the same loop runs every stage at the `smoke` profile on the CPU in about a minute, so CI checks the
script itself. Results: figures/paper/bench/gpu_check.json (`--smoke`: <runs>/figures-smoke/bench/), one entry per
stage with `params`, `batch_size`, `seconds_per_step`, `peak_memory_gb`, `schedule_steps`, `projected_hours`.

    python bench/gpu_check.py                      # on a CUDA machine: paper sizes
    python bench/gpu_check.py --gpus 8 --steps 300
    python bench/gpu_check.py --smoke              # anywhere: smoke sizes on the CPU
"""
import argparse, copy, time
import torch
import torch.nn.functional as F
from lost_nb.core import get_profile, adamw, autocast
from lost_nb.vae import profile_vae_config, build_vae, vae_loss
from lost_nb.rida import RIDA, RIDAConfig, rida_loss
from lost_nb.tokenizer import LoST, LoSTConfig, sample_keep, semantic_loss
from lost_nb.gpt import GPTConfig, LoSTGPT
from _record import write_result


def vae_stage(profile, dev):
    "The VAE of the profile's architecture on random surface points, queries and signed distances."
    sec = get_profile(profile, 'vae')
    cfg, tr = profile_vae_config(sec), sec['train']
    model, B = build_vae(cfg).to(dev), tr['batch_size']
    pts = torch.rand(B, cfg.n_points, 3, device=dev) * 2 - 1
    nrm = F.normalize(torch.randn(B, cfg.n_points, 3, device=dev), dim=-1)
    q, sdf = torch.rand(B, tr['n_occ'], 3, device=dev) * 2 - 1, torch.randn(B, tr['n_occ'], device=dev) * 0.1
    return model, B, tr['steps'], lambda: vae_loss(model, pts, nrm, q, sdf, tr['band'], tr['kl_weight'])[0], cfg.latent_shape


def rida_stage(profile, dev, shape):
    "RIDA on random latents against random teacher features (the paper's DINOv2 ViT-B: 768 dimensions)."
    sec = get_profile(profile, 'rida')
    C, r, _ = shape
    D = 768 if profile == 'paper' else 32
    cfg = RIDAConfig.from_profile(sec['model'], C=C, r=r, out_dim=D)
    model, B = RIDA(cfg).to(dev), sec['train']['batch_size']
    z, zt = torch.randn(B, C, r, 3 * r, device=dev), torch.randn(B, D, device=dev)
    St, log_t = torch.randn(B, cfg.grid ** 2, D, device=dev), torch.nn.Parameter(torch.tensor(-2.66, device=dev))
    def loss():
        Ss, zs = model(z)
        return rida_loss(Ss, zs, St, zt, log_t, sec['train']['pos'], sec['train']['neg'])[0]
    return model, B, sec['train']['steps'], loss, (model, cfg)


def tokenizer_stage(profile, dev, shape, extractor):
    "The LoST tokenizer with its diffusion loss and the semantic loss through a frozen RIDA."
    sec = get_profile(profile, 'tokenizer')
    C, r, _ = shape
    cfg = LoSTConfig.from_profile(sec['model'], C=C, r=r)
    model, B = LoST(cfg).to(dev), sec['train']['batch_size']
    ext = copy.deepcopy(extractor).eval().requires_grad_(False)   # a frozen copy: the RIDA stage still trains its own
    x0 = torch.randn(B, C, r, 3 * r, device=dev)
    target = torch.randn(B, ext.cfg.out_dim, device=dev)
    def loss():
        g = torch.Generator().manual_seed(0)
        keep = sample_keep(B, cfg.K, True, cfg.p_uncond, g).to(dev)
        t = torch.randint(cfg.T, (B,), generator=g).to(dev)
        eps = torch.randn(x0.shape, generator=g).to(dev)
        x_t = model.diffusion.q_sample(x0, t, eps)
        out, xc = model(x0, x_t, t, keep)
        l = F.mse_loss(out, model.diffusion.target(x0, t, eps))
        return l + semantic_loss(ext, model.diffusion.to_eps_x0(x_t, t, out)[1], target)
    return model, B, sec['train']['steps'], loss


def gpt_stage(profile, dev):
    "LoST-GPT on random token sequences and image embeddings (the paper's: 128 tokens of 32, OpenCLIP's 512)."
    sec = get_profile(profile, 'gpt')
    d = get_profile(profile, 'tokenizer')['model']['d']
    cfg = GPTConfig.from_profile(sec['model'], token_dim=d, cond_dim=512, n_classes=0)
    model, B = LoSTGPT(cfg).to(dev), sec['train']['batch_size']
    tokens, image = torch.randn(B, cfg.n_tokens, d, device=dev), torch.randn(B, 512, device=dev)
    drop = torch.rand(B, device=dev) < cfg.p_uncond
    return model, B, sec['train']['steps'], lambda: model(tokens, image=image, drop=drop)


def time_steps(model, loss_fn, steps, dev):
    "Seconds per AdamW step (after 3 warm-up steps) and the peak GPU memory in GB."
    opt = adamw(model.parameters(), 1e-4)
    def step():
        with autocast(dev):
            l = loss_fn()
        opt.zero_grad(set_to_none=True)
        l.backward()
        opt.step()
    for _ in range(3):
        step()
    if dev.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if dev.type == 'cuda': torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() / 2**30 if dev.type == 'cuda' else None
    return (time.perf_counter() - t0) / steps, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--smoke', action='store_true', help='smoke sizes on the CPU (checks the script)')
    ap.add_argument('--steps', type=int, default=None, help='timed steps per stage (default 200; 3 with --smoke)')
    ap.add_argument('--gpus', type=int, default=1, help='GPUs the projected wall time divides the schedule over')
    a = ap.parse_args()
    if not a.smoke and not torch.cuda.is_available():
        print('no CUDA device: running --smoke on the CPU instead')
        a.smoke = True
    profile, dev = ('smoke', torch.device('cpu')) if a.smoke else ('paper', torch.device('cuda'))
    steps = a.steps or (3 if a.smoke else 200)
    if dev.type == 'cuda': torch.backends.cuda.matmul.allow_tf32 = True
    rows = {}
    vae, B, total, loss, shape = vae_stage(profile, dev)
    stages = [('vae', vae, B, total, loss)]
    rida, B_r, total_r, loss_r, (rida_model, _) = rida_stage(profile, dev, shape)
    stages.append(('rida', rida, B_r, total_r, loss_r))
    tok, B_t, total_t, loss_t = tokenizer_stage(profile, dev, shape, rida_model)
    stages.append(('tokenizer', tok, B_t, total_t, loss_t))
    stages.append(('gpt', *gpt_stage(profile, dev)))
    print(f"{'stage':10s} {'params':>12s} {'batch':>6s} {'s/step':>9s} {'peak GB':>8s} {'steps':>9s} {'projected h':>12s}")
    for name, model, batch, total, loss in stages:
        sps, peak = time_steps(model, loss, steps, dev)
        n = sum(p.numel() for p in model.parameters())
        hours = sps * total / a.gpus / 3600
        rows[name] = dict(params=n, batch_size=batch, seconds_per_step=sps, peak_memory_gb=peak,
                          schedule_steps=total, projected_hours=hours, gpus=a.gpus, device=str(dev))
        pk = f"{peak:8.1f}" if peak is not None else f"{'-':>8s}"
        print(f"{name:10s} {n:12,d} {batch:6d} {sps:9.3f} {pk} {total:9,d} {hours:12.1f}", flush=True)
    write_result('gpu_check', rows, profile='smoke' if a.smoke else 'paper')


if __name__ == '__main__':
    main()
