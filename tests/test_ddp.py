"""Every stage's training runs unchanged under torchrun (2 gloo processes on the CPU): gradients are synchronised, the
main process alone writes, and the global batch is the recipe, so 1 process and 2 processes with the same global
batch train the same curve (within float tolerance)."""

import json, os, subprocess, sys, textwrap
from pathlib import Path
import pytest

TORCHRUN = Path(sys.executable).parent / 'torchrun'

# a small VAE, its data and recipe (STEPS steps)
VAE_SETUP = """
        from lost_nb.vae import VAEConfig, train_vae
        g = torch.Generator().manual_seed(0)
        data = dict(surface=torch.rand(6, 64, 3, generator=g) - .5, normals=torch.rand(6, 64, 3, generator=g),
                    queries=torch.rand(6, 32, 3, generator=g) - .5, sdf=torch.randn(6, 32, generator=g) * .05,
                    ids=[str(i) for i in range(6)], n_uniform=16)
        cfg = VAEConfig(n_points=64, C=4, r=8, rq=4, width=32, heads=4, n_self=1, dec_width=16, n_up=1, feat=8,
                        mlp_width=16)
        train = dict(batch_size=4, n_occ=16, steps=STEPS, lr=1e-3, warmup=0.0, lr_floor=0.1, band=0.01,
                     kl_weight=1e-6, ema_decay=0.9, ckpt_every=2)
"""

# each snippet trains one stage for a few steps; `m` is the trained model, `log` its loss curve
LOOPS = {
    'vae': VAE_SETUP
    + """
        m, log = train_vae(data, cfg, train, CKPT, log_every=10**9)
        log = log['loss']
    """,
    'teacher': """
        import numpy as np
        from lost_nb.teacher import TeacherConfig, train_offline_teacher
        ims = np.random.default_rng(0).integers(0, 255, (16, 3, 32, 32), dtype=np.uint8)
        cfg = TeacherConfig(res=32, width=8, dim=16, proj_dim=8)
        m, log = train_offline_teacher(ims, cfg, steps=STEPS, batch_size=4, lr=1e-3, ckpt=Path(CKPT))
    """,
    'rida': """
        from lost_nb.rida import RIDAConfig, train_extractor
        g = torch.Generator().manual_seed(1)
        feats = lambda n: dict(z=torch.randn(n, 4, 8, 24, generator=g), St=torch.randn(n, 16, 16, generator=g),
                               zt=torch.nn.functional.normalize(torch.randn(n, 16, generator=g), dim=-1))
        tr, va = feats(16), feats(8)
        cfg = RIDAConfig(C=4, r=8, width=32, depth=1, heads=4, grid=4, stem=8, out_dim=16)
        _, log = train_extractor(tr, va, cfg, 'rida', steps=STEPS, batch_size=8, lr=1e-3, eval_every=2, ckpt=Path(CKPT))
        from lost_nb.rida import load_semantic_extractor
        m = load_semantic_extractor(Path(CKPT).with_suffix('.last.safetensors'), 'cpu')
        log = log['loss']
    """,
    'tokenizer': """
        from lost_nb.tokenizer import LoSTConfig, train_tokenizer
        cfg = LoSTConfig(C=4, r=8, width=32, depth=1, heads=4, K=8, d=8, dec_width=32, dec_depth=1, dec_heads=4)
        z = torch.randn(32, 4, 8, 24, generator=torch.Generator().manual_seed(0))
        m, _, log, _ = train_tokenizer(z, cfg, steps=STEPS, batch_size=8, lr=1e-3, extractor_path=None, ckpt=CKPT,
                                       device=torch.device('cpu'))
        log = log['loss']
    """,
    'gpt': """
        from lost_nb.gpt import GPTConfig, train_gpt
        cfg = GPTConfig(n_tokens=4, token_dim=4, dim=32, n_layer=1, n_head=4, dropout=0.0, cond_dim=8, n_classes=3,
                        head_width=32, head_depth=1, diffusion_batch_mul=2)
        g = torch.Generator().manual_seed(0)
        tk, vw = torch.randn(16, 4, 4, generator=g), torch.randn(16, 3, 8, generator=g)
        lb = torch.randint(3, (16,), generator=g)
        m, log = train_gpt(tk, vw, lb, cfg, steps=STEPS, batch_size=8, lr=1e-3, ckpt=CKPT, device=torch.device('cpu'))
        log = log['loss']
    """,
}


