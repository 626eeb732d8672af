"""The device check: what one short run on a GPU teaches about training this project at scale, in sections, each
written to the JSON as soon as it is done (an out-of-memory error or a time limit leaves what came before).

1. `env`: the GPU, torch and CUDA versions, the attention kernel SDPA picks for bf16 with and without a mask.
2. `paper_steps`: each stage's real training step (`lost_nb.scale.stage_at`: its factory, loss, bf16, activation
   checkpointing) at the `paper` sizes, one model resident at a time: seconds a micro-batch step, peak memory, the
   measured TFLOP/s (FLOPs counted by `lost_nb.scale.step_flops`), and the largest micro-batch that fits (doubling
   from the profile's until out of memory).
3. `gpu_fit`: the real `fit` for a few steps of every stage at the `gpu` sizes, stopped and resumed.
4. `ddp`: one step of a stage under DistributedDataParallel in a 1-process group (nccl on CUDA, gloo on the CPU).
5. `bf16`: the tokenizer's loss and gradient in bf16 autocast against fp32 (relative difference, gradient cosine),
   and a 25-step decode of the same tokens in both, compared by the sign of the occupancy a VAE decodes from them.
6. `throughput`: decoder samples a second (one sampler step, batch 64) and GPT-head rows a second at `paper` size.

Nothing is installed at run time: a machine with torch and this package runs it. `--smoke` runs every section at
the `smoke` sizes on the CPU (inside `make test`); `--dry-run` needs no GPU: it prints the memory pass and the
projected hours of the `gpu` and `paper` profiles (`lost_nb.scale.report`). Results: figures/bench/gpu_check.json
(`--smoke`: <runs>/figures-smoke/bench/; `--dry-run`: figures/bench/scale_projection.json).

    python bench/gpu_check.py                  # on a CUDA machine (about 7 minutes)
    python bench/gpu_check.py --dry-run        # anywhere: memory pass and projected hours
    python bench/gpu_check.py --smoke          # anywhere: every section at smoke sizes on the CPU
"""
import argparse, gc, os, tempfile, time
from pathlib import Path

import torch
import torch.nn.functional as F

from lost_nb.core import get_profile
from lost_nb.train import Trainer, accelerator, fit
from lost_nb import scale
from _record import write_result


def sync(dev):
    if dev.type == 'cuda':
        torch.cuda.synchronize()


def free(dev):
    gc.collect()
    if dev.type == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def env(dev) -> dict:
    "The machine, and the attention kernel SDPA chooses for bf16 inputs with and without a boolean mask."
    from torch.nn.attention import SDPBackend

    out = dict(torch=torch.__version__, cuda=torch.version.cuda, device=str(dev), cpu_count=os.cpu_count())
    if dev.type == 'cuda':
        p = torch.cuda.get_device_properties(dev)
        out.update(gpu=p.name, memory_gb=p.total_memory / 1e9, capability=f"{p.major}.{p.minor}")
    dt = torch.bfloat16 if dev.type == 'cuda' else torch.float32
    q = torch.randn(4, 12, 1024, 64, device=dev, dtype=dt)
    mask = torch.rand(1024, 1024, device=dev) > 0.5
    names = {int(v): k for k, v in SDPBackend.__members__.items()}
    for what, m in (('sdpa_unmasked', None), ('sdpa_masked', mask)):
        out[what] = names.get(int(torch._fused_sdp_choice(q, q, q, m, 0.0, False)), '?')
    return out


def time_step(stage, dev, steps: int) -> dict:
    "Seconds a training step (after one warm-up step) and the peak memory of the stage's step."
    tr, g = Trainer(stage), torch.Generator().manual_seed(0)
    tr.net.train()
    batch = stage.sample(0, g)
    tr.step(batch, 0, 0.0)
    sync(dev)
    if dev.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for s in range(1, 1 + steps):
        tr.step(batch, s, 0.0)
    sync(dev)
    sps = (time.perf_counter() - t0) / steps
    peak = torch.cuda.max_memory_allocated(dev) / 1e9 if dev.type == 'cuda' else None
    del tr
    return dict(seconds_per_step=sps, peak_gb=peak)


