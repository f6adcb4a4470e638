"""``score_vs_fixed_padding``: segmentation scoring against padding every batch to 512.

Both sides use the same tiny scorer weights, the same GSM8K train CoTs, the same batch
size and float32 on the CPU; they compute the same per-token entropies and NLLs (checked).
ases sorts CoTs by length and pads each batch to its own longest row; the baseline keeps
the data order and pads sources and targets to 512 tokens, as fixed-length scoring code does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ases.data.gsm8k import load_gsm8k
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.segment.scorer import token_stats
from ases.tasks.mwp import MWPTask
from ases.text.context import context
from bench.timing import Comparison, compare

FIXED = 512


def fixed_padding_stats(model, tokenizer, questions, pieces, batch_size):
    """The baseline: every batch padded to FIXED tokens, in data order."""
    ids = [[tokenizer(p, add_special_tokens=False)["input_ids"] for p in ps] for ps in pieces]
    out = []
    for start in range(0, len(questions), batch_size):
        chunk = range(start, min(start + batch_size, len(questions)))
        src = tokenizer([context(questions[i], []) for i in chunk], padding="max_length",
                        truncation=True, max_length=FIXED, return_tensors="pt")
        tgt = torch.full((len(chunk), FIXED), -100, dtype=torch.long)
        for row, i in enumerate(chunk):
            flat = [t for p in ids[i] for t in p] + [tokenizer.eos_token_id]
            tgt[row, : len(flat)] = torch.tensor(flat[:FIXED])
        with torch.inference_mode():
            logp = torch.log_softmax(model(**src, labels=tgt).logits.float(), -1)  # (B, 512, V)
            entropy = -(logp.exp() * logp).sum(-1).numpy()  # (B, 512)
        for row, i in enumerate(chunk):
            pos, per = 0, []
            for p in ids[i]:
                per.append(entropy[row, pos : pos + len(p)])
                pos += len(p)
            out.append(per)
    return out


def run(shared: Path, n: int = 256, batch_size: int = 64, repeats: int = 3) -> Comparison:
    """Times both scorers on the first ``n`` GSM8K train CoTs."""
    splits = load_gsm8k(str(shared / "gsm8k"), val_size=0)
    task = MWPTask()
    examples = splits.train[:n]
    questions = [ex.question for ex in examples]
    pieces = [task.pieces(ex.cot) for ex in examples]
    spec = ModelSpec(max_source_len=FIXED)
    tok = build_tokenizer(spec, [t for ex in splits.train[:2000] for t in (ex.question, ex.cot)],
                          Path(".cache/ases"))
    torch.manual_seed(0)
    model = build_model(spec, tok).eval()

    adapter = build_adapter(spec, tok)
    fast = token_stats(adapter, model, questions, pieces, FIXED, batch_size, progress=False)
    slow = fixed_padding_stats(model, tok, questions, pieces, batch_size)
    for a, b in zip(fast, slow, strict=True):  # the same numbers, or the timing means nothing
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x.entropy, y, rtol=1e-3, atol=1e-3)

    return compare(
        name="score_vs_fixed_padding",
        ases=lambda: token_stats(adapter, model, questions, pieces, FIXED, batch_size, progress=False),
        baseline=lambda: fixed_padding_stats(model, tok, questions, pieces, batch_size),
        work=n, unit="CoTs/s", target=5.0, repeats=repeats,
    )


if __name__ == "__main__":
    print(json.dumps(run(Path("../shared/data")).as_dict(), indent=2))
