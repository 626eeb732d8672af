"""Probes of an adversarial user, each a test: bad meshes, corrupt, wrong-kind and stale checkpoints, cache
collisions, the index merged under concurrent builds, kill -9 during training then resume, unknown notebook
parameters, Sweet Home 3D without apt, and one line (never a traceback) for every input error.

Tests that need the smoke pipeline's checkpoints (`runs/*-smoke`, made by `nbdev_test`, which `make test` runs
first) skip when those are missing."""

import functools, http.server, json, os, shutil, signal, subprocess, sys, threading, time, textwrap
from pathlib import Path
import numpy as np
import pytest
import torch
import trimesh

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOST_NB, PAPERMILL = BIN / 'lost-nb', BIN / 'papermill'
RUNS = ROOT / 'runs'
SMOKE = RUNS / 'vae-smoke' / 'vae.safetensors', RUNS / 'tokenizer-smoke' / 'tokenizer.safetensors'
needs_smoke = pytest.mark.skipif(
    not all(p.exists() for p in SMOKE), reason='needs the smoke runs of nbdev_test'
)
DEBS = sorted((ROOT / 'data' / 'sh3d' / 'debs').glob('*.deb'))
needs_debs = pytest.mark.skipif(
    len(DEBS) < 2, reason='needs the Sweet Home 3D .deb files the smoke run downloads'
)


def env(**kw):
    return {
        **os.environ,
        'LOST_NB_QUIET': '1',
        'OMP_NUM_THREADS': '1',
        'HF_HUB_OFFLINE': '1',
        **{k: str(v) for k, v in kw.items()},
    }


def run(*args, **kw):
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=kw.pop('cwd', ROOT),
        env=env(**kw),
        timeout=600,
    )


def one_line_error(r, *expect, rc=1):
    "Exit status `rc` (1: an input error; 2: a bad argument), stderr a single line (no traceback) holding `expect`."
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert r.returncode == rc, (r.returncode, r.stdout[-800:], r.stderr[-2000:])
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr[-2000:]
    for e in expect:
        assert e in lines[0], (e, lines[0])
    return lines[0]


def ran(r, cmd: str):
    """Exit status 0, or 3 with one warning line per empty output and a closing count (a smoke model may decode
    nothing: that is reported, never scored)."""
    assert r.returncode in (0, 3) and 'Traceback' not in r.stderr, (r.returncode, r.stderr[-2000:])
    warns = [l for l in r.stderr.splitlines() if l.startswith(f'lost-nb {cmd}: warning: ')]
    assert (r.returncode == 3) == bool(warns), r.stderr[-2000:]
    return warns


# --- meshes and the data cache --------------------------------------------------------------------------------


def _meshes(d: Path):
    d.mkdir(parents=True, exist_ok=True)
    for name in ('椅子.obj', '桌子.obj', 'a b.obj', 'a-b.obj', 'sub/x.obj', 'sub-x.obj'):
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        trimesh.creation.box(extents=(1, 0.5 + 0.1 * len(name), 0.7)).export(d / name)
    (d / 'flat.obj').write_text('v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n')  # one degenerate triangle
    (d / 'cloud.ply').write_text(
        'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n'
        'property float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n'
    )  # a point cloud
    (d / 'model.fbx').write_bytes(b'Kaydara FBX Binary  \x00')
    return d


