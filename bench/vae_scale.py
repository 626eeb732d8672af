"""What a larger VAE run gives. Trains a profile's VAE (`train_vae` with its `vae.model` and `vae.train`
blocks) with KEY=VALUE overrides of either block (e.g. steps=9000, rq=16, width=256; `model.KEY=` or
`train.KEY=` when spelled out) into a temporary folder on one thread (so two runs can share the two cores),
then prints the volume IoU on the validation split (logit > 0 at the cached uniform points, the profile's
`vae.eval.n_eval` shapes per source) and the training wall time. Results:
figures/bench/vae_scale-OVERRIDES.json (`vae_scale.json` without overrides; other profiles:
<runs>/figures-<profile>/bench/), keys `overrides`, `steps`, `train_seconds`, `seconds_per_step` and `val_iou`
(by source).

    python bench/vae_scale.py steps=9000 & python bench/vae_scale.py rq=16
    python bench/vae_scale.py steps=3 profile=smoke
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from lost_nb.core import get_profile
from lost_nb.data import heldout, load_shape
from lost_nb.vae import VAEConfig, load_arrays, train_vae, encode_shape, latent_iou
from _record import slug, split_profile, write_result

BLOCKS = ('model', 'train')


def parse_value(default, text:str):
    "`text` as the type of the profile's `default` (numbers where the default is None)."
    if isinstance(default, bool):
        if text.lower() not in ('true', 'false', '1', '0'):
            raise ValueError(f"{text!r} is not a boolean")
        return text.lower() in ('true', '1')
    if default is None:
        return None if text.lower() == 'none' else (int(text) if text.lstrip('-').isdigit() else float(text))
    return type(default)(text)


def apply_overrides(section:dict, args:list)->dict:
    "{'model.rq': 16, ...}: each KEY=VALUE of `args` set in the block of `section` that has KEY (in place)."
    done = {}
    for a in args:
        key, text = a.split('=', 1)
        block, _, name = key.rpartition('.')
        blocks = [block] if block else [b for b in BLOCKS if name in section[b]]
        if len(blocks) != 1 or blocks[0] not in BLOCKS or name not in section[blocks[0]]:
            raise SystemExit(f"{key!r} is not a setting of exactly one of the vae blocks {BLOCKS}")
        section[blocks[0]][name] = parse_value(section[blocks[0]][name], text)
        done[f"{blocks[0]}.{name}"] = section[blocks[0]][name]
    return done


def val_iou(model, src:str, dcfg:dict, n:int)->float:
    "Mean volume IoU of the first `n` validation-split shapes of `src`."
    ious = []
    for r in heldout(src, dcfg, n, splits=('val',)):
        s = load_shape(src, dcfg, r['shape_id'])
        ious.append(latent_iou(model, encode_shape(model, s), s, dcfg['n_uniform']))
    return float(np.mean(ious))


def main():
    profile, args = split_profile(sys.argv[1:])
    torch.set_num_threads(1)
    dcfg, section = get_profile(profile, 'data'), get_profile(profile, 'vae')
    over = apply_overrides(section, args)
    train = section['train']
    sources = [('proc', dcfg), ('sh3d', dcfg)]
    data = load_arrays(sources, 'train', train['n_train'])
    with tempfile.TemporaryDirectory() as d:
        t0 = time.time()
        model, log = train_vae(data, VAEConfig.from_profile(section['model']), train,
                               Path(d) / 'vae.safetensors', resume=False, seed=0, log_every=500)
        wall = time.time() - t0
    out = {src: val_iou(model, src, c, section['eval']['n_eval']) for src, c in sources}
    print(f"overrides {over}: {log['steps']} steps in {wall:.0f}s on one thread "
          f"({wall / log['steps']:.3f} s/step); "
          f"validation volume IoU procedural {out['proc']:.3f}, Sweet Home 3D {out['sh3d']:.3f}", flush=True)
    write_result('vae_scale', dict(overrides=over, steps=log['steps'], train_seconds=wall,
                                   seconds_per_step=wall / log['steps'], val_iou=out),
                 profile=profile, tag=slug(args) if args else '')


if __name__ == '__main__':
    main()
