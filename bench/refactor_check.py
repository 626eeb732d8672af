"""Before and after the layers refactor: the code before it, trained at the cpu profile on the same data here.

Commit a7994de moved the VAE, RIDA and the tokenizer onto the shared layers of `lost_nb.layers` and one training
scaffold. This script compares a cpu run of the code before it (e0c789e, in a git worktree, reading this
checkout's data cache) with this checkout's cpu run (runs/*-cpu and figures/), on the same machine:

- checkpoints, tensor by tensor (the old names mapped onto the current ones): the VAE, the offline teacher and
  RIDA, identical or the largest difference;
- the inputs: whether the old run's data index (DATA) lists the same shapes, splits and order as this checkout's,
  and the offline teacher trained from the same renders by the old code and by the current code given the old
  code's learning-rate schedule (the refactor replaced each trainer's own schedule with `core.cosine_lr`), which
  separates a change of computation from a change of inputs or schedule;
- the figures both versions write with the same definition: the teacher's kNN table (teacher_knn.json), Table 3's
  in-distribution rows (table3_retrieval.csv) and the VAE's means over the first 20 test shapes of each source
  (vae_reconstruction.json against the same shapes' rows of vae_per_shape.csv);
- the tokenizer (LoST; the old run trains no ablations): the old checkpoint is renamed into the current modules
  (`qkv` split into `q` and `kv`, adaLN rows reordered, the cpu-budget parts under `additions`), checked to give
  the old code's own tokens and decode on 16 shapes (computed by the old code in a subprocess); then it and this
  checkout's tokenizers of training seeds 0, 1, 2 are decoded and scored alike on every validation shape
  (k = 1, 4 and K, the profile's sampler, sampling seed 0): the paired interval of old - new seed 0, beside the
  spread over seeds. The test split is left to the notebooks.

Prepare the old run (about 40 minutes on 2 cores; LOST_NB_DATA: this checkout's data folder, or a hard-linked
copy, since the old code adds its own latents files to the cache and rewrites the Sweet Home 3D index in its own
order; DATA below is that folder). Its committed figures come from older data, so remove them first; a stage
the old run did not reach is left out of the comparison:

    git worktree add --detach ../lost-nb-pre e0c789e && cd ../lost-nb-pre && rm figures/*.*
    for nb in 02_triplane_vae 02a_teacher 02b_rida; do
        LOST_NB_DATA=$DATA papermill nbs/$nb.ipynb runs/$nb.ipynb -p profile cpu --cwd nbs; done
    LOST_NB_DATA=$DATA papermill nbs/03_train_tokenizer.ipynb runs/03.ipynb -p profile cpu -p ablations False --cwd nbs
    cd - && python bench/refactor_check.py ../lost-nb-pre $DATA

Results: figures/bench/refactor_check.json, keys `checkpoints`, `index_order`, `teacher_same_inputs`, `figures`,
`tokenizer_equivalence` and `tokenizer` (per k and metric: old, new seed 0, seeds' mean and sd, paired old - new,
over the shapes every run scored); every shape's values in figures/bench/refactor_check_per_shape.csv.
"""
import csv, json, os, subprocess, sys, tempfile
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from lost_nb.core import get_profile, run_dir, figures_dir, input_key
from lost_nb.data import built_sources, heldout, load_index, cache_dir
from lost_nb.vae import load_latents
from lost_nb.teacher import active_teacher, teacher_features
from lost_nb.tokenizer import LoST, load_tokenizer
from lost_nb.evaluate import score_latents, paired_bootstrap, read_csv, write_csv
from _record import write_result, bench_dir

PROFILE = 'cpu'
OLD_NAMES = [  # (old prefix, current prefix), applied in order to the old tokenizer's tensor names
    ('decoder.c_pool.', 'additions.pooled_cond.proj.'), ('decoder.readout.', 'additions.coarse_readout.readout.'),
    ('encoder.lin.', 'additions.linear_path.lin.'), ('decoder.t_embedder.', 'decoder.t_embedder.mlp.'),
    ('decoder.final_ada.', 'decoder.final.adaLN_modulation.'), ('decoder.final.', 'decoder.final.linear.')]
BLOCK_NAMES = {'n1': 'norm1', 'n2': 'norm2', 'mlp.0': 'mlp.fc1', 'mlp.2': 'mlp.fc2', 'ada': 'adaLN_modulation'}