def paper_steps(profile, dev, steps, search: bool) -> dict:
    "Each stage's step at the profile's micro-batch, its measured TFLOP/s, and the largest micro-batch that fits."
    out = {}
    for name in scale.STAGES:
        m = scale.micro_rows(name, profile)
        row = dict(micro_batch=m, checkpointing=get_profile(profile, name)['train']['checkpointing'])
        flops = scale.step_flops(name, profile) * m / get_profile(profile, name)['train']['batch_size']
        try:
            r = time_step(scale.stage_at(name, profile, dev, rows=m, micro_batch=m, precision='auto'), dev, steps)
            row.update(r, tflops=flops / r['seconds_per_step'] / 1e12)
        except torch.cuda.OutOfMemoryError as e:
            row.update(error=f"out of memory at micro-batch {m}: {str(e)[:200]}")
        free(dev)
        best, trial = (m if 'error' not in row else 0), 2 * m
        while search and 'error' not in row and trial <= 8 * m:
            try:
                time_step(scale.stage_at(name, profile, dev, rows=trial, micro_batch=trial, precision='auto'), dev, 1)
                best, trial = trial, 2 * trial
            except torch.cuda.OutOfMemoryError:
                break
            finally:
                free(dev)
        row['largest_micro_batch_tried_that_fits'] = best
        out[name] = row
        print(f"  {name:10s} {row}", flush=True)
    return out


def gpu_fit(profile, dev, steps) -> dict:
    "The real `fit` of every stage for `steps` steps, stopped half way and resumed from its checkpoint."
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for name in scale.STAGES:
            m = scale.micro_rows(name, profile)
            st = scale.stage_at(name, profile, dev, rows=m, micro_batch=m, precision='auto')
            st.cfg.steps, st.cfg.save_every, st.cfg.log_every = steps, steps, 0
            ck = Path(d) / f'{name}.safetensors'
            t0 = time.perf_counter()
            first = fit(st, ck, {}, until=steps // 2, desc=name)
            st2 = scale.stage_at(name, profile, dev, rows=m, micro_batch=m, precision='auto')
            st2.cfg.steps, st2.cfg.save_every, st2.cfg.log_every = steps, steps, 0
            second = fit(st2, ck, {}, desc=name)
            out[name] = dict(steps=second.step, resumed_at=first.step, seconds=time.perf_counter() - t0,
                             loss=[round(v, 5) for v in second.log['loss']],
                             finite=all(v == v for v in second.log['loss']))  # fmt: skip
            print(f"  {name:10s} {out[name]}", flush=True)
            del st, st2, first, second
            free(dev)
    return out


def ddp(profile, dev) -> dict:
    "One step of the GPT stage wrapped in DistributedDataParallel, in a process group of one."
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    backend = 'nccl' if dev.type == 'cuda' else 'gloo'
    init = not dist.is_initialized()
    if init:
        with tempfile.NamedTemporaryFile() as f:
            dist.init_process_group(backend, init_method=f'file://{f.name}', rank=0, world_size=1)
    try:
        st = scale.stage_at('gpt', profile, dev, rows=scale.micro_rows('gpt', profile), micro_batch=0)
        net = DDP(st.model, device_ids=[dev.index or 0] if dev.type == 'cuda' else None)
        b = {k: v.to(dev) if torch.is_tensor(v) else v for k, v in st.sample(0, torch.Generator()).items()}
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
            loss = st.loss(net, b)[0]
        loss.backward()
        sync(dev)
        g = sum(p.grad.float().norm() ** 2 for p in st.model.parameters() if p.grad is not None) ** 0.5
        return dict(backend=backend, loss=loss.item(), grad_norm=g.item())
    finally:
        if init:
            dist.destroy_process_group()


def bf16(profile, dev) -> dict:
    "The tokenizer's loss and gradients in bf16 autocast against fp32, and a decode in both, by occupancy sign."
    from lost_nb.vae import build_vae, profile_vae_config

    m = min(8, scale.micro_rows('tokenizer', profile))
    st = scale.stage_at('tokenizer', profile, dev, rows=m, micro_batch=0, precision='no')
    torch.manual_seed(0)
    for p in st.model.parameters():  # zero-initialised gates would make every gradient but a few zero
        if p.dim() > 1:
            torch.nn.init.normal_(p, std=0.02)
    b = {k: v.to(dev) if torch.is_tensor(v) else v for k, v in st.sample(0, torch.Generator().manual_seed(0)).items()}
    res = {}
    for name, on in (('fp32', False), ('bf16', True)):
        st.model.zero_grad()
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=on):
            loss = st.loss(st.model, b)[0]
        loss.backward()
        res[name] = (loss.item(), torch.cat([p.grad.flatten().float() for p in st.model.parameters() if p.grad is not None]))
    cos = F.cosine_similarity(res['fp32'][1], res['bf16'][1], dim=0).item()
    out = dict(loss_fp32=res['fp32'][0], loss_bf16=res['bf16'][0],
               loss_rel_diff=abs(res['bf16'][0] - res['fp32'][0]) / abs(res['fp32'][0]), grad_cosine=cos)  # fmt: skip
    model = st.model.eval()
    vae = build_vae(profile_vae_config(get_profile(profile, 'vae'))).to(dev).eval()
    tokens = model.tokenize(b['x0'][:2])
    zs = {}
    for name, on in (('fp32', False), ('bf16', True)):
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=on):
            zs[name] = model.detokenize(tokens, steps=25, seed=0).float()
    q = torch.rand(2, 4096, 3, device=dev) - 0.5
    with torch.no_grad():
        occ = {k: vae.query(vae.decode(z), q) for k, z in zs.items()}  # occupancy logits at the queries
    out.update(decode_rel_diff=((zs['bf16'] - zs['fp32']).norm() / zs['fp32'].norm()).item(),
               occupancy_sign_agreement=((occ['bf16'] > 0) == (occ['fp32'] > 0)).float().mean().item())  # fmt: skip
    return out


