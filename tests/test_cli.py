"""End to end through the installed `lost-nb` console script."""

import os, subprocess, sys
from pathlib import Path
import numpy as np
import trimesh

LOST_NB = Path(sys.executable).parent / 'lost-nb'


def _folder(d: Path):
    trimesh.creation.box().export(d / 'box.obj')
    trimesh.creation.icosphere(2).export(d / 'sphere.ply')
    m = trimesh.creation.box()
    m.update_faces(np.arange(len(m.faces)) != 0)
    m.export(d / 'open_box.stl')  # one face missing
    (d / 'empty.obj').write_bytes(b'')
    (d / 'nan.obj').write_text('v 0 0 0\nv 1 0 0\nv nan 1 0\nf 1 2 3\n')
    (d / 'letter.obj').write_text('Dear reader, this is not a mesh.\n')
    (d / 'flat.ply').write_text(
        'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n'
        'property float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n'
    )
    (d / 'labels.csv').write_text('file,label\nbox.obj,box\nsphere.ply,ball\n')


def test_data_folder_skips_bad_files(tmp_path):
    src = tmp_path / 'meshes'
    src.mkdir()
    _folder(src)
    env = {**os.environ, 'LOST_NB_DATA': str(tmp_path / 'data'), 'LOST_NB_QUIET': '1'}
    r = subprocess.run(
        [
            str(LOST_NB),
            'data',
            'folder',
            str(src),
            '--labels',
            str(src / 'labels.csv'),
            '--profile',
            'smoke',
            '--workers',
            '1',
            '--name',
            'mine',
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for name, reason in [
        ('empty.obj', 'empty file'),
        ('nan.obj', 'non-finite vertex'),
        ('letter.obj', 'no geometry parsed'),
        ('flat.ply', 'no'),
    ]:
        line = [l for l in out.splitlines() if l.startswith('skipped') and name in l]
        assert len(line) == 1 and reason in line[0], (name, out)
    assert 'mine: 3 shapes processed (3 new, 0 from the cache), 4 skipped' in out, out
    import json

    idx = json.loads(next((tmp_path / 'data' / 'cache').glob('mine-*/index.json')).read_text())
    cats = {Path(r['path']).name: (r['category'], r['method']) for r in idx['shapes']}
    assert cats['box.obj'] == ('box', 'winding') and cats['sphere.ply'] == ('ball', 'winding')
    assert cats['open_box.stl'][1] == 'flood'  # not a closed volume: the flood-filled grid decides
    assert idx['last_build']['skipped'] == 4


def test_bad_profile_stops_before_work(tmp_path):
    r = subprocess.run(
        [str(LOST_NB), 'data', 'procedural', '--profile', 'nope'],
        capture_output=True,
        text=True,
        env={**os.environ, 'LOST_NB_DATA': str(tmp_path)},
    )
    assert r.returncode == 2 and '--profile' in r.stderr
    assert not any(tmp_path.iterdir())


ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess:
    "`lost-nb *args` from the repository root (where the smoke runs are), quietly; output captured."
    return subprocess.run(
        [str(LOST_NB), *args], capture_output=True, text=True, cwd=ROOT, env={**os.environ, 'LOST_NB_QUIET': '1'}
    )


def test_generate_writes_glbs_for_each_mode(tmp_path):
    "`lost-nb generate` by class, by picture and unconditionally, on the smoke runs of nbdev_test."
    import json, pytest
    from PIL import Image

    gpt_dir = ROOT / 'runs' / 'gpt-smoke'
    if not (gpt_dir / 'gpt.safetensors').exists():
        pytest.skip('needs the smoke runs of nbdev_test (06_lost_gpt)')
    cls = json.loads((gpt_dir / 'train_record.json').read_text())['classes'][0].split(':', 1)[1]
    Image.fromarray(np.full((64, 64), 128, np.uint8)).save(tmp_path / 'view.png')
    for mode in (
        ['--category', cls],
        ['--image', str(tmp_path / 'view.png')],
        ['--unconditional', '--adaptive'],
    ):
        out = tmp_path / mode[0].strip('-')
        r = _cli(
            'generate',
            *mode,
            '--n',
            '2',
            '--out',
            str(out),
            '--profile',
            'smoke',
            '--head-steps',
            '2',
            '--steps',
            '2',
            '--res',
            '17',
        )
        # a smoke model may decode nothing: then exit 3 and one warning per empty sample, never a score
        assert r.returncode in (0, 3) and 'generated 2 shapes' in r.stdout, r.stderr[-2000:]
        man = json.loads((out / 'manifest.json').read_text())
        empty = [f"sample {i}" for i in range(2) if not len(trimesh.load(out / f'sample_{i:03d}.glb', force='mesh').faces)]
        assert [f"sample {i}" for i in range(2) if man['files'][f'sample_{i:03d}.glb']['empty']] == empty
        assert (r.returncode == 3) == bool(empty) and all(f"warning: {e}:" in r.stderr for e in empty), r.stderr
        assert sorted(p.name for p in out.iterdir()) == sorted([*man['files'], 'manifest.json'])
        assert (out / 'preview.png').stat().st_size > 0
    r = subprocess.run(
        [
            str(LOST_NB),
            'generate',
            '--category',
            'zeppelin',
            '--out',
            str(tmp_path / 'z'),
            '--profile',
            'smoke',
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (
        r.returncode == 1
        and "'zeppelin' is not a class" in r.stderr
        and len(r.stderr.strip().splitlines()) == 1
    )


def test_tokenize_writes_preview_and_scores(tmp_path):
    "`lost-nb tokenize` on the smoke runs: a preview with the input and one column per prefix, a score line each."
    import pytest
    from PIL import Image

    if not (ROOT / 'runs' / 'tokenizer-smoke' / 'tokenizer.safetensors').exists():
        pytest.skip('needs the smoke runs of nbdev_test (03_train_tokenizer)')
    m = trimesh.creation.box(extents=(1.0, 0.4, 0.7))
    m.export(tmp_path / 'box.obj')
    r = _cli(
        'tokenize',
        str(tmp_path / 'box.obj'),
        '--prefix',
        '1,4',
        '--out',
        str(tmp_path / 'o'),
        '--profile',
        'smoke',
        '--steps',
        '2',
        '--res',
        '33',
    )
    assert r.returncode in (0, 3) and 'Traceback' not in r.stderr, r.stderr[-2000:]  # 3: an empty decode, warned
    assert 'VAE round trip, plain encoder' in r.stdout and 'VAE round trip, refined 30 steps' in r.stdout
    lines = [l for l in r.stdout.splitlines() if 'against the input' in l]
    assert (
        len(lines) == 2
        and lines[0].strip().startswith('1 token')
        and 'volume IoU' in lines[0]
        and 'Chamfer-L1' in lines[0]
    )
    im = np.asarray(Image.open(tmp_path / 'o' / 'preview.png').convert('L'))
    assert im.shape[0] >= 3 * 160 and im.shape[1] >= 3 * 160, im.shape  # 3 views; the input and 2 prefixes
    first = im[:, : im.shape[1] // 3]
    assert ((first > 20) & (first < 235)).mean() > 0.02  # the input is drawn
