"""Seconds per training step of a profile's tokenizer at 2 x 2 patches (the paper's) and 4 x 4 (the cpu
profile's).

The tokenizer is the profile's `tokenizer.model` block (its `additions` included) with only `patch`
overridden, on random latents of its VAE's latent shape, at its `tokenizer.train` batch size; nested dropout
on, the coarse read-out's MSE when the profile has one, semantic loss off (it costs the same at both patch
sizes); each step the pipeline's (`tokenizer_stage` stepped by `lost_nb.train.Trainer`). Prints each time
and their ratio, measured in the same run. Results: figures/bench/tokenizer_step_time.json (other profiles:
<runs>/figures-<profile>/bench/), keys `seconds_per_step` and `patch_tokens` (by patch side) and
`ratio_2x2_over_4x4`.

    python bench/tokenizer_step_time.py --steps 20
    python bench/tokenizer_step_time.py --steps 3 --profile smoke
"""
import argparse, time
import torch
from lost_nb.core import get_profile, seed_everything
from lost_nb.tokenizer import LoSTConfig, tokenizer_stage
from lost_nb.train import Trainer, accelerator
from _record import write_result


def seconds_per_step(cfg:LoSTConfig, kt:dict, steps:int)->float:
    """Seconds per `Trainer.step` of the tokenizer stage of `cfg` (`tokenizer_stage` with the profile's
    `tokenizer.train` block `kt`, no extractor) on random latents, after 3 warm-up steps."""
    seed_everything(0)
    z = torch.randn(4 * kt['batch_size'], cfg.C, cfg.r, 3 * cfg.r)
    st = tokenizer_stage(z, cfg, kt['steps'], kt['batch_size'], kt['lr'], None,
                         coarse_weight=kt['coarse_weight'], warmup=kt['warmup'], lr_floor=kt['lr_floor'],
                         device='cpu')
    tr, g = Trainer(st, accelerator()), torch.Generator().manual_seed(0)
    tr.net.train()
    for i in range(steps + 3):
        if i == 3:
            t0 = time.perf_counter()
        tr.step(st.sample(i, g), i, i / st.cfg.steps)
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--profile', default='cpu')
    a = ap.parse_args()
    vm, kc = get_profile(a.profile, 'vae')['model'], get_profile(a.profile, 'tokenizer')
    kt = kc['train']
    out, tokens = {}, {}
    for patch in (2, 4):
        cfg = LoSTConfig.from_profile({**kc['model'], 'patch': patch}, C=vm['C'], r=vm['r'])
        out[patch] = seconds_per_step(cfg, kt, a.steps)
        tokens[patch] = cfg.n_patches
        print(f"patch {patch}x{patch}: {cfg.n_patches} patch tokens + {cfg.K} registers, "
              f"{out[patch]:.3f} s/step "
              f"({torch.get_num_threads()} threads)")
    ratio = out[2] / out[4]
    print(f"2x2 / 4x4 time per step: {ratio:.2f}")
    write_result('tokenizer_step_time', dict(steps=a.steps, seconds_per_step=out, patch_tokens=tokens,
                                             ratio_2x2_over_4x4=ratio), profile=a.profile)


if __name__ == '__main__':
    main()
