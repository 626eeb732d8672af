"""Occupancy for the data cache (01b): igl's fast-winding-number signed distance (what `lost_nb.data.occupancy` uses
for closed meshes) against embree ray-parity `contains` plus igl's unsigned distance, on N procedural shapes with
16k uniform and 16k near-surface queries each: seconds for each and how many inside/outside answers disagree.

    python bench/occupancy_methods.py 30
"""
import sys, time, numpy as np, igl
from lost_nb.shapes import procedural_items, make_item, normalize_mesh
from lost_nb.data import occupancy
n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
dis = tot = 0; ta = tb = 0.0
for it in procedural_items(2000)[200:200 + n]:
    m = normalize_mesh(make_item(it)[0]); g = np.random.default_rng(0)
    P = np.concatenate([g.uniform(-1, 1, (16384, 3)), m.sample(16384) + g.normal(size=(16384, 3)) * 0.01])
    t = time.time(); a = occupancy(m, P, 128, 'winding')[0]; ta += time.time() - t
    t = time.time(); b = m.contains(P)
    igl.signed_distance(P, m.vertices, m.faces.astype(np.int64), sign_type=igl.SIGNED_DISTANCE_TYPE_UNSIGNED); tb += time.time() - t
    dis += int((a != b).sum()); tot += len(P)
print(f"{n} shapes: winding {ta / n:.3f} s/shape, embree contains + unsigned {tb / n:.3f} s/shape ({ta / tb:.1f}x); "
      f"disagree on {dis} of {tot} queries ({100 * dis / tot:.2f}%)")
