"""Two trainings one after another with two threads, or side by side in two one-thread processes (`run_jobs`)?

Times N steps of a profile's tokenizer (its `tokenizer.model` block on random latents of its VAE's shape, its
`tokenizer.train` batch size and coarse read-out weight, nested dropout on, no semantic loss), each the
pipeline's step (`tokenizer_stage` stepped by `lost_nb.train.Trainer`), three ways in one run: in this process
with `--threads` threads, in one spawned process with 1 thread, and in two spawned one-thread processes at
once. Prints seconds per step and the wall time of two trainings each way, as a ratio.
Results: figures/bench/parallel_training.json (other profiles: <runs>/figures-<profile>/bench/), keys
`seconds_per_step` (`threads_here`, `one_thread_alone`, `one_thread_beside_another` by job),
`two_trainings_seconds` and `side_by_side_speedup`.

    python bench/parallel_training.py --steps 40
    python bench/parallel_training.py --steps 5 --profile smoke
"""
import argparse, time
import torch
from lost_nb.core import get_profile, seed_everything, run_jobs
from lost_nb.tokenizer import LoSTConfig, tokenizer_stage
from lost_nb.train import Trainer, accelerator
from _record import write_result


def seconds_per_step(steps:int, profile:str='cpu', seed:int=0)->float:
    """Seconds per `Trainer.step` of `profile`'s tokenizer stage (`tokenizer_stage`, no extractor) on random
    latents, after 3 warm-up steps."""
    vm, kc = get_profile(profile, 'vae')['model'], get_profile(profile, 'tokenizer')
    cfg, kt = LoSTConfig.from_profile(kc['model'], C=vm['C'], r=vm['r']), kc['train']
    B = kt['batch_size']
    seed_everything(seed)
    z = torch.randn(4 * B, cfg.C, cfg.r, 3 * cfg.r)
    st = tokenizer_stage(z, cfg, kt['steps'], B, kt['lr'], None, coarse_weight=kt['coarse_weight'],
                         warmup=kt['warmup'], lr_floor=kt['lr_floor'], seed=seed, device='cpu')
    tr, g = Trainer(st, accelerator()), torch.Generator().manual_seed(seed)
    tr.net.train()
    for i in range(steps + 3):
        if i == 3:
            t0 = time.perf_counter()
        tr.step(st.sample(i, g), i, i / st.cfg.steps)
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=40)
    ap.add_argument('--threads', type=int, default=2, help='torch threads of the one-after-another run')
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    n = a.steps
    torch.set_num_threads(a.threads)
    here = seconds_per_step(n, a.profile)
    one = run_jobs(seconds_per_step, {'a': dict(steps=n, profile=a.profile)}, processes=1, threads=1)['a']
    pair = run_jobs(seconds_per_step, {'a': dict(steps=n, profile=a.profile),
                                       'b': dict(steps=n, profile=a.profile, seed=1)}, processes=2, threads=1)
    side = max(pair.values())
    after, beside = 2 * here * n, side * n
    print(f"s/step: {a.threads} threads {here:.3f}, 1 thread alone {one:.3f}, "
          f"1 thread beside another {pair['a']:.3f} / {pair['b']:.3f}")
    print(f"two trainings of {n} steps: one after another ({a.threads} threads) {after:.1f} s, "
          f"side by side {beside:.1f} s: {after / beside:.2f}x faster side by side")
    write_result('parallel_training', dict(
        steps=n, threads_here=a.threads,
        seconds_per_step=dict(threads_here=here, one_thread_alone=one, one_thread_beside_another=pair),
        two_trainings_seconds=dict(one_after_another=after, side_by_side=beside),
        side_by_side_speedup=after / beside), profile=a.profile)


if __name__ == '__main__':
    main()   # spawned workers import this file: the guard keeps them from running it
