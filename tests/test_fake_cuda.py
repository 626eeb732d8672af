"""Every stage's real training step at the `paper` sizes on a simulated GPU, with no GPU: PyTorch's FakeTensorMode
tracks shapes, dtypes and devices and computes nothing, so a 544M-parameter tokenizer "runs" on a `cuda` device in
seconds, and a CPU tensor meeting a CUDA one raises `FakeTensorDeviceMismatchError` as on the first real GPU.

Each test builds a stage with its own factory (`vae_stage`, `teacher_stage`, `rida_stage`, `tokenizer_stage`,
`gpt_stage`: the model on the device, the sampler, the loss), draws its first global batch on the CPU as training
does, and runs one step of `lost_nb.train.Trainer`: forward and loss, backward, clipping, AdamW, EMA. Then it asserts
that every weight, gradient, AdamW moment, EMA average and logged value lives on the GPU. Further tests run the
inference paths that feed evaluation: a batched detokenize, GPT generation with its KV cache, the mask of
adaptive generation, the VAE's occupancy decode and encode-time refinement, teacher features.

Limits of the simulation, measured: `loss.backward()` needs a CUDA driver, so the simulated backward sets each
weight's gradient by hand (zeros on its device); autocast to bf16 is disabled without CUDA (the step runs in fp32);
foreach kernels (the EMA's lerp) do not check devices, so the EMA's own assertion and this test's do.
"""

import numpy as np
import pytest
import torch
from torch._subclasses.fake_tensor import FakeTensorMode, unset_fake_temporarily

from lost_nb.core import get_profile
from lost_nb.train import Trainer, accelerator, build

PAPER = 'paper'


def fake():
    "A fake-tensor mode; real CPU tensors (the samplers' data) may enter it and become fake CPU tensors."
    return FakeTensorMode(allow_non_fake_inputs=True)


def on_gpu(*tensors):
    "Names (or indices) of the tensors not on the simulated GPU."
    return [i for i, t in enumerate(tensors) if t is not None and t.device.type != 'cuda']


def assert_on_gpu(what: str, tensors):
    tensors = list(tensors)
    assert tensors, f"no {what} to check"
    off = on_gpu(*tensors)
    assert not off, f"{len(off)} of {len(tensors)} {what} are not on the GPU"


def one_step(make, draw_outside: bool = False):
    """Build a stage with `make(device)` on the simulated GPU and run one `Trainer.step` on its first batch;
    returns (stage, trainer, loss parts, the gradients set)."""
    acc = accelerator()
    grads, losses = [], []
    with fake():
        st = make('cuda')  # no device context: what the factory leaves on the CPU stays there, as in a real run
        tr = Trainer(st, acc)

        def backward(loss, **kw):  # what loss.backward() does, without a driver: a gradient beside each weight
            losses.append(loss)
            for p in tr.params:
                p.grad = torch.zeros_like(p)
                grads.append(p.grad)

        acc.backward = backward
        g = torch.Generator().manual_seed(0)
        if draw_outside:  # a sampler reading numpy arrays draws real tensors, which then enter the mode
            with unset_fake_temporarily():
                batch = st.sample(0, g)
        else:
            batch = st.sample(0, g)
        assert all(v.device.type == 'cpu' for v in batch.values() if torch.is_tensor(v)), 'samplers draw on the CPU'
        parts = tr.step(batch, 0, 0.0)
    assert losses, 'the step computed no loss'
    assert_on_gpu('losses', losses)
    assert_on_gpu('weights', [*st.model.parameters(), *(st.net.parameters() if st.net is not None else [])])
    assert_on_gpu('gradients', grads)
    moments = [v for s in tr.opt.state.values() for k, v in s.items() if k in ('exp_avg', 'exp_avg_sq')]
    assert_on_gpu('AdamW moments', moments)
    if tr.ema is not None:
        assert_on_gpu('EMA averages', [v for v in tr.ema.shadow.values() if v.is_floating_point()])
    assert_on_gpu('logged loss parts', parts.values())
    return st, tr, parts


def latent_shape():
    "(C, r) of the paper VAE's latent."
    m = get_profile(PAPER, 'vae')['model']
    return m['C'], m['r']


def test_vae_step_paper():
    from lost_nb.vae import vae_stage, profile_vae_config

    sec = get_profile(PAPER, 'vae')
    cfg, train = profile_vae_config(sec), {**sec['train']}
    n_pts = cfg.n_points
    nu = 4096

    def make(dev):
        cpu = torch.device('cpu')
        data = dict(
            surface=torch.rand(2, n_pts, 3, device=cpu) - 0.5,
            normals=torch.nn.functional.normalize(torch.randn(2, n_pts, 3, device=cpu), dim=-1),
            queries=torch.rand(2, 2 * nu, 3, device=cpu) - 0.5,
            sdf=torch.randn(2, 2 * nu, device=cpu) * 0.05,
            ids=['a', 'b'],
            n_uniform=nu,
        )
        return vae_stage(data, cfg, train, device=dev)

    st, tr, parts = one_step(make)
    assert set(parts) == {'loss', 'bce', 'kl'}
    assert tr.cfg.batch_size == sec['train']['batch_size']