def test_cache_collisions_degenerate_and_unread_formats(tmp_path):
    src = _meshes(tmp_path / 'meshes')
    r = run(
        LOST_NB,
        'data',
        'folder',
        src,
        '--profile',
        'smoke',
        '--workers',
        '1',
        '--name',
        'mine',
        LOST_NB_DATA=tmp_path / 'data',
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'mine: 6 shapes processed (6 new, 0 from the cache), 3 skipped' in r.stdout, r.stdout
    for name, why in (
        ('flat.obj', 'zero surface area'),
        ('cloud.ply', 'no faces'),
        ('model.fbx', "unsupported format '.fbx'"),
    ):
        assert any(name in l and why in l for l in r.stdout.splitlines() if l.startswith('skipped')), (
            name,
            r.stdout,
        )
    cache = next((tmp_path / 'data' / 'cache').glob('mine-*'))
    index = json.loads((cache / 'index.json').read_text())['shapes']
    assert (
        len(index) == 6 and len({x['shape_id'] for x in index}) == 6 and len(list(cache.glob('*.npz'))) == 6
    )
    first = {x['path']: x['shape_id'] for x in index}
    arrays = [np.load(cache / x['file'])['surface'] for x in index]
    assert all(not np.array_equal(arrays[0], a) for a in arrays[1:])  # six distinct samples
    trimesh.creation.icosphere(2).export(src / 'a b.obj')  # an edited mesh
    r = run(
        LOST_NB,
        'data',
        'folder',
        src,
        '--profile',
        'smoke',
        '--workers',
        '1',
        '--name',
        'mine',
        LOST_NB_DATA=tmp_path / 'data',
    )
    assert '6 shapes processed (1 new, 5 from the cache)' in r.stdout, r.stdout
    sid = first[str(src / 'a b.obj')]
    assert len(np.load(cache / f'{sid}.npz')['faces']) == len(trimesh.creation.icosphere(2).faces)


def test_index_describes_one_request_and_bad_n(tmp_path):
    "A smaller --n, or another --seed, replaces the index (the samples stay cached); --add makes a union, stated."
    data = tmp_path / 'data'
    proc = lambda *a: run(LOST_NB, 'data', 'procedural', '--profile', 'smoke', *a, LOST_NB_DATA=data)
    assert proc('--n', '5').returncode == 0
    r = proc('--n', '2')
    assert '2 shapes processed (0 new, 2 from the cache)' in r.stdout, r.stdout
    index = lambda: json.loads(next((data / 'cache').glob('proc-*/index.json')).read_text())['shapes']
    assert [x['shape_id'] for x in index()] == ['proc-00000-chair', 'proc-00001-table']  # this request, not 5
    r = proc('--n', '2', '--seed', '1')
    assert '2 shapes processed (2 new, 0 from the cache)' in r.stdout, r.stdout  # other seed: new shapes
    assert all(x['shape_id'].startswith('proc-s1-') for x in index())  # ... and only them
    r = proc('--n', '2', '--add')
    assert len(index()) == 4 and 'the index holds 4 shapes from 2 builds (--add)' in r.stdout, r.stdout
    one_line_error(proc('--n', '-5'), '--n', 'must be at least 1', rc=2)


def test_deleted_mesh_leaves_the_index(tmp_path):
    d = tmp_path / 'meshes'
    d.mkdir()
    for i in range(3):
        trimesh.creation.box(extents=(1, 0.5 + 0.2 * i, 0.7)).export(d / f'b{i}.obj')
    folder = lambda: run(LOST_NB, 'data', 'folder', d, '--profile', 'smoke', '--name', 'mine', LOST_NB_DATA=tmp_path)
    assert folder().returncode == 0
    (d / 'b1.obj').unlink()
    assert folder().returncode == 0
    index = json.loads(next((tmp_path / 'cache').glob('mine-*/index.json')).read_text())['shapes']
    assert sorted(Path(x['path']).name for x in index) == ['b0.obj', 'b2.obj']


def test_concurrent_builds_end_with_one_request_or_the_union(tmp_path):
    "Two builds at once: the index is exactly one of the two requests, never a mix; with --add, their union."

    def both(data, *extra):
        ps = [
            subprocess.Popen(
                [str(LOST_NB), 'data', 'procedural', '--n', str(n), '--profile', 'smoke', '--workers', '1', *extra],
                env=env(LOST_NB_DATA=data),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for n in (6, 9)
        ]
        assert [p.wait(timeout=600) for p in ps] == [0, 0]
        index = json.loads(next((data / 'cache').glob('proc-*/index.json')).read_text())['shapes']
        return sorted(x['shape_id'][:10] for x in index)

    assert both(tmp_path / 'a') in ([f'proc-{i:05d}' for i in range(n)] for n in (6, 9))
    assert both(tmp_path / 'b', '--add') == [f'proc-{i:05d}' for i in range(9)]


def test_folder_errors_are_one_line(tmp_path):
    f = tmp_path / 'a.obj'
    trimesh.creation.box().export(f)
    one_line_error(
        run(LOST_NB, 'data', 'folder', f, '--profile', 'smoke', LOST_NB_DATA=tmp_path / 'd'),
        'is a file, not a folder',
    )
    one_line_error(
        run(LOST_NB, 'data', 'folder', tmp_path / 'nope', '--profile', 'smoke', LOST_NB_DATA=tmp_path / 'd'),
        'does not exist',
    )


# --- Sweet Home 3D without apt ----------------------------------------------------------------------------------


def _path_without_apt(tmp_path):
    "A PATH whose folders hold no apt-get (links to everything else the notebooks call)."
    bin_ = tmp_path / 'bin'
    bin_.mkdir()
    for d in os.environ['PATH'].split(os.pathsep):
        for exe in Path(d).glob('*') if Path(d).is_dir() else []:
            if exe.name != 'apt-get' and not (bin_ / exe.name).exists():
                try:
                    (bin_ / exe.name).symlink_to(exe)
                except OSError:
                    pass
    return str(bin_)


@needs_debs
def test_01b_without_apt_downloads_from_debians_pool(tmp_path):
    "No apt-get: the .deb files come from the pool by URL (a local mirror here), checked against Debian's hashes."
    pool = tmp_path / 'mirror'
    for d in DEBS:
        pkg = d.name.split('_')[0]
        dest = pool / 'pool' / 'main' / 's' / pkg / d.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(d, dest)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(pool))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        r = run(
            PAPERMILL,
            ROOT / 'nbs' / '01b_dataset.ipynb',
            tmp_path / 'out.ipynb',
            '-p',
            'profile',
            'smoke',
            '-p',
            'n_procedural',
            '3',
            '--cwd',
            ROOT / 'nbs',
            LOST_NB_DATA=tmp_path / 'data',
            PATH=_path_without_apt(tmp_path),
            LOST_NB_DEBIAN_MIRROR=f'http://127.0.0.1:{srv.server_address[1]}/',
            LOST_NB_RUNS=tmp_path / 'runs',
        )
    finally:
        srv.shutdown()
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / 'data' / 'sh3d' / 'debs').glob('*.deb')) == sorted(
        d.name for d in DEBS
    )
    assert list((tmp_path / 'data' / 'cache').glob('sh3d-*/index.json'))


