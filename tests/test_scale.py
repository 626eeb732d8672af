"""The memory pass of the `gpu` and `paper` profiles: every stage's real training step (its factory, its loss,
`Trainer.step` with the profile's micro-batch, activation checkpointing and bf16 autocast) on a simulated device,
counting the bytes of every tensor alive, must peak under the 75 GB budget of an 80 GB H100 (`lost_nb.scale`).
And the device check (`bench/gpu_check.py`) runs every section at the smoke sizes on the CPU."""

import json, os, subprocess, sys
from pathlib import Path

import pytest

from lost_nb.scale import GPU_BYTES, STAGES, micro_rows, stage_memory


@pytest.mark.parametrize('profile', ['gpu', 'paper'])
@pytest.mark.parametrize('stage', STAGES)
def test_step_fits_at_its_micro_batch(profile, stage):
    m = stage_memory(stage, profile)
    assert m['rows'] == micro_rows(stage, profile) and m['micro_batches'] == 2
    assert m['peak'] <= GPU_BYTES, f"{profile} {stage}: {m['peak'] / 1e9:.1f} GB at micro-batch {m['rows']}"
    assert m['before'] >= 3 * m['weights']  # weights and AdamW's two moments are resident: the steady state


def test_device_check_runs_on_cpu_at_smoke(tmp_path):
    "`make gpu-check` on a machine without a GPU: every section at the smoke sizes, each written as it ends."
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, 'LOST_NB_QUIET': '1', 'LOST_NB_FIGURES': str(tmp_path)}
    r = subprocess.run([sys.executable, str(root / 'bench' / 'gpu_check.py'), '--smoke'], capture_output=True,
                       text=True, cwd=root, timeout=600, env=env)  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    out = json.loads((tmp_path / 'bench' / 'gpu_check.json').read_text())['result']
    for s in ('env', 'paper_steps', 'gpu_fit', 'ddp', 'bf16', 'throughput'):
        assert s in out and 'error' not in out[s], (s, out.get(s))
    assert all(out['gpu_fit'][s]['resumed_at'] == 2 and out['gpu_fit'][s]['steps'] == 4 for s in STAGES)
    assert out['bf16']['grad_cosine'] > 0.99 and out['bf16']['occupancy_sign_agreement'] > 0.9


def test_data_dry_run(capsys):
    "`lost-nb data --profile paper --dry-run` prints the disk and RAM of a build, and builds nothing."
    from lost_nb.cli import main
    from lost_nb.scale import data_needs

    main(['data', '--profile', 'paper', '--dry-run'])
    out, nd = capsys.readouterr().out, data_needs('paper')
    assert f"{nd['shapes']:,} shapes" in out and f"disk {nd['disk_bytes'] / 1e9:.1f} GB" in out, out
    assert nd['disk_bytes'] > nd['cache_bytes'] > nd['shapes'] * 2 * 81_920 * 12  # surface points and normals
