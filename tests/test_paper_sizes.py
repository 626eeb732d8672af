"""The `paper` profile builds the paper's models: each is built on PyTorch's meta device (no memory, no weights),
its parameter count printed and checked against the paper and the official configs, and one forward pass run at
the paper's shapes. Seconds. `pytest -s tests/test_paper_sizes.py` shows the counts."""

import torch
import pytest
from lost_nb.core import get_profile
from lost_nb.vae import profile_vae_config, build_vae
from lost_nb.tokenizer import LoSTConfig, LoST
from lost_nb.rida import RIDA, RIDAConfig

B = 2


def n_params(m):
    return sum(p.numel() for p in m.parameters())


@pytest.fixture(scope='module')
def latent():
    cfg = profile_vae_config(get_profile('paper', 'vae'))
    return cfg, cfg.latent_shape


def test_vae_is_direct3ds(latent):
    cfg, shape = latent
    with torch.device('meta'):
        vae = build_vae(cfg)
        logits, kl = vae(
            torch.empty(B, cfg.n_points, 3), torch.empty(B, cfg.n_points, 3), torch.empty(B, 20_000, 3)
        )
    print(f"\nD3D-VAE: {n_params(vae):,} parameters, latent {shape}")
    assert type(vae).__name__ == 'Direct3DVAE' and n_params(vae) == 119_275_265  # Direct3D's released model
    assert shape == (16, 32, 96) and cfg.n_points == 81_920 and logits.shape == (B, 20_000)


def test_lost_tokenizer(latent):
    C, r, _ = latent[1]
    k = get_profile('paper', 'tokenizer')['model']
    cfg = LoSTConfig.from_profile(k, C=C, r=r)
    with torch.device('meta'):
        lost = LoST(cfg)
        z, keep = torch.empty(B, C, r, 3 * r), torch.ones(B, cfg.K, dtype=torch.bool)
        out, xc = lost(z, z, torch.zeros(B, dtype=torch.long), keep)
        tokens = lost.tokenize(z)
    enc, dec = n_params(lost.encoder), n_params(lost.decoder)
    print(
        f"\nLoST encoder {enc:,} (ViT {cfg.depth} x {cfg.width}, {cfg.n_patches} patch tokens, {cfg.K} registers of "
        f"{cfg.d}); DiT decoder {dec:,} ({cfg.dec_depth} x {cfg.dec_width}, {cfg.dec_heads} heads)"
    )
    assert (cfg.depth, cfg.width, cfg.n_patches, cfg.K, cfg.d) == (
        12,
        768,
        768,
        512,
        32,
    )  # the paper's encoder
    assert (cfg.dec_depth, cfg.dec_width, cfg.dec_heads) == (24, 1024, 16) and not cfg.additions
    assert 80e6 < enc < 90e6  # a ViT-B (12 x 768: 85M) plus embeddings and the 512 registers
    assert 440e6 < dec < 470e6  # 24 DiT blocks of width 1024 (18 d^2 each) plus embeddings
    assert out.shape == z.shape and xc is None and tokens.shape == (B, 512, 32)


def test_rida(latent):
    C, r, _ = latent[1]
    cfg = RIDAConfig.from_profile(
        get_profile('paper', 'rida')['model'], C=C, r=r, out_dim=768
    )  # DINOv2 ViT-B: 768
    with torch.device('meta'):
        rida = RIDA(cfg)
        S, g = rida(torch.empty(B, C, r, 3 * r))
    print(
        f"\nRIDA {n_params(rida):,} ({cfg.depth} x {cfg.width}, {cfg.heads} heads, {cfg.grid}x{cfg.grid} token grid)"
    )
    assert (cfg.depth, cfg.width, cfg.heads, cfg.grid) == (12, 768, 8, 16)
    assert 85e6 < n_params(rida) < 95e6 and S.shape == (B, 256, 768) and g.shape == (B, 768)


def test_lost_gpt():
    "LlamaGen GPT-L (24 x 1024, 16 heads) over 128 tokens of 32, and the official head (12 blocks x 1536, concat)."
    from lost_nb.gpt import GPTConfig, LoSTGPT, swiglu_hidden

    m = get_profile('paper', 'gpt')['model']
    cfg = GPTConfig.from_profile(m, token_dim=32, cond_dim=512, n_classes=0)  # OpenCLIP ViT-B-32: 512
    with torch.device('meta'):
        gpt = LoSTGPT(cfg)
        tokens = torch.empty(B, cfg.n_tokens, cfg.token_dim)
        loss = gpt.loss(tokens, gpt.condition(image=torch.empty(B, 512)))
    D, H, W = cfg.dim, swiglu_hidden(cfg.dim), cfg.head_width
    block = 4 * D * D + 3 * D * H + 2 * D  # attention (no biases), SwiGLU, two RMSNorm gains
    transformer = cfg.n_layer * block + (512 * D + 2 * D) + (32 * D + D) + 2 * cfg.n_tokens * D + 3 * D
    head_block = 2 * W + (3 * W * W + 3 * W) + (2 * W * W + W) + (W * W + W)  # LayerNorm, adaLN, MLP 2W -> W -> W
    # input projection, timestep MLP (256 sinusoids), z projection, the blocks, final adaLN, output 2W -> 32
    head = 33 * W + (257 * W + W * W + W) + (D * W + W) + cfg.head_depth * head_block + (2 * W * W + 2 * W) + 64 * W + 32
    n_tr = n_params(gpt) - n_params(gpt.head)
    print(f"\nLoST-GPT transformer {n_tr:,} ({cfg.n_layer} x {cfg.dim}, {cfg.n_head} heads, SwiGLU {H}); "
          f"head {n_params(gpt.head):,} ({cfg.head_depth} x {cfg.head_width}, {cfg.head_cond})")
    assert (cfg.n_layer, cfg.dim, cfg.n_head, cfg.n_tokens, H) == (24, 1024, 16, 128, 2816)  # GPT-L, LlamaGen's FFN
    assert (cfg.head_depth, cfg.head_width, cfg.head_cond) == (12, 1536, 'concat')  # configs/autoregressive_l.yaml
    assert n_tr == transformer and 300e6 < n_tr < 320e6
    assert n_params(gpt.head) == head and 170e6 < head < 190e6 and loss.shape == ()