def tensors(path: Path, group: str) -> dict:
    "The tensors of one module group ('model', 'ema', ...) of a lost-nb safetensors checkpoint, by name."
    with safe_open(str(path), 'pt') as f:
        return {k.split('/', 1)[1]: f.get_tensor(k) for k in f.keys() if k.split('/', 1)[0] == group}


def rename_old(old: dict) -> dict:
    """An old VAE or RIDA checkpoint's tensors under the current names: `mlp.0/2` -> `mlp.fc1/fc2`, `n1/n2` ->
    `norm1/norm2`, and nn.MultiheadAttention's `in_proj` split into `q` and `kv`, its `out_proj` -> `proj`."""
    out = {}
    for k, v in old.items():
        for a, b in [*BLOCK_NAMES.items(), ('attn.out_proj', 'attn.proj'), ('pool.out_proj', 'pool.proj')]:
            k = k.replace(f'.{a}.', f'.{b}.')
        if k.endswith(('in_proj_weight', 'in_proj_bias')):
            head, leaf = k.rsplit('.', 1)
            leaf = 'weight' if leaf == 'in_proj_weight' else 'bias'
            w = len(v) // 3
            out[f'{head}.q.{leaf}'], out[f'{head}.kv.{leaf}'] = v[:w].clone(), v[w:].clone()
            continue
        out[k] = v
    return out


def compare_tensors(a: dict, b: dict) -> dict:
    "Identical, or the largest absolute difference over the names both hold; names only one side holds."
    common = sorted(set(a) & set(b))
    same_shape = [k for k in common if a[k].shape == b[k].shape]
    diff = max((float((a[k].double() - b[k].double()).abs().max()) for k in same_shape if a[k].numel()), default=0.0)
    return dict(n_old=len(a), n_new=len(b), n_common=len(common), n_same_shape=len(same_shape),
                identical=len(common) == len(a) == len(b) == len(same_shape) and all(torch.equal(a[k], b[k]) for k in common),
                max_abs_diff=diff)


def convert_tokenizer(old: dict, width: int, dec_width: int) -> dict:
    """The old LoST's tensors under the current module names: renamed, each `attn.qkv` split into q and kv, and
    the adaLN rows put in the current order (`reorder_modulation`)."""
    out = {}
    for k, v in old.items():
        for a, b in OLD_NAMES:
            if k.startswith(a) and not k.startswith(b):
                k = b + k[len(a):]
                break
        parts = k.split('.')
        if len(parts) > 3 and parts[1] == 'blocks':
            head, rest = '.'.join(parts[:3]), '.'.join(parts[3:])
            for a, b in BLOCK_NAMES.items():
                if rest.startswith(a + '.'):
                    rest = b + rest[len(a):]
            if rest.startswith('attn.qkv.'):
                w = width if parts[0] == 'encoder' else dec_width
                leaf = rest.split('.')[-1]
                out[f'{head}.attn.q.{leaf}'], out[f'{head}.attn.kv.{leaf}'] = v[:w].clone(), v[w:].clone()
                continue
            k = f'{head}.{rest}'
        out[k] = v
    return {k: reorder_modulation(k, v) for k, v in out.items()}


def reorder_modulation(name: str, v: torch.Tensor) -> torch.Tensor:
    """The old blocks chunked their adaLN output as (scale, shift, gate) twice and the old final layer as (scale,
    shift); `lost_nb.layers` chunks as DiT does, (shift, scale, gate) and (shift, scale): permute the rows to match."""
    if not name.endswith(('adaLN_modulation.1.weight', 'adaLN_modulation.1.bias')):
        return v
    parts = v.chunk(6 if '.blocks.' in name else 2, 0)
    order = (1, 0, 2, 4, 3, 5) if len(parts) == 6 else (1, 0)
    return torch.cat([parts[i] for i in order], 0)


OLD_OUTPUTS = """
import sys, torch
from lost_nb.tokenizer import load_tokenizer
m = load_tokenizer(sys.argv[1]); z = torch.load(sys.argv[2])
with torch.no_grad():
    tok = m.tokenize(z); dec = m.detokenize(tok[:, :4], steps=5, cfg_scale=1.0, seed=0)
torch.save(dict(tokens=tok, decode=dec), sys.argv[3])
"""


