"""Measure vizlab.attribute_generation against Inseq (the reference for attributing generated text).

Inseq is not in the lock: install it apart, without touching the project's environment, e.g.
``python -m pip install --no-deps --target /tmp/inseq-site inseq jaxtyping wadler-lindig "typeguard==2.13.3"
treescope protobuf`` and pass ``--site /tmp/inseq-site``. Both sides get the same prompt, the same
continuation (vizlab's greedy one), the same method and steps, the logit as the attributed score, and
the same baseline: Inseq replaces every token by UNK except EOS, vizlab keeps the special tokens and
replaces the others by [PAD]; here Inseq's UNK is set to the padding token and its baseline keeps the
special tokens (``<bos>``) as vizlab's does. Prints one JSON object: seconds of each side, and the
largest absolute difference and the correlation of the two matrices.

    PYTHONPATH=. python scripts/compare_inseq_generation.py --site /tmp/inseq-site --model tiny-gemma -n 6
    PYTHONPATH=. python scripts/compare_inseq_generation.py --site /tmp/inseq-site --model gemma-270m -n 3
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def tiny_gemma():
    """A 2-layer Gemma-3 architecture with random weights and Gemma's own tokenizer (fast, same special tokens)."""
    import torch  # noqa: F401
    from transformers import Gemma3TextConfig

    import vizlab
    from vizlab.extraction.models import model_from_config

    tok = vizlab.load_model("gemma-270m", device="cpu").tokenizer
    cfg = Gemma3TextConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=128,
                           sliding_window=16, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                           eos_token_id=tok.eos_token_id)
    return model_from_config(cfg, tok, name="tiny-gemma", seed=0, causal=True)


def inseq_matrix(lm, prompt: str, ids, method: str, steps: int):
    import inseq
    import torch

    tok = lm.tokenizer
    tok.unk_token = tok.pad_token  # Inseq's baseline token: vizlab's [PAD]
    model = inseq.load_model(lm.model, method, tokenizer=tok)
    encode = model.encode

    def keep_special(*args, **kwargs):  # vizlab's baseline keeps <bos> (Inseq replaces it by UNK)
        batch = encode(*args, **kwargs)
        if getattr(batch, "baseline_ids", None) is not None:
            special = torch.tensor([tok.get_special_tokens_mask(r.tolist(), already_has_special_tokens=True)
                                    for r in batch.input_ids]).bool().to(batch.input_ids.device)
            batch.baseline_ids = torch.where(special, batch.input_ids, batch.baseline_ids)
        return batch

    model.encode = keep_special
    full = tok.decode(ids, skip_special_tokens=True)
    kw = {"n_steps": steps, "internal_batch_size": steps} if method == "integrated_gradients" else {}
    t = time.perf_counter()
    out = model.attribute(prompt, generated_texts=full, attributed_fn="logit", show_progress=False, **kw)
    seconds = time.perf_counter() - t
    return out.sequence_attributions[0].target_attributions.float().sum(-1).T.numpy(), seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--site", help="folder holding Inseq (pip install --target ...)")
    p.add_argument("--model", default="tiny-gemma", help="tiny-gemma (random weights) or a preset (gemma-270m)")
    p.add_argument("--prompt", default="O Brasil é o maior país da")
    p.add_argument("-n", type=int, default=6, help="tokens to generate")
    p.add_argument("--steps", type=int, default=50)
    args = p.parse_args()
    if args.site:
        sys.path.insert(0, args.site)
    import vizlab

    lm = tiny_gemma() if args.model == "tiny-gemma" else vizlab.load_model(args.model, device="cpu")
    res = {"model": lm.name, "prompt": args.prompt, "n": args.n, "steps": args.steps}
    for method, ours in (("integrated_gradients", "integrated_gradients"), ("input_x_gradient", "grad_x_input")):
        t = time.perf_counter()
        g = vizlab.attribute_generation(lm, args.prompt, args.n, method=ours, n_steps=args.steps)
        res[f"{ours}_vizlab_s"] = round(time.perf_counter() - t, 1)
        ids = np.concatenate([lm.tokenizer(args.prompt)["input_ids"], g.generated_ids])
        theirs, seconds = inseq_matrix(lm, args.prompt, ids, method, args.steps)
        res[f"{ours}_inseq_s"] = round(seconds, 1)
        theirs = theirs[-g.n_generated:, :g.matrix.shape[1]]
        ok = np.isfinite(g.matrix)
        if theirs.shape != g.matrix.shape:
            res[f"{ours}_shapes"] = [list(theirs.shape), list(g.matrix.shape)]
            continue
        res[f"{ours}_max_abs_diff"] = float(np.abs(theirs[ok] - g.matrix[ok]).max())
        res[f"{ours}_max_abs"] = float(np.abs(g.matrix[ok]).max())
        res[f"{ours}_corr"] = float(np.corrcoef(theirs[ok], g.matrix[ok])[0, 1])
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