def test_teacher_step_paper():
    from lost_nb.teacher import teacher_stage, TeacherConfig

    sec = get_profile(PAPER, 'teacher')
    res = sec['model']['res']  # renders already at the encoder's side (the resize is CPU data preparation)
    renders = np.random.default_rng(0).integers(0, 255, (4, 8, res, res), dtype=np.uint8)

    def make(dev):
        t = sec['train']
        return teacher_stage(renders, TeacherConfig.from_profile(sec['model']), t['steps'], t['batch_size'],
                             t['lr'], t['warmup'], device=dev)  # fmt: skip

    one_step(make, draw_outside=True)


def rida_config(sec, C, r):
    from lost_nb.rida import RIDAConfig

    return RIDAConfig.from_profile(sec['model'], C=C, r=r, out_dim=768)  # DINOv2 ViT-B's dimension


def test_rida_step_paper():
    from lost_nb.rida import rida_stage

    sec, (C, r) = get_profile(PAPER, 'rida'), latent_shape()
    cfg = rida_config(sec, C, r)
    B = sec['train']['batch_size']

    def make(dev):
        cpu = torch.device('cpu')
        train = dict(
            z=torch.randn(B, C, r, 3 * r, device=cpu),
            St=torch.randn(B, cfg.grid**2, 768, device=cpu),
            zt=torch.randn(B, 768, device=cpu),
        )
        t = sec['train']
        return rida_stage(train, cfg, 'rida', t['steps'], B, t['lr'], t['pos'], t['neg'], device=dev)

    st, tr, _ = one_step(make)
    assert 'log_temp' in tr.extra and tr.extra['log_temp'].device.type == 'cuda'


def test_tokenizer_step_paper():
    from lost_nb.rida import RIDA
    from lost_nb.tokenizer import tokenizer_stage, LoSTConfig

    sec, (C, r) = get_profile(PAPER, 'tokenizer'), latent_shape()
    cfg = LoSTConfig.from_profile(sec['model'], C=C, r=r)
    t = sec['train']

    def make(dev):
        ext = build(lambda: RIDA(rida_config(get_profile(PAPER, 'rida'), C, r)), dev).eval().requires_grad_(False)
        z = torch.randn(8, C, r, 3 * r, device='cpu')
        return tokenizer_stage(z, cfg, t['steps'], t['batch_size'], t['lr'], ext, device=dev)

    st, tr, parts = one_step(make)
    n = sum(p.numel() for p in st.model.parameters())
    assert n > 500e6, f"the paper tokenizer has {n / 1e6:.0f}M parameters"
    assert set(parts) == {'loss', 'diffusion', 'semantic', 'coarse'}


def gpt_cfg():
    from lost_nb.gpt import GPTConfig

    sec = get_profile(PAPER, 'gpt')
    d = get_profile(PAPER, 'tokenizer')['model']['d']
    return GPTConfig.from_profile(sec['model'], token_dim=d, cond_dim=512, n_classes=0), sec  # OpenCLIP's 512


def test_gpt_step_paper():
    from lost_nb.gpt import gpt_stage

    cfg, sec = gpt_cfg()
    t = sec['train']

    def make(dev):
        tokens = torch.randn(8, cfg.n_tokens, cfg.token_dim, device='cpu')
        views = torch.randn(8, 8, 512, device='cpu')
        return gpt_stage(tokens, views, None, cfg, t['steps'], t['batch_size'], t['lr'], ema_decay=t['ema_decay'],
                         device=dev)  # fmt: skip

    one_step(make)


# inference paths: batched on the device, only the results leave it


def test_tokenize_on_gpu():
    """Tokens of a batch of latents on the device (the sampler of `detokenize` is not simulated: its timestep list
    is read from a tensor, which a fake tensor cannot give)."""
    from lost_nb.tokenizer import LoST, LoSTConfig

    (C, r) = latent_shape()
    cfg = LoSTConfig.from_profile(get_profile(PAPER, 'tokenizer')['model'], C=C, r=r)
    with fake():
        m = build(lambda: LoST(cfg), 'cuda').eval()
        tok = m.tokenize(torch.randn(4, C, r, 3 * r, device='cpu'))  # latents arrive from the CPU
    assert not on_gpu(tok) and tok.shape == (4, cfg.K, cfg.d)