def test_01b_without_apt_or_network_goes_on_without_sh3d(tmp_path):
    r = run(
        PAPERMILL,
        ROOT / 'nbs' / '01b_dataset.ipynb',
        tmp_path / 'out.ipynb',
        '-p',
        'profile',
        'smoke',
        '-p',
        'n_procedural',
        '3',
        '--cwd',
        ROOT / 'nbs',
        LOST_NB_DATA=tmp_path / 'data',
        PATH=_path_without_apt(tmp_path),
        LOST_NB_DEBIAN_MIRROR='http://127.0.0.1:9/',
        LOST_NB_RUNS=tmp_path / 'runs',
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads((tmp_path / 'out.ipynb').read_text())
    text = ''.join(
        o.get('text', '') if isinstance(o.get('text', ''), str) else ''.join(o['text'])
        for c in out['cells']
        for o in c.get('outputs', [])
    )
    assert 'Sweet Home 3D skipped' in text and 'lost-nb data sh3d --deb' in text, text[-2000:]
    assert list((tmp_path / 'data' / 'cache').glob('proc-*/index.json'))
    assert not list((tmp_path / 'data' / 'cache').glob('sh3d-*/index.json'))


@needs_debs
def test_sh3d_from_given_debs_then_offline(tmp_path):
    "After `lost-nb data sh3d --deb A B`, later builds find the unpacked libraries with no apt and no network."
    r = run(
        LOST_NB,
        'data',
        'sh3d',
        '--deb',
        *DEBS,
        '--n',
        '2',
        '--profile',
        'smoke',
        LOST_NB_DATA=tmp_path / 'data',
    )
    assert r.returncode == 0, r.stderr[-2000:]
    code = "from lost_nb.meshes import sh3d_items; print(len(sh3d_items(n=3)))"
    r = run(
        sys.executable,
        '-c',
        code,
        LOST_NB_DATA=tmp_path / 'data',
        PATH=_path_without_apt(tmp_path),
        LOST_NB_DEBIAN_MIRROR='http://127.0.0.1:9/',
    )
    assert r.returncode == 0 and r.stdout.strip() == '3', r.stderr[-2000:]


def test_sh3d_unavailable_is_one_line(tmp_path):
    r = run(
        LOST_NB,
        'data',
        'sh3d',
        '--profile',
        'smoke',
        LOST_NB_DATA=tmp_path / 'data',
        PATH=_path_without_apt(tmp_path),
        LOST_NB_DEBIAN_MIRROR='http://127.0.0.1:9/',
    )
    one_line_error(r, 'Sweet Home 3D', 'not available', 'lost-nb data sh3d --deb')


# --- checkpoints ------------------------------------------------------------------------------------------------


@needs_smoke
def test_wrong_kind_corrupt_and_scaleless_checkpoints(tmp_path):
    vae, tok = SMOKE
    one_line_error(
        run(
            LOST_NB,
            'vae',
            'roundtrip',
            ROOT / 'nbs' / '00_core.ipynb',
            '--ckpt',
            tok,
            '--out',
            tmp_path / 'o.glb',
        ),
        'holds a tokenizer model, not a vae',
    )
    bad = tmp_path / 'bad.safetensors'
    bad.write_bytes(vae.read_bytes()[:1000])
    mesh = tmp_path / 'box.obj'
    trimesh.creation.box().export(mesh)
    one_line_error(
        run(LOST_NB, 'vae', 'roundtrip', mesh, '--ckpt', bad, '--out', tmp_path / 'o.glb'),
        'unreadable or corrupt',
    )
    one_line_error(
        run(LOST_NB, 'tokenize', mesh, '--vae', tok, '--ckpt', tok, '--out', tmp_path / 't'), 'not a vae'
    )
    from lost_nb.core import load_checkpoint, save_checkpoint

    ck = load_checkpoint(vae)
    meta = {k: v for k, v in ck['meta'].items() if k != 'scale_factor'}
    noscale = tmp_path / 'noscale.safetensors'
    save_checkpoint(
        noscale, {m: ck[m] for m in ck['modules']}, ck['config'], kind='vae', inputs=ck['inputs'], **meta
    )
    one_line_error(
        run(LOST_NB, 'vae', 'roundtrip', mesh, '--ckpt', noscale, '--out', tmp_path / 'o.glb'),
        'no latent scale factor',
    )


@needs_smoke
def test_output_paths_are_checked_before_work(tmp_path):
    vae, tok = SMOKE
    mesh = tmp_path / 'box.obj'
    trimesh.creation.box().export(mesh)
    one_line_error(
        run(LOST_NB, 'vae', 'roundtrip', mesh, '--ckpt', vae, '--out', tmp_path / 'x.fbx'), '--out', '.fbx'
    )
    (tmp_path / 'taken').write_text('a file')
    one_line_error(
        run(LOST_NB, 'tokenize', mesh, '--vae', vae, '--ckpt', tok, '--out', tmp_path / 'taken'), 'is a file'
    )
    r = run(
        LOST_NB,
        'tokenize',
        mesh,
        '--profile',
        'smoke',
        '--out',
        tmp_path / 'tok',
        '--steps',
        '2',
        '--res',
        '24',
    )
    ran(r, 'tokenize')  # its default prefixes fit its K
    assert (tmp_path / 'tok' / 'preview.png').exists() and 'volume IoU' in r.stdout


def test_run_only_errors():
    one_line_error(run(LOST_NB, 'run', '--profile', 'smoke', '--only', '['), 'not a regular expression')
    one_line_error(run(LOST_NB, 'run', '--profile', 'smoke', '--only', 'zzz'), 'matches no notebook')


def test_a_papermill_run_leaves_the_package_alone(tmp_path):
    "A notebook run (a test's, or lost-nb run's) does not rewrite lost_nb/ under other processes importing it."
    before = {p: p.stat().st_mtime_ns for p in (ROOT / 'lost_nb').glob('*.py')}
    r = run(PAPERMILL, ROOT / 'nbs' / '00b_layers.ipynb', tmp_path / 'o.ipynb', '-p', 'profile', 'smoke', '--cwd', ROOT / 'nbs')
    assert r.returncode == 0, r.stderr[-2000:]
    assert {p: p.stat().st_mtime_ns for p in (ROOT / 'lost_nb').glob('*.py')} == before


def test_unknown_notebook_parameter_stops_before_work(tmp_path):
    r = run(
        PAPERMILL,
        ROOT / 'nbs' / '00b_layers.ipynb',
        tmp_path / 'o.ipynb',
        '-p',
        'profil',
        'cpu',
        '--cwd',
        ROOT / 'nbs',
    )
    assert r.returncode != 0 and "unknown parameter 'profil'" in r.stderr, r.stderr[-2000:]


@needs_smoke
def test_retrained_vae_makes_rida_and_tokenizer_stale_only_if_its_inputs_changed(tmp_path):
    """`papermill 02 -p resume False` (the same seed) retrains the VAE into a file of other bytes (timings, write id),
    and 03 goes on with its tokenizers untouched; after `-p seed 1 -p resume False`, 02b and 03 stop with one line
    naming the stale checkpoint."""
    runs = tmp_path / 'runs'
    shutil.copytree(RUNS, runs, ignore=shutil.ignore_patterns('notebooks-*', 'figures-*'))
    nb = lambda name, *p: run(
        PAPERMILL,
        ROOT / 'nbs' / name,
        tmp_path / name,
        '-p',
        'profile',
        'smoke',
        *p,
        '--cwd',
        ROOT / 'nbs',
        LOST_NB_RUNS=runs,
        LOST_NB_FIGURES=tmp_path / 'figures',
    )
    vae_before = (runs / 'vae-smoke' / 'vae.safetensors').read_bytes()
    r = nb('02_triplane_vae.ipynb', '-p', 'resume', 'False')
    assert r.returncode == 0, r.stderr[-3000:]
    assert (runs / 'vae-smoke' / 'vae.safetensors').read_bytes() != vae_before  # another file ...
    toks = {p: p.read_bytes() for p in runs.glob('tokenizer-*/tokenizer.safetensors')}
    r = nb('03_train_tokenizer.ipynb')
    assert r.returncode == 0, r.stderr[-3000:]  # ... from the same inputs: not stale
    assert all(p.read_bytes() == b for p, b in toks.items())  # nothing retrained
    r = nb('02_triplane_vae.ipynb', '-p', 'seed', '1', '-p', 'resume', 'False')
    assert r.returncode == 0, r.stderr[-3000:]
    for name, stale in (
        ('02b_rida.ipynb', 'rida.last.safetensors'),
        ('03_train_tokenizer.ipynb', 'tokenizer.safetensors'),
    ):
        before = {p: p.read_bytes() for p in runs.rglob('*.safetensors') if 'vae-' not in str(p)}
        r = nb(name)
        assert (
            r.returncode != 0 and 'CheckpointError' in r.stderr and 'stale' in r.stderr and stale in r.stderr
        ), r.stderr[-3000:]
        assert all(p.read_bytes() == b for p, b in before.items())  # nothing overwritten
    vae_seed1 = runs / 'vae-smoke' / 'vae.safetensors'
    mesh = tmp_path / 'box.obj'
    trimesh.creation.box().export(mesh)
    one_line_error(
        run(LOST_NB, 'tokenize', mesh, '--vae', vae_seed1, '--ckpt', SMOKE[1], '--out', tmp_path / 't'),
        'stale',
        'vae:',
    )


# --- kill -9 and resume -----------------------------------------------------------------------------------------

TRAIN = {
    'vae': """
        from lost_nb.core import get_profile
        from lost_nb.vae import VAEConfig, train_vae
        g = torch.Generator().manual_seed(0)
        data = dict(surface=torch.rand(6, 1024, 3, generator=g) * 2 - 1, normals=torch.randn(6, 1024, 3, generator=g),
                    queries=torch.rand(6, 2048, 3, generator=g) * 2 - 1, sdf=torch.randn(6, 2048, generator=g) * 0.1,
                    ids=list('abcdef'), source=['x'] * 6, n_uniform=1024)
        sec = get_profile('smoke', 'vae')
        train = {**sec['train'], 'steps': 60, 'ckpt_every': 10, 'ema_decay': 0.9}
        m, _ = train_vae(data, VAEConfig.from_profile(sec['model']), train, CKPT, log_every=10**9)
    """,
    'tokenizer': """
        from lost_nb.tokenizer import LoSTConfig, train_tokenizer
        cfg = LoSTConfig(C=4, r=8, patch=2, width=32, depth=1, heads=4, K=8, d=8, dec_width=32, dec_depth=1, dec_heads=4)
        z = torch.randn(24, 4, 8, 24, generator=torch.Generator().manual_seed(0))
        m = train_tokenizer(z, cfg, steps=60, batch_size=4, lr=1e-3, extractor_path=None, ckpt=CKPT, save_every=10,
                            pca_init=True, device=torch.device('cpu'))[0]
    """,
}


@pytest.mark.parametrize('loop', sorted(TRAIN))
def test_kill_during_training_then_resume_equals_uninterrupted(loop, tmp_path):
    def script(ckpt, out):
        s = tmp_path / f'{ckpt.stem}.py'
        s.write_text(
            f"import torch\ntorch.set_num_threads(1)\nCKPT = {str(ckpt)!r}\n"
            + textwrap.dedent(TRAIN[loop])
            + f"\ntorch.save({{k: v.clone() for k, v in m.state_dict().items()}}, {str(out)!r})\n"
        )
        return s

    once, killed = tmp_path / 'once.safetensors', tmp_path / 'killed.safetensors'
    assert run(sys.executable, script(once, tmp_path / 'once.pt')).returncode == 0
    p = subprocess.Popen([sys.executable, str(script(killed, tmp_path / 'killed.pt'))], env=env())
    t0 = time.time()
    while not killed.exists() and p.poll() is None and time.time() - t0 < 300:
        time.sleep(0.05)
    assert p.poll() is None, 'the run finished before it could be killed'
    os.kill(p.pid, signal.SIGKILL)  # kill -9 after its first checkpoint
    p.wait()
    from lost_nb.core import load_checkpoint

    assert load_checkpoint(killed)['meta']['step'] < 60
    r = run(sys.executable, script(killed, tmp_path / 'killed.pt'))  # the same command again: resumes
    assert r.returncode == 0, r.stderr[-2000:]
    a, b = torch.load(tmp_path / 'once.pt'), torch.load(tmp_path / 'killed.pt')
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), 'resumed weights differ'


def test_two_shards_build_the_same_index(tmp_path):
    "`lost-nb data --shard 0/2` and `--shard 1/2` give the index one build gives."
    rows = {}
    for name, shards in (('one', [None]), ('two', ['0/2', '1/2'])):
        data = tmp_path / name
        for s in shards:
            r = run(
                LOST_NB,
                'data',
                'procedural',
                '--n',
                '6',
                '--profile',
                'smoke',
                '--workers',
                '1',
                *(['--shard', s] if s else []),
                LOST_NB_DATA=data,
            )
            assert r.returncode == 0, r.stderr[-2000:]
        rows[name] = json.loads(next((data / 'cache').glob('proc-*/index.json')).read_text())['shapes']
    assert len(rows['one']) == 6 and rows['one'] == rows['two']
    one_line_error(
        run(
            LOST_NB,
            'data',
            'procedural',
            '--n',
            '6',
            '--profile',
            'smoke',
            '--shard',
            '2/2',
            LOST_NB_DATA=tmp_path / 'x',
        ),
        '--shard',
    )
