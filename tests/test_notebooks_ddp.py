"""The training notebooks (02, 02a, 02b, 03, 06) at smoke through `lost-nb run` under torchrun with 2 gloo processes
(CPU): the run completes, and it leaves one set of outputs. Every model's checkpoint is written once, by the main
process. Evaluation, caches and figures are written once too. The second process's notebooks run every cell up to
the last training one and skip the rest."""

import json, os, shutil, subprocess, sys
from pathlib import Path

from lost_nb.core import get_profile
from lost_nb.data import cache_dir

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TRAINING = ('02_triplane_vae', '02a_teacher', '02b_rida', '03_train_tokenizer', '06_lost_gpt')


def reuse_smoke_caches(data: Path):
    """Copy the smoke data caches that `make test`'s notebook run built (the project's data folder) into `data`, so
    the notebooks read them instead of building the datasets again (built afresh when there are none)."""
    cfg = get_profile('smoke', 'data')
    for src in ('proc', 'sh3d'):
        have = cache_dir(src, cfg)
        if (have / 'index.json').exists():
            shutil.copytree(have, data / 'cache' / have.name)


def test_training_notebooks_on_two_processes(tmp_path):
    reuse_smoke_caches(tmp_path / 'data')
    env = {
        **os.environ,
        'LOST_NB_RUNS': str(tmp_path / 'runs'),
        'LOST_NB_DATA': str(tmp_path / 'data'),
        'LOST_NB_FIGURES': str(tmp_path / 'figures'),
        'HF_HUB_OFFLINE': '1',
        'OMP_NUM_THREADS': '1',
    }
    cmd = [str(BIN / 'torchrun'), '--standalone', '--nproc_per_node', '2', str(BIN / 'lost-nb'), 'run',
           '--profile', 'smoke', '--only', '^(02_|02a|02b|03|06)', '--out', str(tmp_path / 'nbs'),
           '-p', 'ablations', 'False', '-p', 'pca_baseline', 'False']  # fmt: skip (one tokenizer, one GPT: time)
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])

    runs = tmp_path / 'runs'
    cks = {str(p.relative_to(runs)) for p in runs.rglob('*.safetensors')}
    for ck in ('vae-smoke/vae.safetensors', 'teacher-smoke/offline_teacher.safetensors', 'rida-smoke/rida.safetensors',
               'rida-smoke/regression.safetensors', 'tokenizer-smoke/tokenizer.safetensors',
               'gpt-smoke/gpt.safetensors'):  # fmt: skip
        assert ck in cks, (ck, sorted(cks))
    assert not [p for p in tmp_path.rglob('*.tmp')], 'a write was left half done'
    assert not [p for p in runs.iterdir() if 'rank' in p.name], 'a second set of run folders'
    assert (runs / 'gpt-smoke' / 'train_record.json').exists() and any((tmp_path / 'figures').iterdir())

    for name in TRAINING:  # the second process: every cell to the last training one, then nothing
        cells = [c for c in json.loads((tmp_path / 'nbs-rank1' / f'{name}.ipynb').read_text())['cells']
                 if c['cell_type'] == 'code']  # fmt: skip
        at = next(i for i, c in enumerate(cells) if ''.join(c['source']).startswith('rest_on_main()'))
        assert any(c.get('outputs') for c in cells[:at]), name
        assert not any(c.get('outputs') for c in cells[at + 1 :]), f"{name}: the second process ran on after training"
        main = json.loads((tmp_path / 'nbs' / f'{name}.ipynb').read_text())['cells']
        assert any(c.get('outputs') for c in main[-8:] if c['cell_type'] == 'code'), f"{name}: the main process stopped"
