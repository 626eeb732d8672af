"""Issue #3: where a cpu-profile VAE training step spends its time (two threads, batch 4, 200 procedural training
shapes in memory): seconds per step over 20 steps, then torch's profiler over 10 more, by operator.

    python bench/vae_step_profile.py

Measured 2026-11-30 (two runs, idle machine): 0.218 and 0.205 s/step; by self CPU time: matrix products (mm + addmm)
28-30%, CPU flash attention forward and backward 15%, convolution backward 10%, grid_sample forward and backward
8-9%, copies 4%:
no single operator to speed up for the 1.5x that 9,000 steps in the 20-minute bar would need.
"""
import torch, time
from lost_nb.core import get_profile
from lost_nb.vae import load_arrays, TriplaneVAE, VAEConfig, get_batch, vae_loss
from torch.profiler import profile

def main():
    torch.set_num_threads(2)
    d=get_profile('cpu','data'); sec=get_profile('cpu','vae')
    data=load_arrays([('proc',d)],'train',200)
    m=TriplaneVAE(VAEConfig.from_profile(sec)); opt=torch.optim.AdamW(m.parameters(),1e-3)
    g=torch.Generator().manual_seed(0)
    def step():
        b=get_batch(data, torch.randint(0,200,(4,),generator=g), m.cfg.n_points, sec['n_occ'], g)
        loss,_=vae_loss(m,*b,sec['band'],sec['kl_weight']); opt.zero_grad(); loss.backward(); opt.step()
    for _ in range(5): step()
    t=time.time()
    for _ in range(20): step()
    print('s/step', (time.time()-t)/20)
    with profile() as p:
        for _ in range(10): step()
    print(p.key_averages().table(sort_by='self_cpu_time_total', row_limit=22))

if __name__ == '__main__': main()
