"""Training loops run unchanged under torchrun (gloo on CPU): gradients are synchronised and rank 0 alone writes."""

import os, subprocess, sys, textwrap
from pathlib import Path
import pytest

TORCHRUN = Path(sys.executable).parent / 'torchrun'

LOOPS = {
    'tokenizer': """
        from lost_nb.tokenizer import LoSTConfig, train_tokenizer
        cfg = LoSTConfig(C=4, r=8, width=32, depth=1, heads=4, K=8, d=8, dec_width=32, dec_depth=1, dec_heads=4)
        z = torch.randn(32, 4, 8, 24, generator=torch.Generator().manual_seed(0))
        m = train_tokenizer(z, cfg, steps=4, batch_size=4, lr=1e-3, extractor_path=None, ckpt=CKPT, device=torch.device('cpu'))[0]
    """,
    'gpt': """
        from lost_nb.gpt import GPTConfig, train_gpt
        cfg = GPTConfig(n_tokens=4, token_dim=4, dim=32, n_layer=1, n_head=4, dropout=0.0, cond_dim=8, n_classes=3,
                        head_width=32, head_depth=1, diffusion_batch_mul=2)
        g = torch.Generator().manual_seed(0)
        tk, vw, lb = torch.randn(16, 4, 4, generator=g), torch.randn(16, 3, 8, generator=g), torch.randint(3, (16,), generator=g)
        m = train_gpt(tk, vw, lb, cfg, steps=4, batch_size=4, lr=1e-3, ckpt=CKPT, device=torch.device('cpu'))[0]
    """,
    'teacher': """
        import numpy as np
        from lost_nb.teacher import TeacherConfig, train_offline_teacher
        ims = np.random.default_rng(0).integers(0, 255, (16, 3, 32, 32), dtype=np.uint8)
        cfg = TeacherConfig(res=32, width=8, dim=16, proj_dim=8)
        m = train_offline_teacher(ims, cfg, steps=4, batch_size=4, lr=1e-3, ckpt=Path(CKPT))[0]
    """,
}


@pytest.mark.parametrize('loop', sorted(LOOPS))
def test_loop_under_torchrun(loop, tmp_path):
    ckpt = tmp_path / 'ck.safetensors'
    script = tmp_path / 'run.py'
    script.write_text(
        textwrap.dedent(f"""
        import torch, torch.distributed as dist
        from pathlib import Path
        from lost_nb.core import dist_info
        CKPT = {str(ckpt)!r}
    """)
        + textwrap.dedent(LOOPS[loop])
        + textwrap.dedent("""
        w = torch.cat([p.detach().flatten() for p in m.parameters()])
        mean = w.clone(); dist.all_reduce(mean); mean /= dist_info()[1]
        print('rank', dist_info()[0], 'in sync', bool(torch.allclose(mean, w, atol=1e-6)))
    """)
    )
    env = {**os.environ, 'LOST_NB_QUIET': '1', 'OMP_NUM_THREADS': '1'}
    r = subprocess.run(
        [str(TORCHRUN), '--standalone', '--nproc_per_node', '2', str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('in sync True') == 2, r.stdout + r.stderr[-2000:]
    assert ckpt.exists() and not list(tmp_path.glob('.ck.safetensors.*.tmp'))
