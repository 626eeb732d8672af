"""Which occupancy test for the data cache (01b): how fast is each, and how often do they disagree?

igl's fast-winding-number signed distance (what `lost_nb.data.occupancy` uses for closed meshes) against
embree ray-parity `contains` plus igl's unsigned distance, on N procedural shapes with a profile's
`data.n_uniform` uniform and `data.n_near` near-surface queries each (its first near-surface sigma): seconds
for each, their ratio timed in the same run, and how many inside/outside answers disagree. The shapes are
procedural items 200 to 200 + N, generated on the spot (no cache needed). Results:
figures/bench/occupancy_methods.json (other profiles: <runs>/figures-<profile>/bench/), keys
`seconds_per_shape` (by method), `ratio_winding_over_embree`, `disagree`, `queries` and `disagree_percent`.

    python bench/occupancy_methods.py 30
    python bench/occupancy_methods.py 2 --profile smoke
"""
import argparse, time
import numpy as np
import igl
from lost_nb.core import PROFILES, get_profile
from lost_nb.shapes import procedural_items, make_item, normalize_mesh
from lost_nb.data import occupancy
from _record import write_result

FIRST = 200   # the first procedural item timed


def queries(mesh, n_uniform:int, n_near:int, sigma:float)->np.ndarray:
    "Uniform points in the box and points near the surface of `mesh` (seeded)."
    g = np.random.default_rng(0)
    uniform = g.uniform(-1, 1, (n_uniform, 3))
    return np.concatenate([uniform, mesh.sample(n_near) + g.normal(size=(n_near, 3)) * sigma])


def cli()->argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('n', type=int, nargs='?', default=30, metavar='N', help='procedural shapes timed')
    ap.add_argument('--profile', default='cpu', choices=list(PROFILES),
                    help="the profile whose `data` section sets the queries")
    return ap


def main():
    a = cli().parse_args()
    profile, n = a.profile, a.n
    dc = get_profile(profile, 'data')
    dis = tot = 0
    ta = tb = 0.0
    for it in procedural_items(FIRST + n)[FIRST:]:
        m = normalize_mesh(make_item(it)[0])
        P = queries(m, dc['n_uniform'], dc['n_near'], dc['near_sigmas'][0])
        t = time.perf_counter()
        a = occupancy(m, P, dc['grid_res'], 'winding')[0]
        ta += time.perf_counter() - t
        t = time.perf_counter()
        b = m.contains(P)
        igl.signed_distance(P, m.vertices, m.faces.astype(np.int64),
                            sign_type=igl.SIGNED_DISTANCE_TYPE_UNSIGNED)
        tb += time.perf_counter() - t
        dis += int((a != b).sum())
        tot += len(P)
    print(f"{n} shapes: winding {ta / n:.3f} s/shape, embree contains + unsigned {tb / n:.3f} s/shape "
          f"({ta / tb:.1f}x); disagree on {dis} of {tot} queries ({100 * dis / tot:.2f}%)")
    write_result('occupancy_methods', dict(
        n_shapes=n, seconds_per_shape={'winding': ta / n, 'embree contains + unsigned': tb / n},
        ratio_winding_over_embree=ta / tb, disagree=dis, queries=tot, disagree_percent=100 * dis / tot),
        profile=profile)


if __name__ == '__main__':
    main()