def test_generation_on_gpu():
    from lost_nb.gpt import LoSTGPT, generate
    from lost_nb.generation import mask_unused

    cfg, _ = gpt_cfg()
    with fake():
        m = build(lambda: LoSTGPT(cfg), 'cuda').eval()
        cond = m.condition(torch.randn(3, 512, device='cuda'), None, None, n=3)
        toks = generate(m, cond, n=4, cfg_scale=3.0, head_steps=2, generator=torch.Generator().manual_seed(0))
        kept = mask_unused(toks, torch.tensor([1, 2, 4], device='cpu'))  # adaptive generation's lengths: CPU
    assert not on_gpu(cond, toks, kept) and toks.shape == (3, 4, cfg.token_dim)


def test_vae_decode_and_refine_on_gpu(monkeypatch):
    from lost_nb.vae import profile_vae_config, build_vae, decode_logits, refine_latent, encode_points

    sec = get_profile(PAPER, 'vae')
    cfg = profile_vae_config(sec)
    seen = {}

    def backward(self, *a, **kw):  # refinement's backward, simulated: a gradient on the latent it optimizes
        seen['loss'] = self
        for p in seen['z']:
            p.grad = torch.zeros_like(p)

    with fake():
        vae = build(lambda: build_vae(cfg), 'cuda').eval()
        pts = torch.rand(1, cfg.n_points, 3, device='cpu') - 0.5
        z = encode_points(vae, pts, torch.nn.functional.normalize(pts, dim=-1))[0]  # the posterior mean, on the CPU
        logits = decode_logits(vae, z, np.zeros((64, 3), np.float32))
        shape = dict(queries=np.zeros((512, 3), np.float32), sdf=np.zeros(512, np.float32))
        real_adam = torch.optim.Adam

        def adam(params, lr):
            seen['z'] = list(params)
            return real_adam(seen['z'], lr)

        monkeypatch.setattr(torch.optim, 'Adam', adam)
        monkeypatch.setattr(torch.Tensor, 'backward', backward)
        zr = refine_latent(vae, z, shape, 256, steps=1, n_q=64)
    assert z.device.type == 'cpu' and logits.device.type == 'cpu'  # what leaves the device
    assert seen['loss'].device.type == 'cuda' and seen['z'][0].device.type == 'cuda'  # refined on the GPU
    assert zr.device.type == 'cpu' and zr.shape == z.shape  # returned where it came from


def test_teacher_features_on_gpu():
    from lost_nb.teacher import RenderEncoder, TeacherConfig

    cfg = TeacherConfig.from_profile(get_profile(PAPER, 'teacher')['model'])
    with fake():
        enc = build(lambda: RenderEncoder(cfg), 'cuda').eval()
        tokens, g = enc(np.zeros((2, 224, 224), np.uint8))  # renders are numpy: moved by the encoder
    assert not on_gpu(tokens, g)


@pytest.mark.parametrize('defect', ['cpu batch', 'cpu ema'])
def test_the_harness_catches_a_cpu_tensor(defect):
    "The simulation is not vacuous: a CPU tensor meeting the GPU model, or an EMA left on the CPU, fails."
    from lost_nb.core import EMA
    from lost_nb.train import FitConfig, Stage

    def make(dev):
        m = build(lambda: torch.nn.Linear(4, 1), dev)
        sample = lambda step, g: dict(x=torch.randn(8, 4, generator=g))  # noqa: E731
        return Stage(m, sample, lambda net, b: (net(b['x']).pow(2).mean(), {}), FitConfig(1, 8, 1e-3, ema_decay=0.9))

    with pytest.raises(Exception) as e:
        with fake():
            st = make('cuda')
            tr = Trainer(st, accelerator())
            batch = st.sample(0, torch.Generator().manual_seed(0))
            if defect == 'cpu batch':
                tr.loss_fn(tr.net, batch)  # the batch never moved to the device
            else:
                tr.ema = EMA(torch.nn.Linear(4, 1))  # averages on the CPU
                tr.ema.update(st.model)
    assert 'cpu' in str(e.value).lower() and 'cuda' in str(e.value).lower()


