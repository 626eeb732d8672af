"""The defects a new user found by probing the command line at the smoke profile, each a test that failed before its
fix: output folders that mixed two runs, a full disk reported as skipped meshes, empty outputs reported as scores,
orphaned workers after `kill -9`, tracebacks for bad numbers, a NaN checkpoint encoding silently, names escaping the
data folder, a mesh given to `vae decode`, Z-up collections lying on their side, a preview without its condition,
a silent 137 MB download.

Tests that need the smoke pipeline's checkpoints (made by `nbdev_test`, which `make test` runs first) skip without
them."""

import functools, http.server, json, os, resource, signal, subprocess, sys, threading, time
from pathlib import Path
import numpy as np
import pytest
import torch
import trimesh
from test_reliability import LOST_NB, ROOT, SMOKE, env, needs_smoke, one_line_error, ran, run

GPT = ROOT / 'runs' / 'gpt-smoke' / 'gpt.safetensors'


def _box(path: Path, extents=(1.0, 0.6, 0.8)) -> Path:
    trimesh.creation.box(extents=extents).export(path)
    return path


def _tokenize(mesh, out, *extra, prefix='1,2'):
    return run(LOST_NB, 'tokenize', mesh, '--profile', 'smoke', '--prefix', prefix, '--out', out, '--steps', '2',
               '--res', '17', '--refine-steps', '2', *extra)


# --- an output folder belongs to one run --------------------------------------------------------------------------


@needs_smoke
def test_out_folder_is_owned_by_one_run(tmp_path):
    mesh, out = _box(tmp_path / 'box.obj'), tmp_path / 'tok'
    ran(_tokenize(mesh, out, prefix='1,2,4'), 'tokenize')
    first = sorted(p.name for p in out.iterdir())
    one_line_error(_tokenize(mesh, out), 'already holds files', '--overwrite')  # refused, untouched
    assert sorted(p.name for p in out.iterdir()) == first
    ran(_tokenize(mesh, out, '--overwrite', prefix='1'), 'tokenize')  # replaced whole: no prefix_002/004 left over
    man = json.loads((out / 'manifest.json').read_text())
    assert sorted(p.name for p in out.iterdir()) == sorted([*man['files'], 'manifest.json'])
    assert sorted(man['files']) == ['prefix_001.glb', 'preview.png', 'tokens.safetensors']
    assert man['inputs']['mesh']['path'] == str(mesh) and man['settings']['prefixes'] == [1]


