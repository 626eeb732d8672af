"""Two trainings one after another with two threads, or side by side in two one-thread processes (`run_jobs`)?

Times N steps of the cpu-profile tokenizer (random latents of the cpu shape, the profile's batch, no semantic loss)
three ways in one run: in this process with 2 threads, in one spawned process with 1 thread, and in two spawned
one-thread processes at once. Prints seconds per step and the wall time of two trainings each way, as a ratio.

    python bench/parallel_training.py --steps 40
"""
import argparse, time
import torch, torch.nn.functional as F
from lost_nb.core import get_profile, seed_everything, adamw, run_jobs
from lost_nb.tokenizer import LoST, LoSTConfig, sample_keep

def steps_per_second(steps:int, seed:int=0)->float:
    "Seconds per training step of the cpu-profile tokenizer, after 3 warm-up steps."
    kc = get_profile('cpu', 'tokenizer'); B = kc['batch_size']
    cfg = LoSTConfig(C=8, r=16, **{k: kc[k] for k in ('patch', 'width', 'depth', 'heads', 'K', 'd', 'dec_width', 'dec_depth', 'dec_heads',
                                                     'prediction', 'pool_cond', 'coarse', 'linear_path')})
    seed_everything(seed); m = LoST(cfg); opt = adamw(m.parameters(), 1e-4); g = torch.Generator().manual_seed(seed)
    for i in range(steps + 3):
        if i == 3: t0 = time.time()
        x0 = torch.randn(B, 8, 16, 48, generator=g); t = torch.randint(1000, (B,), generator=g); e = torch.randn(x0.shape, generator=g)
        xt = m.diffusion.q_sample(x0, t, e); out, xc = m(x0, xt, t, sample_keep(B, cfg.K, True, 0.1, g))
        loss = F.mse_loss(out, m.diffusion.target(x0, t, e)) + F.mse_loss(xc, x0)
        opt.zero_grad(); loss.backward(); opt.step()
    return (time.time() - t0) / steps

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('--steps', type=int, default=40)
    n = ap.parse_args().steps
    torch.set_num_threads(2); two = steps_per_second(n)
    one = run_jobs(steps_per_second, {'a': dict(steps=n)}, processes=1, threads=1)['a']
    pair = run_jobs(steps_per_second, {'a': dict(steps=n), 'b': dict(steps=n, seed=1)}, processes=2, threads=1)
    side = max(pair.values())
    print(f"s/step: 2 threads {two:.3f}, 1 thread alone {one:.3f}, 1 thread beside another {pair['a']:.3f} / {pair['b']:.3f}")
    print(f"two trainings of {n} steps: one after another (2 threads) {2 * two * n:.1f} s, side by side {side * n:.1f} s: "
          f"{2 * two / side:.2f}x faster side by side")
