"""Seconds to sample N tokens with LoST-GPT's KV cache and without it (the official sampler re-runs the whole
prefix at every token), at the cpu profile's GPT size and at the paper's (24 x 1024, head 12 x 1536), side by
side in one run on this machine.

Random weights (the cost does not depend on them), a batch of `--batch` conditions doubled for guidance, as the
sampler runs. The transformer's share (prefill, then one position per step through the cache; or the prefix
re-run) is timed apart from the head's (which does not change with the cache: `--head-steps` evaluations per
token, timed on the same hidden states), so the cache's speed-up is reported for the part it changes. Prints
each share and the ratio. Results: figures/bench/gpt_sampling.json, keys `seconds` (by size and part) and
`transformer_speedup` (by size).

    python bench/gpt_sampling.py                       # N = 128 at both sizes (a few minutes)
    python bench/gpt_sampling.py --sizes cpu --tokens 32
"""
import argparse, time
import torch
from lost_nb.core import get_profile
from lost_nb.gpt import GPTConfig, LoSTGPT, flow_sample
from _record import write_result


def transformer_seconds(model: LoSTGPT, cond: torch.Tensor, n: int, cache: bool) -> tuple[float, torch.Tensor]:
    "Seconds of the transformer alone over n positions (random next tokens), and the last hidden states."
    g = torch.Generator().manual_seed(0)
    toks = torch.randn(len(cond), n, model.cfg.token_dim, generator=g)
    t0 = time.perf_counter()
    with torch.no_grad():
        if cache:
            caches = model.new_caches(len(cond))
            for i in range(n):
                x = cond if i == 0 else model.tok_proj(toks[:, i - 1])[:, None]
                h = model.hidden(x, caches, torch.tensor([i]))
        else:
            seq = cond
            for i in range(n):
                if i:
                    seq = torch.cat([seq, model.tok_proj(toks[:, i - 1])[:, None]], 1)
                h = model.hidden(seq)[:, -1:]
    return time.perf_counter() - t0, h[:, -1]


def head_seconds(model: LoSTGPT, h: torch.Tensor, n: int, steps: int) -> float:
    "Seconds of n guided head samplings of `steps` steps on hidden states h (2B, D)."
    g = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for i in range(n):
        flow_sample(model.head, h + model.diff_pos[0, i % model.cfg.n_tokens], model.cfg.token_dim, steps, 3.0,
                    guided=True, generator=g)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tokens', type=int, default=128)
    ap.add_argument('--batch', type=int, default=1, help='conditions (doubled for guidance)')
    ap.add_argument('--head-steps', type=int, default=25)
    ap.add_argument('--sizes', default='cpu,paper')
    a = ap.parse_args()
    out, speedup = {}, {}
    for size in a.sizes.split(','):
        m = dict(get_profile(size, 'gpt')['model'])
        m['n_tokens'] = a.tokens
        cfg = GPTConfig.from_profile(m, token_dim=32, cond_dim=512, n_classes=0)
        torch.manual_seed(0)
        model = LoSTGPT(cfg).eval()
        cond = model.condition(image=torch.randn(a.batch, 512))
        cond = torch.cat([cond, model.null(a.batch)]).detach()  # (2B, 1, D): the guided batch
        t_cache, h = transformer_seconds(model, cond, a.tokens, True)
        t_none, _ = transformer_seconds(model, cond, a.tokens, False)
        t_head = head_seconds(model, h.detach(), a.tokens, a.head_steps)
        out[size] = dict(transformer_cache=t_cache, transformer_no_cache=t_none, head=t_head,
                         params_transformer=sum(p.numel() for n, p in model.named_parameters() if not n.startswith('head.')),
                         params_head=sum(p.numel() for p in model.head.parameters()))
        speedup[size] = t_none / t_cache
        print(f"{size} ({cfg.n_layer} x {cfg.dim}, head {cfg.head_depth} x {cfg.head_width}), {a.tokens} tokens, batch "
              f"{a.batch} (x2 guided), {torch.get_num_threads()} threads: transformer with cache {t_cache:.2f} s, "
              f"without {t_none:.2f} s ({speedup[size]:.1f}x); head at {a.head_steps} steps {t_head:.2f} s (same with or "
              f"without); whole sampler {t_cache + t_head:.2f} s vs {t_none + t_head:.2f} s "
              f"({(t_none + t_head) / (t_cache + t_head):.1f}x)")
    write_result('gpt_sampling', dict(tokens=a.tokens, batch=a.batch, head_steps=a.head_steps, seconds=out,
                                      transformer_speedup=speedup))


if __name__ == '__main__':
    main()