def old_outputs(old_root: Path, ckpt: Path, z: torch.Tensor) -> dict:
    "Tokens and a 4-token, 5-step decode of `z` by the old code's own tokenizer (run in a subprocess)."
    with tempfile.TemporaryDirectory() as d:
        torch.save(z, Path(d) / 'z.pt')
        env = {**os.environ, 'PYTHONPATH': str(old_root)}
        subprocess.run([sys.executable, '-c', OLD_OUTPUTS, str(ckpt), str(Path(d) / 'z.pt'), str(Path(d) / 'out.pt')],
                       cwd=old_root, env=env, check=True)
        return torch.load(Path(d) / 'out.pt')


TEACHER_RUN = """
import math, os, sys, torch
import lost_nb.teacher as T
from lost_nb.core import get_profile
dcfg, tcfg = get_profile('cpu', 'data'), get_profile('cpu', 'teacher')
flat = 'model' not in tcfg                       # before the refactor a profile section was one flat dict
tm, tt = (tcfg, tcfg) if flat else (tcfg['model'], tcfg['train'])
steps = tt['steps']
if not flat:                                     # the schedule the code before the refactor used
    T.cosine_lr = lambda p, lr, warmup: lr * min(1, (round(p * steps) + 1) / 100) * 0.5 * (1 + math.cos(math.pi * p))
_, ims, _ = T.load_renders([(s, dcfg) for s in ('proc', 'sh3d')], 'train')
cfg = T.TeacherConfig(**{k: tm[k] for k in ('res', 'width', 'dim', 'proj_dim', 'temperature')})
m, _ = T.train_offline_teacher(ims, cfg, steps, tt['batch_size'], tt['lr'], seed=0, ckpt=None)
torch.save({k: v.detach().clone() for k, v in m.state_dict().items()}, sys.argv[1])
"""


def index_order(old_data: Path, dcfg: dict, srcs: list) -> dict:
    "Per source: do the old run's data folder and this checkout's list the same shapes, splits and order?"
    out = {}
    for src in srcs:
        new = load_index(src, dcfg)
        old = json.loads((old_data / 'cache' / cache_dir(src, dcfg).name / 'index.json').read_text())['shapes']
        key = lambda rows: [(r['shape_id'], r['split']) for r in rows]
        out[src] = dict(n_old=len(old), n_new=len(new), same_shapes_and_splits=sorted(key(old)) == sorted(key(new)),
                        same_order=key(old) == key(new))
    return out


def teacher_same_inputs(old_root: Path) -> dict:
    """The offline teacher trained from the same renders (this checkout's data cache, in this order) by the old
    code and by the current code with the old code's learning-rate schedule, each in a subprocess."""
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for tag, root in (('old', old_root), ('new', Path(__file__).resolve().parents[1])):
            env = {**os.environ, 'PYTHONPATH': str(root), 'LOST_NB_QUIET': '1'}
            subprocess.run([sys.executable, '-c', TEACHER_RUN, str(Path(d) / f'{tag}.pt')], cwd=d, env=env, check=True)
            out[tag] = torch.load(Path(d) / f'{tag}.pt')
    return compare_tensors(out['old'], out['new'])


def score_lost(m: LoST, Z: torch.Tensor, items: list, ks: list, keval: dict, vae_ckpt: Path, gt: dict) -> dict:
    "(k, metric) -> per-shape values of `m`'s decodes (batches of 256, sampling seed 0, as 04 decodes)."
    tokens = torch.cat([m.tokenize(Z[i:i + 256]) for i in range(0, len(Z), 256)])
    sets = [torch.cat([m.detokenize(tokens[i:i + 256, :k], steps=keval['sample_steps'], cfg_scale=keval['cfg_scale'], seed=0)
                       for i in range(0, len(Z), 256)]) for k in ks]
    res = score_latents(torch.cat(sets), items * len(ks), vae_ckpt, PROFILE, '', keval['mc_res'], processes=2)
    out = {}
    for j, k in enumerate(ks):
        rs = res[j * len(items):(j + 1) * len(items)]
        out[k, 'iou'] = [r['metrics']['iou'] for r in rs]
        out[k, 'chamfer_l1_x1e2'] = [100 * r['metrics']['chamfer_l1'] for r in rs]
        out[k, 'teacher_sim'] = [float(F.cosine_similarity(r['feature'], gt[it], dim=0)) for r, it in zip(rs, items)]
    return out


