"""More training seeds of the tokenizer and its two ablations, for the spread over seeds in Tables 1 and 4.

Trains LoST, LoST without the semantic loss and LoST without nested dropout exactly as
nbs/03_train_tokenizer.ipynb does (the profile's `tokenizer.model` and `tokenizer.train` blocks, the trained
VAE's latents and RIDA extractor, the three side by side in the profile's `processes`), once per seed given, into
`runs/tokenizer-<profile>[-nosem|-nonested]-s<seed>`, where nbs/04_evaluate.ipynb finds and scores them beside seed
0 (per-seed rows, the spread over seeds, and the paired comparisons averaged over seeds). Resumes a finished or
interrupted seed. Prints each run's training time. Results: figures/bench/tokenizer_seeds.json (other profiles:
<runs>/figures-<profile>/bench/), keys `seeds` and `seconds` (by seed).

    python bench/tokenizer_seeds.py 1 2
    python bench/tokenizer_seeds.py 1 profile=smoke
"""
import sys
from dataclasses import asdict
import torch
from lost_nb.core import get_profile, run_dir, input_key, run_jobs, Timer
from lost_nb.data import built_sources, index_hash
from lost_nb.vae import load_latents
import lost_nb.tokenizer as lt
from _record import split_profile, write_result


def main():
    profile, args = split_profile(sys.argv[1:])
    seeds = [int(a) for a in args] or [1, 2]
    if 0 in seeds:
        raise SystemExit('seed 0 is the notebook\'s own run (nbs/03_train_tokenizer.ipynb)')
    dcfg, kcfg = get_profile(profile, 'data'), get_profile(profile, 'tokenizer')
    ktrain = kcfg['train']
    vae_ckpt, rida_ckpt = run_dir('vae', profile) / 'vae.safetensors', run_dir('rida', profile) / 'rida.safetensors'
    srcs = built_sources(dcfg)
    z_train = torch.cat([load_latents(src, dcfg, vae_ckpt, split='train')[1] for src in srcs])
    inputs = {'vae': input_key(vae_ckpt), **{f'data.{s}': index_hash(s, dcfg) for s in srcs}}
    mcfg = lt.LoSTConfig.from_profile(kcfg['model'], C=z_train.shape[1], r=z_train.shape[2])
    variants = {'LoST': dict(semantic_weight=1.0, nested=True),
                'LoST, no semantic loss': dict(semantic_weight=0.0, nested=True),
                'LoST, no nested dropout': dict(semantic_weight=1.0, nested=False)}
    keys = ('steps', 'batch_size', 'lr', 'warmup', 'lr_floor', 'nested_warmup', 'coarse_weight', 'pca_init')
    train_kw = {k: ktrain[k] for k in keys}
    seconds = {}
    for seed in seeds:
        tags = {n: '-'.join(t for t in (lt.VARIANT_TAGS[n], f's{seed}') if t) for n in variants}
        jobs = {n: dict(z=z_train, cfg=lt.LoSTConfig(**asdict(mcfg)), extractor_path=rida_ckpt, seed=seed, inputs=inputs,
                        ckpt=run_dir('tokenizer', profile, tags[n]) / 'tokenizer.safetensors', **train_kw, **v)
                for n, v in variants.items()}
        with Timer() as t:
            run_jobs(lt.train_tokenizer_job, jobs, processes=ktrain['processes'])
        seconds[seed] = t.s
        print(f"seed {seed}: {len(jobs)} tokenizers trained in {t.s:.0f}s -> " +
              ', '.join(f"runs/tokenizer-{profile}-{tags[n]}" for n in variants), flush=True)
    write_result('tokenizer_seeds', dict(seeds=seeds, seconds=seconds), profile=profile)


if __name__ == '__main__':
    main()