def test_resume_onto_gpu(tmp_path):
    """A checkpoint read onto the CPU, loaded into a stage on the GPU, then one more step: the weights, AdamW's
    moments and the EMA's averages are all on the GPU (the EMA used to keep the checkpoint's CPU tensors)."""
    from lost_nb.core import load_checkpoint
    from lost_nb.gpt import GPTConfig, gpt_stage
    from lost_nb.train import fit

    cfg = GPTConfig(n_tokens=4, token_dim=4, dim=32, n_layer=1, n_head=4, cond_dim=8, head_width=32, head_depth=1)
    tokens, views = torch.randn(8, 4, 4), torch.randn(8, 2, 8)
    make = lambda dev: gpt_stage(tokens, views, None, cfg, steps=4, batch_size=4, lr=1e-3, device=dev)  # noqa: E731
    fit(make('cpu'), tmp_path / 'gpt.safetensors', until=2)  # a real run on the CPU, stopped half way
    ck = load_checkpoint(tmp_path / 'gpt.safetensors')  # as fit reads it: CPU tensors
    acc = accelerator()
    with fake():
        st = make('cuda')
        tr = Trainer(st, acc)
        tr.load(ck, torch.Generator())
        assert_on_gpu('EMA averages after loading', [v for v in tr.ema.shadow.values()])
        acc.backward = lambda loss, **kw: [setattr(p, 'grad', torch.zeros_like(p)) for p in tr.params]
        tr.step(st.sample(2, torch.Generator().manual_seed(2)), 2, 0.5)
    assert_on_gpu('weights', st.model.parameters())
    assert_on_gpu('AdamW moments', [v for s in tr.opt.state.values() for k, v in s.items() if k.startswith('exp_avg')])
    assert_on_gpu('EMA averages', tr.ema.shadow.values())


def test_every_loader_takes_a_device(tmp_path):
    "Each public loader puts its model on the device asked for (`meta` here, standing in for a GPU)."
    import numpy as np
    from lost_nb.gpt import GPTConfig, gpt_stage, load_gpt
    from lost_nb.rida import RIDAConfig, rida_stage, load_semantic_extractor
    from lost_nb.teacher import TeacherConfig, teacher_stage, load_offline_teacher
    from lost_nb.tokenizer import LoSTConfig, tokenizer_stage, load_tokenizer
    from lost_nb.vae import VAEConfig, vae_stage, load_vae
    from lost_nb.core import save_checkpoint

    def write(st, name):
        p = tmp_path / f'{name}.safetensors'
        save_checkpoint(p, {'model': st.model, 'ema': st.model}, st.config, kind=st.kind)
        return p

    z = torch.randn(4, 4, 8, 24)
    tok = write(tokenizer_stage(z, LoSTConfig(C=4, r=8, width=16, depth=1, heads=2, K=4, d=4, dec_width=16,
                                              dec_depth=1, dec_heads=2), 1, 4, 1e-3, None, device='cpu'), 'tok')
    gcfg = GPTConfig(n_tokens=4, token_dim=4, dim=32, n_layer=1, n_head=4, cond_dim=8, head_width=32, head_depth=1)
    gpt = write(gpt_stage(torch.randn(4, 4, 4), torch.randn(4, 2, 8), None, gcfg, 1, 4, 1e-3, device='cpu'), 'gpt')
    feats = dict(z=z, St=torch.randn(4, 16, 8), zt=torch.randn(4, 8))
    rcfg = RIDAConfig(C=4, r=8, width=16, depth=1, heads=2, grid=4, stem=4, out_dim=8)
    rida = write(rida_stage(feats, rcfg, 'rida', 1, 4, 1e-3, device='cpu'), 'rida')
    ims = np.zeros((4, 3, 32, 32), np.uint8)
    teacher = write(teacher_stage(ims, TeacherConfig(res=32, width=8, dim=16, proj_dim=8), 1, 4, 1e-3,
                                  device='cpu'), 'teacher')  # fmt: skip
    vcfg = VAEConfig(n_points=64, C=4, r=8, rq=4, width=32, heads=4, n_self=1, dec_width=16, n_up=1, feat=8,
                     mlp_width=16)  # fmt: skip
    data = dict(surface=torch.rand(2, 64, 3), normals=torch.rand(2, 64, 3), queries=torch.rand(2, 32, 3),
                sdf=torch.rand(2, 32), ids=['a', 'b'], n_uniform=16)  # fmt: skip
    train = dict(batch_size=2, n_occ=16, steps=1, lr=1e-3, warmup=0.0, lr_floor=0.0, band=0.01, kl_weight=1e-6,
                 ema_decay=0.0, ckpt_every=1)  # fmt: skip
    vae = write(vae_stage(data, vcfg, train, device='cpu'), 'vae')
    models = dict(
        vae=load_vae(vae, 'meta')[0],
        tokenizer=load_tokenizer(tok, 'meta'),
        gpt=load_gpt(gpt, 'meta')[0],
        rida=load_semantic_extractor(rida, 'meta'),
        teacher=load_offline_teacher(teacher, 'meta'),
    )
    for name, m in models.items():
        assert {p.device.type for p in m.parameters()} == {'meta'}, name
