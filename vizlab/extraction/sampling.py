"""Text generation by sampling, the way the softmax-temperature figure shows it."""

from __future__ import annotations

from vizlab.extraction.batching import validate_texts
from vizlab.extraction.forward import no_grad
from vizlab.extraction.models import LoadedModel

__all__ = ["sample_text"]


def sample_text(lm: LoadedModel, prompt: str, *, temperature: float, seed: int, max_new_tokens: int = 16) -> str:
    """Text the decoder ``lm`` writes after ``prompt``, sampling each token from ``softmax(logits / T)``.

    Plain temperature sampling with ``transformers``' ``generate`` (``do_sample=True``, ``top_k=0``,
    ``top_p=1``: no other filter, so the temperature alone shapes the distribution), with torch's
    generator seeded by ``seed`` for the call (:func:`vizlab.extraction.rng.seeded`), so the same
    model, prompt, temperature and seed give the same text.

    Returns
    -------
    str
        The continuation only (the prompt not repeated), decoded without special tokens.
    """
    from vizlab.extraction.rng import seeded

    if lm.kind != "decoder" or lm.model.get_output_embeddings() is None:
        raise ValueError(f"{lm.name!r} is not a decoder with a language-model head; sampling text needs one, "
                         "such as the 'gemma-270m' preset")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 (got {temperature}); for the likeliest token use next_token_logits")
    prompt = validate_texts(prompt)[0]
    enc = lm.tokenizer(prompt, return_tensors="pt").to(lm.device)
    with seeded(seed, lm.device), no_grad():
        out = lm.model.generate(**enc, do_sample=True, temperature=float(temperature), top_k=0, top_p=1.0,
                                max_new_tokens=max_new_tokens, pad_token_id=lm.tokenizer.pad_token_id)
    return lm.tokenizer.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
