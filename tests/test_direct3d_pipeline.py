"""The pipeline on a user's Direct3D checkpoint: 02 imports the small Direct3D VAE of the fixtures (written by
Direct3D's own code) instead of training, encodes the smoke dataset with it, and 02b and 03 train on those latents
unchanged. Needs the smoke runs of `nbdev_test` (the teacher, the data cache); skipped without them."""

import os, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAPERMILL = Path(sys.executable).parent / 'papermill'
CKPT = ROOT / 'tests' / 'fixtures' / 'direct3d' / 'direct3d_vae_small' / 'model.ckpt'


@pytest.mark.skipif(
    not (ROOT / 'runs' / 'teacher-smoke').exists(), reason='needs the smoke runs of nbdev_test'
)
def test_02_02b_03_on_direct3ds_latents(tmp_path):
    runs = tmp_path / 'runs'
    shutil.copytree(ROOT / 'runs' / 'teacher-smoke', runs / 'teacher-smoke')
    env = {
        **os.environ,
        'LOST_NB_RUNS': str(runs),
        'LOST_NB_FIGURES': str(tmp_path / 'figures'),
        'LOST_NB_QUIET': '1',
        'HF_HUB_OFFLINE': '1',
    }
    for nb, params in (
        ('02_triplane_vae', ['-p', 'vae_checkpoint', str(CKPT)]),
        ('02b_rida', []),
        ('03_train_tokenizer', []),
    ):
        r = subprocess.run(
            [
                str(PAPERMILL),
                str(ROOT / 'nbs' / f'{nb}.ipynb'),
                str(tmp_path / f'{nb}.ipynb'),
                '-p',
                'profile',
                'smoke',
                *params,
                '--cwd',
                str(ROOT / 'nbs'),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
        assert r.returncode == 0, (nb, r.stderr[-3000:])
    from lost_nb.core import load_checkpoint, file_hash, input_key

    vae = load_checkpoint(runs / 'vae-smoke' / 'vae.safetensors', kind='vae')
    assert vae['config']['arch'] == 'direct3d' and vae['inputs'] == {'direct3d': file_hash(CKPT)}
    assert (
        vae['meta']['scale_factor'] == 2.0 and vae['meta']['latent_shift'] == 0.1
    )  # the fixture's config.yaml
    tok = load_checkpoint(runs / 'tokenizer-smoke' / 'tokenizer.safetensors', kind='tokenizer')
    assert tok['inputs']['vae'] == input_key(runs / 'vae-smoke' / 'vae.safetensors')
    assert tok['config']['model']['C'] == 4 and tok['config']['model']['r'] == 4  # Direct3D's small latent
