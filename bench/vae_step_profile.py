"""Where a profile's VAE training step spends its time: `vae_stage`'s step as `train_vae` takes it (its
sampler, loss and optimizer settings, stepped by `lost_nb.train.Trainer`) on the profile's `vae.model` sizes
and `vae.train` batch, with up to 200 procedural training shapes in memory; seconds per step over `--steps`
steps (20), then torch's profiler over half as many more, by operator, each operator's self CPU time as a
share of the profiled total (and the profiler's own overhead as profiled over plain step time, both timed in
the same run). Needs the profile's data cache (01b). Results: figures/bench/vae_step_profile.json (other
profiles: <runs>/figures-<profile>/bench/), keys `seconds_per_step`, `profiled_seconds_per_step`,
`profiler_overhead` and `operators` (name, calls, self CPU seconds, share).

    python bench/vae_step_profile.py
    python bench/vae_step_profile.py --steps 2 --profile smoke
"""
import argparse, time
import torch
from torch.profiler import profile
from lost_nb.core import get_profile
from lost_nb.vae import load_arrays, profile_vae_config, vae_stage
from lost_nb.train import Trainer, accelerator
from _record import write_result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=20, help='timed steps (half as many are profiled)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--rows', type=int, default=22, help='operators shown and written')
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dcfg, sec = get_profile(a.profile, 'data'), get_profile(a.profile, 'vae')
    train = sec['train']
    data = load_arrays([('proc', dcfg)], 'train', 200)
    st = vae_stage(data, profile_vae_config(sec), train, device='cpu')
    tr, g, n = Trainer(st, accelerator()), torch.Generator().manual_seed(0), len(data['ids'])
    tr.net.train()
    done = [0]

    def step():
        tr.step(st.sample(done[0], g), done[0], done[0] / st.cfg.steps)
        done[0] += 1

    for _ in range(5):
        step()   # warm-up
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    per_step = (time.perf_counter() - t) / a.steps
    n_prof = max(1, a.steps // 2)
    t = time.perf_counter()
    with profile() as p:
        for _ in range(n_prof):
            step()
    prof_step = (time.perf_counter() - t) / n_prof
    print(f"{per_step:.3f} s/step ({n} training shapes, batch {train['batch_size']}, {a.threads} threads); "
          f"{prof_step:.3f} s/step under the profiler ({prof_step / per_step:.2f}x)")
    ev = p.key_averages()
    print(ev.table(sort_by='self_cpu_time_total', row_limit=a.rows))
    total = max(sum(e.self_cpu_time_total for e in ev), 1e-9)   # microseconds
    top = sorted(ev, key=lambda e: -e.self_cpu_time_total)[:a.rows]
    ops = [dict(name=e.key, calls=e.count, self_cpu_seconds=e.self_cpu_time_total / 1e6,
                share=e.self_cpu_time_total / total) for e in top]
    write_result('vae_step_profile', dict(n_shapes=n, batch_size=train['batch_size'], steps=a.steps,
                                          profiled_steps=n_prof, seconds_per_step=per_step,
                                          profiled_seconds_per_step=prof_step,
                                          profiler_overhead=prof_step / per_step, operators=ops),
                 profile=a.profile)


if __name__ == '__main__':
    main()
