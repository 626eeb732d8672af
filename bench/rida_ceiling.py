"""How much of the teacher's neighbour structure survives in a triplane latent?

Each pool's latents are decoded by the profile's VAE (marching cubes at RES), the decodes rendered from the
teacher's 4 orthogonal views, and the teacher's global features of those renders scored against the teacher's
features of the true shapes' renders: mAP@3 of the teacher's own neighbours, as in
`figures/table3_retrieval.csv`. The pools are validation splits: procedural (in distribution) and Sweet Home
3D (out of distribution: RIDA never trains on it); no shape of the test split (what the notebooks report on)
is scored here. A decode is a function of the latent alone, so this is a reference for what an extractor
working from latents can see (not a strict bound: a trained extractor may infer what the decode loses). With
`--gt`, the true shapes' own occupancy is meshed the same way instead (marching cubes of the inside/outside
grid at RES, no VAE): how far the teacher's neighbours move under that discretisation alone; those grids are
cached beside the shapes (`bench-inside-RES.npz`), so a second run only renders. Needs the profile's runs of
02 (VAE) and 02a (teacher). Results: figures/bench/rida_ceiling-decodes-RES[-SOURCE].json or
rida_ceiling-gt-RES[-SOURCE].json (other profiles: <runs>/figures-<profile>/bench/), keyed by pool: `n`,
`mAP@3`, `recall@3`, `cat_prec@3`, `raw_mAP@3`, `cosine_to_true`, `pairwise_pearson`, `seconds`.

    python bench/rida_ceiling.py [RES] [--gt] [--source proc|sh3d] [--profile cpu]   # RES: 64
    python bench/rida_ceiling.py 64 --gt --source sh3d
    python bench/rida_ceiling.py 32 --profile smoke
"""
import argparse, time
import numpy as np
import torch.nn.functional as F
import trimesh
from lost_nb.core import PROFILES, get_profile, run_dir, progress, atomic_write
from lost_nb.data import render_views, ORTHO_VIEWS, load_shape, occupancy, cache_dir
from lost_nb.teacher import active_teacher, shape_features
from lost_nb.vae import load_vae, extract_mesh, volume_mesh, scale_factor_of
import lost_nb.rida as R
from _record import write_result

POOLS = {'proc': 'in distribution (procedural, validation split)',
         'sh3d': 'out of distribution (Sweet Home 3D, validation split)'}


def inside_grids(src:str, dcfg:dict, ids:list, grid:np.ndarray, res:int)->dict:
    "Each shape's inside/outside on `grid` (res^3 bools), cached in the source's cache folder."
    path = cache_dir(src, dcfg) / f'bench-inside-{res}.npz'
    have = dict(np.load(path)) if path.exists() else {}
    todo = [i for i in ids if i not in have]
    for sid in progress(todo, f'inside grids {src}'):
        s = load_shape(src, dcfg, sid)
        mesh = trimesh.Trimesh(s['vertices'], s['faces'], process=False)
        have[sid] = np.packbits(occupancy(mesh, grid)[0].astype(bool))

    def save(t):
        with open(t, 'wb') as f:
            np.savez_compressed(f, **have)

    if todo:
        atomic_write(path, save)
    return {i: np.unpackbits(have[i])[:res ** 3].astype(bool).reshape(res, res, res) for i in ids}


def true_mesh(inside:np.ndarray)->trimesh.Trimesh:
    "A shape's inside/outside grid meshed as `extract_mesh` meshes a decode (level 0.5)."
    return volume_mesh(inside.astype(np.float32), 0.5)


def renders(m:trimesh.Trimesh, res:int)->np.ndarray:
    "The 4 orthogonal renders of `m` (blank for an empty mesh)."
    if len(m.faces):
        return render_views(m, np.array(ORTHO_VIEWS), res)
    return np.full((len(ORTHO_VIEWS), res, res), 255, np.uint8)


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('res', type=int, nargs='?', default=64, metavar='RES',
                    help='marching-cubes grid resolution')
    ap.add_argument('--gt', action='store_true',
                    help="mesh the true shapes' occupancy at RES instead of the VAE's decodes")
    ap.add_argument('--source', action='append', choices=list(POOLS),
                    help='score only this pool (repeat for both; None: both)')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help='the profile whose VAE and teacher runs are used')
    return ap


def main():
    a = cli().parse_args()
    profile, res, gt, only = a.profile, a.res, a.gt, a.source or []
    dcfg, rcfg = get_profile(profile, 'data'), get_profile(profile, 'rida')
    ckpt = run_dir('vae', profile) / 'vae.safetensors'
    teacher, tid = active_teacher(profile)
    ed = R.extractor_data(dcfg, rcfg, ckpt, teacher, tid)
    vae, scale = load_vae(ckpt)[0], scale_factor_of(ckpt)
    cats = ed['cats']
    u = np.linspace(-1, 1, res, dtype=np.float32)
    grid = np.stack(np.meshgrid(u, u, u, indexing='ij'), -1).reshape(-1, 3)   # (res^3, 3): extract_mesh's
    what = 'true occupancy meshed' if gt else 'decodes'
    out = {}
    for src in (only or list(POOLS)):
        pool, d = POOLS[src], R.subset(ed['data'][src], ed['split'], ('val',))
        if len(d['ids']) < 2:
            print(f"{pool}: {len(d['ids'])} shapes, too few to retrieve from; skipped")
            continue
        t0 = time.time()
        inside = inside_grids(src, dcfg, d['ids'], grid, res) if gt else None
        meshes = (true_mesh(inside[sid]) if gt else extract_mesh(vae, z / scale, res)
                  for sid, z in zip(d['ids'], d['z']))
        ims = [renders(m, dcfg['render_res']) for m in meshes]
        g, _ = shape_features(teacher, np.stack(ims))
        cs = [cats[i] for i in d['ids']]
        m3 = R.retrieval_metrics(g, d['zt'], cs, 3)
        raw = R.retrieval_metrics(d['z'].flatten(1), d['zt'], cs, 3)['mAP@3']
        cos = (F.normalize(g, dim=-1) * F.normalize(d['zt'], dim=-1)).sum(-1).mean().item()
        r = out[pool] = {'n': len(d['ids']), 'mAP@3': m3['mAP@3'], 'recall@3': m3['recall@3'],
                         'cat_prec@3': m3['cat_prec@3'], 'raw_mAP@3': raw, 'cosine_to_true': cos,
                         'pairwise_pearson': R.pairwise_pearson(g, d['zt']), 'seconds': time.time() - t0}
        print(f"{pool}, n={r['n']}: teacher on {what} at {res}: mAP@3 {r['mAP@3']:.3f} "
              f"(recall@3 {r['recall@3']:.3f}, cat_prec@3 {r['cat_prec@3']:.3f}); raw latent {raw:.3f}; "
              f"cosine to the true shape's features {cos:.3f}; pairwise Pearson {r['pairwise_pearson']:.3f}; "
              f"{r['seconds']:.0f}s", flush=True)
    tag = '-'.join(['gt' if gt else 'decodes', str(res), *only])
    write_result('rida_ceiling', dict(res=res, mode=what, teacher=tid, **out), profile=profile, tag=tag)


if __name__ == '__main__':
    main()
