"""What does a larger or different VAE run give?

Trains a profile's VAE (`train_vae` with its `vae.model` and `vae.train` blocks) with `--KEY VALUE` overrides
of either block (e.g. `--steps 9000`, `--rq 16`, `--width 256`; `--model.KEY` or `--train.KEY` when spelled
out; `--arch direct3d` trains Direct3D's architecture from the profile's `vae.direct3d` block instead, whose
keys `--direct3d.KEY` overrides) into a temporary folder on one thread (so two runs can share the two cores),
then prints the volume IoU on every validation-split shape of each source (logit > 0 at the cached uniform
points) with its 95% bootstrap interval, and the training wall time. Results:
figures/bench/vae_scale-OVERRIDES.json (OVERRIDES: the overrides as KEY=VALUE in the order given, joined by
'-'; `vae_scale.json` without overrides; other profiles: <runs>/figures-<profile>/bench/), keys `overrides`,
`arch`, `steps`, `train_seconds`, `seconds_per_step`, `val_iou` and `val_iou_ci` (by source), `val_n`.

    python bench/vae_scale.py --steps 9000 & python bench/vae_scale.py --rq 16
    python bench/vae_scale.py --arch direct3d --max_train_minutes 15 &
    python bench/vae_scale.py --max_train_minutes 15
    python bench/vae_scale.py --steps 3 --profile smoke
"""
import argparse, tempfile, time
from pathlib import Path
import torch
from lost_nb.core import PROFILES, get_profile
from lost_nb.data import heldout, load_shape
from lost_nb.vae import load_arrays, train_vae, encode_shape, latent_iou, profile_vae_config
from lost_nb.evaluate import bootstrap_ci
from _record import Given, slug, write_result

BLOCKS = ('model', 'train', 'direct3d')
SHOWN = PROFILES['cpu']['vae']   # the blocks' keys (the same in every profile); --help shows the cpu values


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
    """{'model.rq': 16, ...}: `arch=` first, then each KEY=VALUE of `args` (the options as typed) set in
    the block that has KEY (the train block, or the architecture's model block: `model` or `direct3d`), in
    place."""
    done = {}
    for a in [a for a in args if a.startswith('arch=')]:
        section['arch'] = done['arch'] = a.split('=', 1)[1]
    model_block = 'direct3d' if section['arch'] == 'direct3d' else 'model'
    for a in [a for a in args if not a.startswith('arch=')]:
        key, text = a.split('=', 1)
        block, _, name = key.rpartition('.')
        blocks = [block] if block else [b for b in ('train', model_block) if name in section[b]]
        if len(blocks) != 1 or blocks[0] not in BLOCKS or name not in section[blocks[0]]:
            raise SystemExit(f"{key!r} is not a setting of exactly one of the vae blocks {BLOCKS}")
        section[blocks[0]][name] = parse_value(section[blocks[0]][name], text)
        done[f"{blocks[0]}.{name}"] = section[blocks[0]][name]
    return done


def val_iou(model, src:str, dcfg:dict)->list:
    "Volume IoU of every validation-split shape of `src`."
    out = []
    for r in heldout(src, dcfg, None, splits=('val',)):
        s = load_shape(src, dcfg, r['shape_id'])
        out.append(latent_iou(model, encode_shape(model, s), s, dcfg['n_uniform']))
    return out


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], allow_abbrev=False,
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('--arch', action=Given, choices=('triplane', 'direct3d'),
                    help=f"the architecture (None: the profile's `vae.arch`; cpu: {SHOWN['arch']!r})")
    for block in ('train', 'model', 'direct3d'):
        note = {'model': "; --n_points sets vae.direct3d's instead with --arch direct3d",
                'direct3d': "; --n_points sets this block's with --arch direct3d"}.get(block, '')
        g = ap.add_argument_group(f'vae.{block} settings', f"as --KEY or --{block}.KEY (None: the profile's "
                                  f"value; each help shows the cpu profile's){note}")
        for key, value in SHOWN[block].items():
            shared = block == 'direct3d' and key in SHOWN['model']   # n_points: --n_points is the model's
            names = [f'--{block}.{key}'] if shared else [f'--{key}', f'--{block}.{key}']
            g.add_argument(*names, action=Given, metavar='VALUE', help=f"cpu: {value!r}")
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose settings and data are used')
    ap.set_defaults(given=[])
    return ap


def main():
    a = cli().parse_args()
    profile, args = a.profile, a.given   # the overrides as KEY=VALUE, in the order given: the file's name
    torch.set_num_threads(1)
    dcfg, section = get_profile(profile, 'data'), get_profile(profile, 'vae')
    over = apply_overrides(section, args)
    train = section['train']
    sources = [('proc', dcfg), ('sh3d', dcfg)]
    data = load_arrays(sources, 'train', train['n_train'])
    with tempfile.TemporaryDirectory() as d:
        t0 = time.time()
        model, log = train_vae(data, profile_vae_config(section), train,
                               Path(d) / 'vae.safetensors', resume=False, seed=0, log_every=500)
        wall = time.time() - t0
    ious = {src: val_iou(model, src, c) for src, c in sources}
    ci = {src: bootstrap_ci(v) for src, v in ious.items()}
    print(f"overrides {over}: {section['arch']}, {log['steps']} steps in {wall:.0f}s on one thread "
          f"({wall / log['steps']:.3f} s/step); validation volume IoU " +
          ', '.join(f"{src} {c['mean']:.3f} [{c['lo']:.3f}, {c['hi']:.3f}] (n={c['n']})"
                    for src, c in ci.items()), flush=True)
    write_result('vae_scale', dict(overrides=over, arch=section['arch'], steps=log['steps'],
                                   train_seconds=wall, seconds_per_step=wall / log['steps'],
                                   val_iou={s: c['mean'] for s, c in ci.items()}, val_iou_ci=ci,
                                   val_n={s: c['n'] for s, c in ci.items()}, per_shape=ious),
                 profile=profile, tag=slug(args) if args else '')


if __name__ == '__main__':
    main()