def run_all(tmp: Path, processes: int, steps: int = 6) -> tuple[str, dict]:
    """Train every loop, one after another, on `processes` processes (1: plain python); returns (stdout, {loop:
    what the main process wrote})."""
    tmp.mkdir(parents=True, exist_ok=True)
    parts = [textwrap.dedent(f"""
        import json, torch, torch.distributed as dist
        from pathlib import Path
        from lost_nb.core import dist_info, is_main
        STEPS, OUT = {steps}, {{}}
    """)]
    for loop, code in LOOPS.items():
        body = textwrap.indent(textwrap.dedent(code), '    ')
        parts.append(textwrap.dedent(f"""
            def train_{loop}(CKPT):
            """) + body + textwrap.dedent(f"""
                return m, log
            m, log = train_{loop}({str(tmp / f'{loop}.safetensors')!r})
            w = torch.cat([p.detach().flatten() for p in m.parameters()])
            if dist.is_initialized():
                mean = w.clone(); dist.all_reduce(mean); mean /= dist_info()[1]
                sync = bool(torch.allclose(mean, w, atol=1e-6))
                Path({str(tmp)!r}, f'{loop}-rank{{dist_info()[0]}}.sync').write_text(str(sync))
            OUT[{loop!r}] = dict(log=[float(x) for x in log], w=w.tolist())
        """))
    parts.append(f"if is_main(): Path({str(tmp / 'out.json')!r}).write_text(json.dumps(OUT))\n")
    # leave the process group before exiting: a rank that exits with gloo's threads still running can abort
    # ("terminate called without an active exception"), and torchrun then fails the run
    parts.append("from lost_nb.core import end_distributed\nend_distributed()\n")
    script = tmp / 'run.py'
    script.write_text(''.join(parts))
    env = {**os.environ, 'LOST_NB_QUIET': '1', 'OMP_NUM_THREADS': '1'}
    cmd = [str(TORCHRUN), '--standalone', '--nproc_per_node', str(processes), str(script)]
    r = subprocess.run(cmd if processes > 1 else [sys.executable, str(script)], capture_output=True, text=True,
                       env=env, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    for loop in LOOPS:
        ckpt = tmp / f'{loop}.safetensors'
        assert ckpt.exists() and not list(tmp.glob(f'.{loop}.safetensors.*.tmp')), loop
    return r.stdout, json.loads((tmp / 'out.json').read_text())


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "Every loop trained once on 1 process and once on 2."
    t = tmp_path_factory.mktemp('ddp')
    return run_all(t / 'one', 1), run_all(t / 'two', 2), t


@pytest.mark.parametrize('loop', sorted(LOOPS))
def test_loop_under_torchrun(loop, runs):
    "Both processes end with the same weights (each wrote what it found)."
    tmp = runs[2]
    assert [(tmp / 'two' / f'{loop}-rank{r}.sync').read_text() for r in (0, 1)] == ['True', 'True']


@pytest.mark.parametrize('loop', ['tokenizer', 'gpt'])
def test_global_batch_is_the_recipe(loop, runs):
    """The same global batch (8 rows) on 1 process and on 2 (4 rows each): the same loss curve and weights, up to
    the order of float sums. (The VAE samples its posterior and the contrastive stages take their negatives
    within each process's share, so their curves differ by design; they are checked for sync above.)"""
    import numpy as np

    (_, one), (_, two), _ = runs
    np.testing.assert_allclose(two[loop]['log'], one[loop]['log'], rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(two[loop]['w'], one[loop]['w'], rtol=1e-3, atol=1e-4)


def test_vae_resume_under_torchrun(tmp_path):
    """Under 2 processes, a VAE run stopped after 2 of 4 steps and resumed ends with the weights of the run never
    stopped: every process's random state (posterior noise) and the shared batch stream are restored."""
    script = tmp_path / 'run.py'
    script.write_text(
        textwrap.dedent(f"""
        import torch
        from pathlib import Path
        T, STEPS = Path({str(tmp_path)!r}), 4
    """)
        + textwrap.dedent(VAE_SETUP)
        + textwrap.dedent("""
        one, _ = train_vae(data, cfg, train, T / 'one.safetensors', log_every=10**9)
        train_vae(data, cfg, train, T / 'two.safetensors', log_every=10**9, until=2)
        two, _ = train_vae(data, cfg, train, T / 'two.safetensors', log_every=10**9)
        same = all(torch.equal(a, b) for a, b in zip(one.state_dict().values(), two.state_dict().values()))
        print('resume exact', same)
    """)
    )
    env = {**os.environ, 'LOST_NB_QUIET': '1', 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([str(TORCHRUN), '--standalone', '--nproc_per_node', '2', str(script)], capture_output=True,
                       text=True, env=env, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('resume exact True') == 2, r.stdout + r.stderr[-2000:]
