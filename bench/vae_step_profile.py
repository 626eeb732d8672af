"""Issue #3: where a cpu-profile VAE training step spends its time (two threads, batch 4, 200 procedural training
shapes in memory): seconds per step over 20 steps, then torch's profiler over 10 more, by operator.

    python bench/vae_step_profile.py

Measured 2026-11-30 (three runs, idle machine): 0.218, 0.205 and 0.188 s/step; by self CPU time: matrix products (mm + addmm)
28-30%, CPU flash attention forward and backward 15%, convolution backward 10%, grid_sample forward and backward
8-9%, copies 4%:
no single operator to speed up for the 1.5x that 9,000 steps in the 20-minute bar would need.
"""
import time
import torch
from lost_nb.core import get_profile
from lost_nb.vae import load_arrays, TriplaneVAE, VAEConfig, get_batch, vae_loss
from torch.profiler import profile

def main():
    torch.set_num_threads(2)
    dcfg, sec = get_profile('cpu', 'data'), get_profile('cpu', 'vae')
    data = load_arrays([('proc', dcfg)], 'train', 200)
    model = TriplaneVAE(VAEConfig.from_profile(sec)); opt = torch.optim.AdamW(model.parameters(), 1e-3)
    g = torch.Generator().manual_seed(0)
    def step():
        batch = get_batch(data, torch.randint(0, 200, (sec['batch_size'],), generator=g), model.cfg.n_points, sec['n_occ'], g)
        loss, _ = vae_loss(model, *batch, sec['band'], sec['kl_weight'])
        opt.zero_grad(); loss.backward(); opt.step()
    for _ in range(5): step()   # warm-up
    t = time.time()
    for _ in range(20): step()
    print(f"{(time.time() - t) / 20:.3f} s/step")
    with profile() as p:
        for _ in range(10): step()
    print(p.key_averages().table(sort_by='self_cpu_time_total', row_limit=22))

if __name__ == '__main__': main()
