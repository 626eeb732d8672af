"""Same numbers within their tolerances anywhere: the smoke pipeline's deterministic pieces (`pieces_run.py`: data,
VAE, latents, PCA code, tokenizer, GPT and PCA-GPT, tiny) run at 1 thread, at 2 threads, and at 2 threads on
PyTorch's portable CPU kernels (`ATEN_CPU_CAPABILITY=default`, the rounding of another CPU). Asserted:

- every provenance key is the same in all three (keys are made from inputs, never from float outputs), so a
  checkpoint trained under one setting is not stale under another (each run's checkpoints are loaded against the
  others' inputs);
- the scalar results agree within `RTOL`: bit for bit is promised only for the same machine and thread count.
"""

import json, os, subprocess, sys
from pathlib import Path
import pytest

HERE = Path(__file__).parent
SETTINGS = {
    '1 thread': {'OMP_NUM_THREADS': '1'},
    '2 threads': {'OMP_NUM_THREADS': '2'},
    '2 threads, portable kernels': {'OMP_NUM_THREADS': '2', 'ATEN_CPU_CAPABILITY': 'default'},
}
# Short runs (40 VAE steps, 12 tokenizer and 10 GPT steps) whose only difference is float rounding: measured here,
# the largest relative difference of any scalar across the three settings was below 1e-6, so 1e-2 leaves a margin of
# ten thousand. (Before the PCA code dropped the components below the latents' numerical rank, whitening blew their
# rounding noise up to unit scale and the GPT losses differed by 4-7% between 1 and 2 threads.)
RTOL = 1e-2


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    out = {}
    for name, extra in SETTINGS.items():
        d = tmp_path_factory.mktemp(name.replace(' ', '_').replace(',', ''))
        env = {k: v for k, v in os.environ.items() if k not in ('ATEN_CPU_CAPABILITY', 'OMP_NUM_THREADS')}
        env.update(HF_HUB_OFFLINE='1', LOST_NB_QUIET='1', **extra)
        r = subprocess.run(
            [sys.executable, str(HERE / 'pieces_run.py'), str(d)], capture_output=True, text=True, env=env, timeout=600
        )
        assert r.returncode == 0, (name, r.stderr[-3000:])
        out[name] = dict(json.loads(r.stdout.strip().splitlines()[-1]), dir=d)
    return out


def test_the_settings_differ(runs):
    "The runs really were made under different thread counts and kernels."
    got = {n: (r['threads'], r['capability']) for n, r in runs.items()}
    assert got['1 thread'][0] == 1 and got['2 threads'][0] == 2
    assert got['2 threads, portable kernels'][1] == 'DEFAULT', got


def test_keys_do_not_depend_on_threads_or_kernels(runs):
    keys = [r['keys'] for r in runs.values()]
    assert all(k == keys[0] for k in keys), keys


def test_no_checkpoint_is_stale_under_another_setting(runs):
    from lost_nb.core import load_checkpoint, check_inputs, input_key

    names = list(runs)
    for a in names:
        for b in names:
            now = runs[b]['inputs_now']  # what run b would hand each stage
            d = runs[a]['dir'] / 'runs'
            check_inputs(load_checkpoint(d / 'tokenizer.safetensors'), {'vae': now['vae']}, 'tokenizer')
            check_inputs(load_checkpoint(d / 'gpt.safetensors'), {'tokenizer': now['tokenizer']}, 'gpt')
            check_inputs(load_checkpoint(d / 'gpt-pca.safetensors'), {'pca': now['pca']}, 'gpt-pca')
            assert input_key(d / 'vae.safetensors') == now['vae']


def test_scalars_agree_within_tolerance(runs):
    ref = runs['1 thread']['scalars']
    for name, r in runs.items():
        for k, v in r['scalars'].items():
            assert v == pytest.approx(ref[k], rel=RTOL), (name, k, v, ref[k])


def test_pca_axes_keep_their_signs(runs):
    "An SVD's axis signs are arbitrary; the code fixes them, so the axes agree entry by entry."
    import numpy as np

    ref = np.array(runs['1 thread']['pca_axes'])
    for name, r in runs.items():
        np.testing.assert_allclose(np.array(r['pca_axes']), ref, atol=1e-3, err_msg=name)
