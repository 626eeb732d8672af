"""Where a bench script's numbers go: one JSON file per run under `lost_nb.core.figures_dir(profile) /
'bench'` (figures/bench/ for the cpu profile, <runs>/figures-<profile>/bench/ for the others), with the
command line and the machine's thread counts beside the numbers.

    from _record import write_result
    write_result('mesh_extraction', {'seconds': ...}, profile=a.profile)
"""
import math, os, re, shlex, sys
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


def split_profile(args:list, default:str='cpu')->tuple[str, list]:
    "(profile, the other arguments) from bare arguments holding `profile=NAME` (or `--profile NAME`)."
    rest, profile, i = [], default, 0
    while i < len(args):
        a = args[i]
        if a.startswith('profile=') or a.startswith('--profile='):
            profile = a.split('=', 1)[1]
        elif a == '--profile' and i + 1 < len(args):
            profile = args[i + 1]
            i += 1
        else:
            rest.append(a)
        i += 1
    return profile, rest


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
