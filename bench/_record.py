"""Where a bench script's numbers go: one JSON file per run under `lost_nb.core.figures_dir(profile) /
'bench'` (figures/bench/ for the cpu profile, <runs>/figures-<profile>/bench/ for the others), with the
command line and the machine's thread counts beside the numbers.

    from _record import write_result
    write_result('mesh_extraction', {'seconds': ...}, profile=a.profile)

Where a result's file name is built from the options given (`rida_scale`, `tokenizer_recipe`, `vae_scale`),
the options are `Given` actions: each is kept as typed, `KEY=VALUE`, in the order given.
"""
import argparse, math, os, re, shlex, sys
from pathlib import Path
import numpy as np
import torch
from lost_nb.core import figures_dir, stable_hash, write_json


def bench_dir(profile:str='cpu')->Path:
    "The folder bench results of `profile` are written to."
    return figures_dir(profile) / 'bench'


def jsonable(x):
    "`x` with tensors, NumPy values and tuples as plain numbers and lists (NaN and inf become None)."
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, torch.Tensor):
        return jsonable(x.tolist())
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.generic):
        return jsonable(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Path):
        return str(x)
    return x


def slug(args:list, limit:int=80)->str:
    "A file-name tag for a list of command-line arguments (a hash is appended when it had to be shortened)."
    s = re.sub(r'[^A-Za-z0-9.=,+-]+', '_', '-'.join(map(str, args))).strip('_')
    return s if len(s) <= limit else f"{s[:limit]}-{stable_hash(args)[:6]}"


class Given(argparse.Action):
    """An option stored as usual and also kept as typed, in command-line order, in `namespace.given`:
    'KEY=VALUE' (KEY: the option string as typed, without its dashes), or 'KEY' for a switch (`nargs=0`,
    stored as True). Result files are named from these words as they were when the scripts took bare key=value
    words; give the parser `allow_abbrev=False`, so that KEY is always an option's full name."""

    def __call__(self, parser, namespace, values, option_string=None):
        key = option_string.lstrip('-')
        setattr(namespace, self.dest, True if self.nargs == 0 else values)
        word = key if self.nargs == 0 else f"{key}={values}"
        namespace.given = [*(getattr(namespace, 'given', None) or []), word]


def as_typed(kind):
    "An argparse `type`: text that `kind` (int or float) reads, kept as typed (results may be named from it)."
    def check(text:str)->str:
        kind(text)
        return text
    check.__name__ = kind.__name__   # argparse's error then reads "invalid int value: 'x'"
    return check


def write_result(name:str, # the script's name, e.g. 'mesh_extraction'
                 result:dict, # the numbers the script printed (tensors and NumPy values are converted)
                 argv:list|None=None, # the command line (default: sys.argv)
                 profile:str='cpu', # the profile the script ran at: decides the folder
                 tag:str='', # a configuration's tag: the file is <name>-<tag>.json
                )->Path:
    "Write <bench_dir(profile)>/<name>[-<tag>].json atomically and return its path."
    argv = list(sys.argv if argv is None else argv)
    rec = dict(script=name, command=' '.join(['python'] + [shlex.quote(a) for a in argv]), argv=argv,
               profile=profile, torch_threads=torch.get_num_threads(), cpu_count=os.cpu_count(),
               torch_version=torch.__version__, result=jsonable(result))
    path = bench_dir(profile) / (f"{name}-{tag}.json" if tag else f"{name}.json")
    write_json(path, rec)
    print(f"results written to {path}")
    return path
