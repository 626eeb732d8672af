"""Do two runs of the pipeline agree? Compares every CSV and JSON under two figures folders (say the committed
figures/ and those of `make demo` in a fresh clone, or a run before and after a refactor): for each file present in
both, whether it is identical, else the largest absolute difference of each numeric column and the number of rows
that differ; then the headline metrics side by side. Run-time columns (seconds, timings) are reported apart, since
they move with the machine's load. Writes nothing unless --out is given (a JSON of the same).

    python bench/compare_figures.py BEFORE_DIR AFTER_DIR
    python bench/compare_figures.py figures /tmp/clone/figures --out /tmp/compare.json
"""
import argparse
import csv
import json
import math
from pathlib import Path

HEADLINE = {   # file: (group columns, metric columns)
    'table1_summary.csv': (('source', 'method', 'seed', 'k'), ('iou', 'teacher_sim')),
    'table3_retrieval.csv': (('pool', 'features'), ('recall@3', 'mAP@3')),
    'baselines_lod.csv': (('method', 'source', 'level'), ('iou', 'teacher_sim')),
    'token_ratios.csv': (('source', 'coder', 'baseline', 'level', 'metric'), ('ratio',)),
    'table2_summary.csv': (('condition', 'method'), ('teacher_sim', 'category_correct', 'kid')),
}


def is_time(col: str) -> bool:
    "A column holding a run time (it moves with the machine's load)."
    c = col.lower()
    return 'second' in c or 'time' in c or 'wall' in c or c.endswith('_s')


def number(v):
    "v as a float, or None when it is not a number."
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x


def flatten(obj, prefix=''):
    "{dotted key: leaf} of a JSON value."
    if isinstance(obj, dict):
        return {k2: v2 for k, v in obj.items() for k2, v2 in flatten(v, f'{prefix}{k}.').items()}
    if isinstance(obj, list):
        return {k2: v2 for i, v in enumerate(obj) for k2, v2 in flatten(v, f'{prefix}{i}.').items()}
    return {prefix.rstrip('.'): obj}


def read(path: Path) -> dict:
    "{(row, column): value} of a CSV (row = its index) or a JSON (row 0, column = dotted key)."
    if path.suffix == '.json':
        return {(0, k): v for k, v in flatten(json.loads(path.read_text())).items()}
    with open(path, newline='') as fh:
        return {(i, k): v for i, r in enumerate(csv.DictReader(fh)) for k, v in r.items()}


def compare(a: dict, b: dict) -> dict:
    "Per column: largest absolute difference (numbers), cells that differ, cells only on one side."
    cols = {}
    for key in set(a) | set(b):
        col = key[1]
        c = cols.setdefault(col, dict(max_abs=0.0, differ=0, missing=0, time=is_time(col)))
        if key not in a or key not in b:
            c['missing'] += 1
            continue
        x, y = number(a[key]), number(b[key])
        if x is not None and y is not None:
            if math.isnan(x) and math.isnan(y):
                continue
            d = abs(x - y) if not (math.isnan(x) or math.isnan(y)) else math.inf
            if d > 0:
                c['differ'] += 1
                c['max_abs'] = max(c['max_abs'], d)
        elif a[key] != b[key]:
            c['differ'] += 1
            c['max_abs'] = math.inf
    return {k: v for k, v in cols.items() if v['differ'] or v['missing']}


def headline(before: Path, after: Path) -> list:
    "Rows (file, group, metric, before, after, after - before) of the headline tables present in both."
    out = []
    for name, (by, metrics) in HEADLINE.items():
        if not ((before / name).exists() and (after / name).exists()):
            continue
        rows = {}
        for side, d in (('before', before), ('after', after)):
            with open(d / name, newline='') as fh:
                for r in csv.DictReader(fh):
                    if all(b_ in r for b_ in by):
                        rows.setdefault(tuple(r[b_] for b_ in by), {})[side] = r
        for g, sides in rows.items():
            for m in metrics:
                x, y = (number(sides.get(s, {}).get(m)) for s in ('before', 'after'))
                if x is not None and y is not None:
                    out.append(dict(file=name, group='/'.join(g), metric=m, before=x, after=y, diff=y - x))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('before', type=Path)
    ap.add_argument('after', type=Path)
    ap.add_argument('--out', type=Path, default=None, help='JSON of the comparison (default: none)')
    a = ap.parse_args()
    files = sorted({p.relative_to(a.before) for p in a.before.rglob('*') if p.suffix in ('.csv', '.json')}
                   | {p.relative_to(a.after) for p in a.after.rglob('*') if p.suffix in ('.csv', '.json')})
    report = dict(before=str(a.before), after=str(a.after), files={})
    for f in files:
        pa, pb = a.before / f, a.after / f
        if not (pa.exists() and pb.exists()):
            report['files'][str(f)] = 'only before' if pa.exists() else 'only after'
        elif pa.read_bytes() == pb.read_bytes():
            report['files'][str(f)] = 'identical'
        else:
            report['files'][str(f)] = compare(read(pa), read(pb))
    report['headline'] = headline(a.before, a.after)
    for f, r in report['files'].items():
        if isinstance(r, str):
            print(f'{f:45s} {r}')
            continue
        vals = [c for c in r.values() if not c['time']]
        if not vals:
            print(f'{f:45s} equal but for run times')
            continue
        worst = max(vals, key=lambda c: c['max_abs'])
        col = next(k for k, c in r.items() if c is worst)
        print(f"{f:45s} {sum(c['differ'] for c in vals)} cells differ in {len(vals)} columns; "
              f"largest |diff| {worst['max_abs']:.4g} ({col})")
    print('\nheadline metrics (before -> after):')
    for h in report['headline']:
        print(f"  {h['file']:20s} {h['group']:40s} {h['metric']:18s} {h['before']:.4f} -> {h['after']:.4f} "
              f"({h['diff']:+.4f})")
    if a.out:
        a.out.write_text(json.dumps(report, indent=1, default=str))


if __name__ == '__main__':
    main()