def figure_checks(old_fig: Path, new_fig: Path, dcfg: dict, srcs: list) -> dict:
    "The figures both versions define alike, old beside new."
    out = {}
    if (old_fig / 'teacher_knn.json').exists():
        ok, nk = (json.loads((f / 'teacher_knn.json').read_text())['rows'] for f in (old_fig, new_fig))
        key = lambda r: (r['source'], r.get('protocol', ''), r['features'])
        out['teacher_knn'] = [dict(source=a['source'], protocol=a.get('protocol', ''), features=a['features'],
                                   old=a['accuracy'], new=b['accuracy']) for a, b in zip(ok, nk) if key(a) == key(b)]
    if (old_fig / 'table3_retrieval.csv').exists():
        rows = {}
        for tag, f in (('old', old_fig), ('new', new_fig)):
            with open(f / 'table3_retrieval.csv') as fh:
                for r in csv.DictReader(fh):
                    if r['pool'].startswith('in-distribution'):
                        rows.setdefault(r['features'], {})[tag] = {m: float(r[m]) for m in ('mAP@3', 'recall@3', 'cat_prec@3')}
        out['table3_in_distribution'] = rows
    if not (old_fig / 'vae_reconstruction.json').exists():
        return out
    old_vae = json.loads((old_fig / 'vae_reconstruction.json').read_text())
    per = read_csv(new_fig / 'vae_per_shape.csv')
    vae = {}
    for src, name in (('proc', 'procedural'), ('sh3d', 'sweet_home_3d')):
        if src not in srcs or name not in old_vae['results']:
            continue
        o = old_vae['results'][name]
        ids = [r['shape_id'] for r in heldout(src, dcfg, o['n'])]
        sel = [r for r in per if r['source'] == src and r['shape_id'] in set(ids)]
        vae[src] = dict(n=o['n'], n_new=len(sel), **{m: dict(old=o[m], new=float(np.mean([r[m] for r in sel])))
                                                    for m in ('volume_iou', 'mesh_iou')})
    out['vae_first_test_shapes'] = vae
    return out