@needs_smoke
def test_two_runs_at_once_never_mix(tmp_path):
    "Two `tokenize --overwrite` of different meshes into one folder at once: the folder is one run's, whole."
    out = tmp_path / 'tok'
    meshes = [_box(tmp_path / 'a.obj', (1, 0.3, 0.3)), _box(tmp_path / 'b.obj', (0.3, 1, 0.3))]
    args = lambda m: [str(LOST_NB), 'tokenize', str(m), '--profile', 'smoke', '--prefix', '1,2', '--out', str(out),
                      '--steps', '2', '--res', '17', '--refine-steps', '2', '--overwrite']
    ps = [subprocess.Popen(args(m), env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for m in meshes]
    assert all(p.wait(timeout=600) in (0, 3) for p in ps)
    man = json.loads((out / 'manifest.json').read_text())
    assert sorted(p.name for p in out.iterdir()) == sorted([*man['files'], 'manifest.json'])
    from safetensors import safe_open

    with safe_open(str(out / 'tokens.safetensors'), 'pt') as f:
        assert json.loads(f.metadata()['info'])['source'] == man['inputs']['mesh']['path']  # tokens and manifest agree
    assert not list(tmp_path.glob('.tok.*'))  # no temporary folder left


# --- write errors are errors ---------------------------------------------------------------------------------------


def _small_files(limit=150_000):
    "A process whose files cannot grow past `limit` bytes: writes fail as on a full disk (EFBIG), Python raises."
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_full_disk_during_data_is_an_error(tmp_path):
    data = tmp_path / 'data'
    r = subprocess.run(
        [str(LOST_NB), 'data', 'procedural', '--n', '3', '--profile', 'smoke', '--workers', '1'],
        capture_output=True, text=True, env=env(LOST_NB_DATA=data), preexec_fn=_small_files(),
    )
    line = one_line_error(r, 'File too large')
    assert '.npz' in line, line  # names the file it could not write
    cache = next((data / 'cache').glob('proc-*'))
    assert not (cache / 'index.json').exists() and not list(cache.glob('.*.tmp'))  # nothing half-written


@needs_smoke
def test_full_or_read_only_out_is_one_line(tmp_path):
    mesh = _box(tmp_path / 'box.obj')
    r = subprocess.run(
        [str(LOST_NB), 'tokenize', str(mesh), '--profile', 'smoke', '--prefix', '1', '--out', str(tmp_path / 'o'),
         '--steps', '2', '--res', '17', '--refine-steps', '2'],
        capture_output=True, text=True, env=env(), preexec_fn=_small_files(20_000),
    )
    one_line_error(r, 'File too large')
    assert not (tmp_path / 'o').exists() and not list(tmp_path.glob('.o.*'))
    ro = tmp_path / 'ro'
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip('running as a user who can write anywhere')
        one_line_error(_tokenize(mesh, ro / 'o'), 'not writable')
        one_line_error(
            run(LOST_NB, 'vae', 'roundtrip', mesh, '--ckpt', SMOKE[0], '--out', ro / 'o.glb'), 'not writable'
        )
    finally:
        ro.chmod(0o755)


# --- empty outputs are warnings, never scores ---------------------------------------------------------------------


def _empty_vae(path: Path) -> Path:
    "The smoke VAE with its occupancy head's bias at -100: every decode is empty."
    from lost_nb.core import load_checkpoint, save_checkpoint

    ck = load_checkpoint(SMOKE[0])
    ck['model']['occ_mlp.4.bias'] = torch.full_like(ck['model']['occ_mlp.4.bias'], -100.0)
    save_checkpoint(path, {m: ck[m] for m in ck['modules']}, ck['config'], kind='vae', inputs=ck['inputs'],
                    **ck['meta'])
    return path


@needs_smoke
def test_empty_decode_and_open_input_are_warned_not_scored(tmp_path):
    vae = _empty_vae(tmp_path / 'empty.safetensors')
    r = run(LOST_NB, 'vae', 'roundtrip', _box(tmp_path / 'box.obj'), '--ckpt', vae, '--out', tmp_path / 'o.glb',
            '--res', '17', '--refine-steps', '2')
    warns = ran(r, 'vae')
    assert r.returncode == 3 and any('decode is empty' in w for w in warns), r.stderr
    assert 'volume IoU n/a, Chamfer-L1 n/a' in r.stdout and 'nan' not in r.stdout.lower(), r.stdout
    sheet = tmp_path / 'sheet.obj'
    sheet.write_text('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n')  # an open triangle: no inside
    r = run(LOST_NB, 'vae', 'roundtrip', sheet, '--ckpt', vae, '--out', tmp_path / 's.glb', '--res', '17',
            '--refine-steps', '2')
    assert r.returncode == 3 and 'encloses no volume' in r.stderr and 'IoU 1.000' not in r.stdout, r.stdout


@needs_smoke
@pytest.mark.skipif(not GPT.exists(), reason='needs the smoke GPT of nbdev_test')
def test_generate_with_empty_decodes_exits_3(tmp_path):
    import shutil

    runs = tmp_path / 'runs'
    for name in ('vae-smoke', 'tokenizer-smoke', 'gpt-smoke'):
        shutil.copytree(ROOT / 'runs' / name, runs / name)
    _empty_vae(runs / 'vae-smoke' / 'vae.safetensors')  # same input key: the tokenizer and GPT still load
    r = run(LOST_NB, 'generate', '--unconditional', '--adaptive', '--n', '2', '--out', tmp_path / 'g', '--profile',
            'smoke', '--head-steps', '2', '--steps', '2', '--res', '17', '--vae', runs / 'vae-smoke' / 'vae.safetensors',
            '--tokenizer', runs / 'tokenizer-smoke' / 'tokenizer.safetensors', '--gpt', runs / 'gpt-smoke' / 'gpt.safetensors')
    warns = ran(r, 'generate')
    assert len(warns) == 2 and '2 of them empty' in r.stdout, (r.stdout, r.stderr)
    # the adaptive stop never stops on nothing: both ran to the GPT's length
    man = json.loads((tmp_path / 'g' / 'manifest.json').read_text())
    n_tokens = json.loads((runs / 'gpt-smoke' / 'train_record.json').read_text())['model']['n_tokens']
    assert [man['files'][f'sample_{i:03d}.glb']['tokens'] for i in range(2)] == [n_tokens, n_tokens]


# --- workers die with their parent --------------------------------------------------------------------------------


def _children(pid: int) -> list:
    out = []
    for p in Path('/proc').glob('[0-9]*'):
        try:
            if int((p / 'stat').read_text().rsplit(')', 1)[1].split()[1]) == pid:
                out.append(int(p.name))
        except (OSError, ValueError, IndexError):
            pass
    return out


def _state(pid: int) -> str:
    "A process's state letter ('Z': a zombie, dead but not reaped), '' once it is gone."
    try:
        return Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return ''


def _gone(pids, timeout=15.0) -> bool:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if all(_state(p) in ('', 'Z') for p in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path('/proc/self/stat').exists(), reason='reads /proc')
@pytest.mark.parametrize('who', ['data workers', 'training jobs'])
def test_kill_9_leaves_no_orphans(who, tmp_path):
    if who == 'data workers':
        cmd = [str(LOST_NB), 'data', 'procedural', '--n', '400', '--profile', 'smoke', '--workers', '2']
    else:
        # a job says it started: its worker has run its initializer (`die_with_parent`) before the kill
        (tmp_path / 'slowjob.py').write_text("import os, time\ndef nap(s):\n    open(f'started-{os.getpid()}', 'w').close()\n"
                                             "    time.sleep(s)\n    return s\n")
        code = ('from lost_nb.core import run_jobs\nimport slowjob\n'
                "if __name__ == '__main__':\n    run_jobs(slowjob.nap, {'a': dict(s=600), 'b': dict(s=600)}, processes=2)\n")
        (tmp_path / 'main.py').write_text(code)
        cmd = [sys.executable, str(tmp_path / 'main.py')]
    p = subprocess.Popen(cmd, env=env(LOST_NB_DATA=tmp_path / 'data', PYTHONPATH=tmp_path), cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0, kids = time.time(), []
    ready = lambda: who == 'data workers' or len(list(tmp_path.glob('started-*'))) >= 2  # noqa: E731
    while time.time() - t0 < 120 and (len(kids) < 2 or not ready()):
        kids = [k for k in _children(p.pid) if 'python' in Path(f'/proc/{k}/cmdline').read_bytes().decode(errors='ignore')]
        time.sleep(0.2)
    assert p.poll() is None and len(kids) >= 2, ('no workers started', kids)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert _gone(kids), f'{who}: workers {kids} outlived their parent'


# --- bad input: one line, and nothing written where it should not be ---------------------------------------------


@pytest.mark.parametrize('args, says', [
    (['tokenize', 'm.obj', '--out', 'o', '--steps', '0'], '--steps: 0 must be at least 1'),
    (['tokenize', 'm.obj', '--out', 'o', '--refine-steps', '-1'], '--refine-steps: -1 must be at least 0'),
    (['vae', 'roundtrip', 'm.obj', '--out', 'o.glb', '--res', '0'], '--res: 0 must be at least 9'),
    (['generate', '--unconditional', '--out', 'o', '--n', '0'], '--n: 0 must be at least 1'),
    (['generate', '--unconditional', '--out', 'o', '--cfg', 'x'], "--cfg: 'x' is not a number"),
    (['data', 'procedural', '--workers', '0'], '--workers: 0 must be at least 1'),
    (['vae', 'roundtrip', 'm.obj', '--out', 'o.glb', '--up', 'w'], "--up: invalid choice: 'w'"),
])
def test_bad_numbers_are_one_line(args, says, tmp_path):
    one_line_error(run(LOST_NB, *args, cwd=tmp_path), says, rc=2)
    assert not list(tmp_path.iterdir())


@needs_smoke
def test_nan_weight_is_refused(tmp_path):
    from lost_nb.core import load_checkpoint, save_checkpoint

    ck = load_checkpoint(SMOKE[0])
    k = next(k for k, v in ck['model'].items() if v.is_floating_point())
    ck['model'][k] = ck['model'][k].clone().fill_(float('nan'))
    bad = save_checkpoint(tmp_path / 'nan.safetensors', {m: ck[m] for m in ck['modules']}, ck['config'], kind='vae',
                          inputs=ck['inputs'], **ck['meta'])
    one_line_error(run(LOST_NB, 'vae', 'encode', _box(tmp_path / 'b.obj'), '--ckpt', bad, '--out',
                       tmp_path / 'z.safetensors'), 'non-finite')
    assert not (tmp_path / 'z.safetensors').exists()


def test_names_cannot_escape_the_data_folder(tmp_path):
    d = tmp_path / 'meshes'
    d.mkdir()
    _box(d / 'a.obj')
    data = tmp_path / 'deep' / 'data'
    one_line_error(run(LOST_NB, 'data', 'folder', d, '--name', '../../evil', '--profile', 'smoke', LOST_NB_DATA=data),
                   '--name', 'not a path')
    assert not list(tmp_path.rglob('evil*'))


@needs_smoke
def test_vae_decode_given_a_mesh(tmp_path):
    one_line_error(run(LOST_NB, 'vae', 'decode', _box(tmp_path / 'b.obj'), '--ckpt', SMOKE[0], '--out',
                       tmp_path / 'o.glb'), 'is not a latent file', 'lost-nb vae encode')


# --- friction -----------------------------------------------------------------------------------------------------


def test_z_up_folder_stands_up(tmp_path):
    d = tmp_path / 'meshes'
    d.mkdir()
    _box(d / 'tall.obj', (0.4, 0.5, 2.0))  # tall along Z, as a Z-up collection stores it
    r = run(LOST_NB, 'data', 'folder', d, '--name', 'zup', '--up', 'z', '--profile', 'smoke', LOST_NB_DATA=tmp_path)
    assert r.returncode == 0, r.stderr
    with np.load(next((tmp_path / 'cache').glob('zup-*/*.npz'))) as z:
        assert np.ptp(z['vertices'], 0).argmax() == 1  # tall along our up axis, Y


@needs_smoke
def test_up_axis_roundtrip_keeps_the_input_frame(tmp_path):
    mesh = _box(tmp_path / 'tall.obj', (0.4, 0.5, 2.0))
    r = run(LOST_NB, 'vae', 'encode', mesh, '--ckpt', SMOKE[0], '--out', tmp_path / 'z.safetensors', '--up', 'z',
            '--refine-steps', '2')
    assert r.returncode == 0, r.stderr
    from lost_nb.pipeline import read_latent, to_box, to_input_frame

    info = read_latent(tmp_path / 'z.safetensors')[1]
    assert info['up'] == 'z' and info['refine_steps'] == 2
    m = trimesh.load(mesh, force='mesh')
    np.testing.assert_allclose(to_input_frame(to_box(m, info), info).vertices, m.vertices, atol=1e-9)
    assert np.ptp(to_box(m, info).vertices, 0).argmax() == 1  # encoded standing up


@needs_smoke
@pytest.mark.skipif(not GPT.exists(), reason='needs the smoke GPT of nbdev_test')
def test_image_preview_shows_the_condition(tmp_path):
    from PIL import Image

    Image.fromarray(np.full((64, 64), 90, np.uint8)).save(tmp_path / 'view.png')
    widths = {}
    for mode in (['--image', str(tmp_path / 'view.png')], ['--unconditional']):
        out = tmp_path / mode[0].strip('-')
        ran(run(LOST_NB, 'generate', *mode, '--n', '2', '--tokens', '1', '--out', out, '--profile', 'smoke',
                '--head-steps', '2', '--steps', '2', '--res', '17'), 'generate')
        widths[mode[0]] = Image.open(out / 'preview.png').size[0]
    assert widths['--image'] > widths['--unconditional'] * 1.3, widths  # one more column: the picture


def test_debian_download_reports_progress(tmp_path, monkeypatch, capsys):
    import hashlib
    from lost_nb import meshes

    blob = os.urandom(3_000_000)
    (tmp_path / 'pool').mkdir()
    (tmp_path / 'pool' / 'x_1_all.deb').write_bytes(blob)
    monkeypatch.setitem(meshes.SH3D_DEBS, 'x', ('pool/x_1_all.deb', len(blob), hashlib.sha256(blob).hexdigest()))
    monkeypatch.delenv('LOST_NB_QUIET', raising=False)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        got = meshes.download_deb('x', tmp_path / 'out', mirror=f'http://127.0.0.1:{srv.server_address[1]}/')
    finally:
        srv.shutdown()
    assert got.read_bytes() == blob
    err = capsys.readouterr().err
    assert 'downloading x (3 MB)' in err and 'x: 3 of 3 MB' in err, err