def throughput(profile, dev) -> dict:
    "Decoder samples a second (one guided sampler step) and GPT-head rows a second, at the profile's sizes."
    from lost_nb.tokenizer import LoST, LoSTConfig
    from lost_nb.gpt import GPTConfig, LoSTGPT

    C, r = scale.latent_shape(profile)
    B = 64 if dev.type == 'cuda' else 2
    cfg = LoSTConfig.from_profile(get_profile(profile, 'tokenizer')['model'], C=C, r=r)
    model = LoST(cfg).to(dev).eval()
    x, t = torch.randn(B, C, r, 3 * r, device=dev), torch.full((B,), 500, device=dev)
    tok, keep = torch.randn(B, cfg.K, cfg.d, device=dev), torch.ones(B, cfg.K, dtype=torch.bool, device=dev)

    def timed(f, n=3):
        with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
            f()
            sync(dev)
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            sync(dev)
        return (time.perf_counter() - t0) / n

    s = timed(lambda: model.denoise(x, t, tok, keep))
    out = dict(decoder_batch=B, decoder_samples_per_s=B / s)
    model = None  # one model on the device at a time
    free(dev)
    d = get_profile(profile, 'tokenizer')['model']['d']
    gcfg = GPTConfig.from_profile(get_profile(profile, 'gpt')['model'], token_dim=d, cond_dim=512, n_classes=0)
    head = LoSTGPT(gcfg).head.to(dev).eval()
    M = 4096 if dev.type == 'cuda' else 64
    xs, ts, zs = torch.randn(M, d, device=dev), torch.rand(M, device=dev), torch.randn(M, gcfg.dim, device=dev)
    s = timed(lambda: head(xs, ts, zs))
    out.update(head_rows=M, head_rows_per_s=M / s)
    return out