def main():
    old_root = Path(sys.argv[1] if len(sys.argv) > 1 else '../lost-nb-pre').resolve()
    old_runs, old_fig = old_root / 'runs', old_root / 'figures'
    dcfg, keval = get_profile(PROFILE, 'data'), get_profile(PROFILE, 'tokenizer')['eval']
    srcs = built_sources(dcfg)
    result = dict(old_root=str(old_root), old_commit=subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=old_root,
                                                                      capture_output=True, text=True).stdout.strip())
    ck = {}
    for kind, fn, groups in (('vae', 'vae.safetensors', ('model', 'ema')), ('teacher', 'offline_teacher.safetensors', ('model',)),
                             ('rida', 'rida.safetensors', ('model',))):
        if not (old_runs / f'{kind}-{PROFILE}' / fn).exists():
            print(f"{kind}: the old run has no checkpoint; not compared", flush=True)
            continue
        for g in groups:
            a, b = rename_old(tensors(old_runs / f'{kind}-{PROFILE}' / fn, g)), tensors(run_dir(kind, PROFILE) / fn, g)
            ck[f'{kind}.{g}'] = compare_tensors(a, b)
            print(f"{kind}.{g}: {ck[f'{kind}.{g}']}", flush=True)
    result['checkpoints'] = ck
    if len(sys.argv) > 2:
        result['index_order'] = index_order(Path(sys.argv[2]), dcfg, srcs)
        print("the old run's data index against this checkout's:", result['index_order'], flush=True)
    result['teacher_same_inputs'] = teacher_same_inputs(old_root)
    print('teacher, same renders, old code vs current code with the old schedule:', result['teacher_same_inputs'],
          flush=True)
    result['figures'] = figure_checks(old_fig, figures_dir(PROFILE), dcfg, srcs)
    print(json.dumps(result['figures'], indent=1), flush=True)

    old_ck = old_runs / f'tokenizer-{PROFILE}' / 'tokenizer.safetensors'
    if not old_ck.exists():
        print('the old run has no tokenizer; not compared', flush=True)
        write_result('refactor_check', result, profile=PROFILE)
        return
    vae_ckpt = run_dir('vae', PROFILE) / 'vae.safetensors'
    new = {s: load_tokenizer(run_dir('tokenizer', PROFILE, f's{s}' if s else '') / 'tokenizer.safetensors',
                             inputs={'vae': input_key(vae_ckpt)}) for s in (0, 1, 2)
           if (run_dir('tokenizer', PROFILE, f's{s}' if s else '', create=False) / 'tokenizer.safetensors').exists()}
    cfg = new[0].cfg
    old_tok = LoST(cfg)
    old_tok.load_state_dict(convert_tokenizer(tensors(old_ck, 'ema'), cfg.width, cfg.dec_width))
    old_tok.eval()
    items, Z = [], []
    for src in srcs:
        ids, z = load_latents(src, dcfg, vae_ckpt)
        pos = {s: i for i, s in enumerate(ids)}
        keep = [r['shape_id'] for r in heldout(src, dcfg, None, splits=('val',))]
        items += [(src, s) for s in keep]
        Z.append(z[[pos[s] for s in keep]])
    Z = torch.cat(Z)
    ref = old_outputs(old_root, old_ck, Z[:16])
    with torch.no_grad():
        tok = old_tok.tokenize(Z[:16])
        dec = old_tok.detokenize(tok[:, :4], steps=5, cfg_scale=1.0, seed=0)
    result['tokenizer_equivalence'] = dict(
        shapes=16, tokens_max_abs_diff=float((tok - ref['tokens']).abs().max()),
        decode_max_abs_diff=float((dec - ref['decode']).abs().max()), decode_scale=float(ref['decode'].abs().max()))
    print('old code vs renamed weights in the current code:', result['tokenizer_equivalence'], flush=True)

    teacher, tid = active_teacher(PROFILE, '')
    gt = {}
    for src in srcs:
        tf = teacher_features(teacher, src, dcfg, tid)
        gt.update({(src, s): tf['global'][i] for i, s in enumerate(tf['ids'])})
    ks = sorted({1, 4, cfg.K})
    old_scores = score_lost(old_tok, Z, items, ks, keval, vae_ckpt, gt)
    new_scores = {s: score_lost(m, Z, items, ks, keval, vae_ckpt, gt) for s, m in new.items()}
    seeds = sorted(new_scores)
    rows, per_shape = [], []
    for src in srcs:
        idx = [i for i, (s, _) in enumerate(items) if s == src]
        for k in ks:
            for m in ('iou', 'chamfer_l1_x1e2', 'teacher_sim'):
                o = np.array([old_scores[k, m][i] for i in idx])
                nw = {s: np.array([new_scores[s][k, m][i] for i in idx]) for s in seeds}
                per_shape += [dict(source=src, shape_id=items[i][1], k=k, metric=m, old=o[j],
                                   **{f'new_seed{s}': nw[s][j] for s in seeds}) for j, i in enumerate(idx)]
                # a decode with no surface has no Chamfer distance: means over the shapes every run scored
                ok = np.isfinite(o) & np.all([np.isfinite(v) for v in nw.values()], 0)
                means = [float(v[ok].mean()) for v in nw.values()]
                sd = float(np.std(means, ddof=1)) if len(means) > 1 else None
                rows.append(dict(source=src, k=k, metric=m, n=int(ok.sum()), n_unscored_old=int((~np.isfinite(o)).sum()),
                                 n_unscored_new=[int((~np.isfinite(v)).sum()) for v in nw.values()],
                                 old=float(o[ok].mean()), new_seed0=means[0], seeds=len(seeds),
                                 seed_mean=float(np.mean(means)), seed_sd=sd,
                                 old_minus_new_seed0=paired_bootstrap(o[ok], nw[seeds[0]][ok])))
    write_csv(bench_dir(PROFILE) / 'refactor_check_per_shape.csv', per_shape)
    result['tokenizer'] = rows
    print(f"{'source':6s} {'k':>3s} {'metric':16s} {'n':>4s} {'old':>8s} {'new s0':>8s} {'seeds mean +- sd':>18s}  "
          "old - new s0 [95%]")
    for r in rows:
        p = r['old_minus_new_seed0']
        print(f"{r['source']:6s} {r['k']:3d} {r['metric']:16s} {r['n']:4d} {r['old']:8.4f} {r['new_seed0']:8.4f} "
              f"{r['seed_mean']:8.4f} +- {r['seed_sd'] or 0:.4f}  {p['diff']:+.4f} [{p['lo']:+.4f}, {p['hi']:+.4f}]")
    write_result('refactor_check', result, profile=PROFILE)


if __name__ == '__main__':
    main()