def markdown(rep: dict) -> str:
    "The dry run's tables as markdown (README links it; no number is copied by hand)."
    lines = ['# Training at scale: memory pass and projected hours', '',
             'Written by `make gpu-check --dry-run` (`bench/gpu_check.py --dry-run`, `lost_nb.scale`): each stage\'s '
             'steady-state step on a simulated device at its micro-batch (bf16 autocast, fused attention, activation '
             'checkpointing as the profile says; budget 75 GB of an 80 GB H100), and hours projected from FLOPs '
             'counted by PyTorch at an assumed sustained throughput (not measured until a GPU runs '
             '`make gpu-check`).', '']  # fmt: skip
    for p, r in rep.items():
        lines += [f"## `{p}` (at {r['tflops']:.0f} TFLOP/s a GPU)", '',
                  '| stage | micro-batch | peak GB | TFLOP a step | steps x models | hours, 1 GPU | hours, 8 GPUs |',
                  '|---|---|---|---|---|---|---|']  # fmt: skip
        for s, h in r['hours'].items():
            m = r['memory'].get(s)
            mb, pk = (str(m['rows']), f"{m['peak'] / 1e9:.1f}") if m else ('', '')
            lines.append(f"| {s} | {mb} | {pk} | {h['step_tflop']:.3f} | {h['steps'] * h['models']:,} | "
                         f"{h['hours']:.2f} | {h['hours'] / 8:.2f} |")
        lines += [f"| total | | | | | {r['total_hours']:.2f} | {r['total_hours'] / 8:.2f} |", '',
                  f"Data: {scale.data_summary(r['data'])}.", '']  # fmt: skip
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--smoke', action='store_true', help='every section at smoke sizes on the CPU')
    ap.add_argument('--dry-run', action='store_true', help='the memory pass and projected hours; no GPU')
    ap.add_argument('--steps', type=int, default=None, help='timed steps a stage (default 10; 2 with --smoke)')
    a = ap.parse_args()
    if a.dry_run:
        rep = scale.report()
        path = write_result('scale_projection', rep, profile='cpu')
        md = Path(path).with_suffix('.md') if path else None
        if md is not None:
            md.write_text(markdown(rep))
            print(f"table written to {md}")
        return
    if not a.smoke and not torch.cuda.is_available():
        print('no CUDA device: running --smoke on the CPU instead (--dry-run projects without one)')
        a.smoke = True
    dev = torch.device('cpu') if a.smoke else torch.device('cuda')
    big, small = ('smoke', 'smoke') if a.smoke else ('paper', 'gpu')
    steps = a.steps or (2 if a.smoke else 10)
    out, t0 = {}, time.perf_counter()
    sections = [('env', lambda: env(dev)), ('paper_steps', lambda: paper_steps(big, dev, steps, not a.smoke)),
                ('gpu_fit', lambda: gpu_fit(small, dev, 4)), ('ddp', lambda: ddp(small, dev)),
                ('bf16', lambda: bf16(small, dev)), ('throughput', lambda: throughput(big, dev))]  # fmt: skip
    accelerator()  # one Accelerator state for every section
    for name, run in sections:
        print(f"{name} ...", flush=True)
        t = time.perf_counter()
        try:
            out[name] = run()
        except Exception as e:  # a section that fails is recorded; the next one still runs
            out[name] = dict(error=f"{type(e).__name__}: {str(e)[:500]}")
        out[name + '_seconds'] = time.perf_counter() - t
        print(f"{name}: {out[name]}", flush=True)
        free(dev)
        write_result('gpu_check', out, profile='smoke' if a.smoke else 'cpu')
    print(f"device check done in {time.perf_counter() - t0:.0f}s")
    failed = [k for k, v in out.items() if isinstance(v, dict) and 'error' in v]
    if failed:
        raise SystemExit(f"sections failed: {failed}")


if __name__ == '__main__':
    main()
