"""``make bench-profile``: where the time of ``decode_vs_per_example``'s batched side goes.

On the bench model and the same test problems as that row, it prints and writes to
``bench/out/profile_decode.txt``:

- the rounds each example took and the tokens each first-round row wrote (the chain of
  steps a batch cannot finish before);
- the cost of one decoder step at several batch sizes (the price of a step that only a few
  long rows still need), through :class:`ases.models.t5_lean.T5Steps` and through the model's
  forward;
- the torch profiler's table of the batched decoding, operators by self CPU time;
- the same table for training steps of the bench model (a copy) on the uni-path rows,
  batch 32, AdamW: what bounds the default job's training.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import statistics
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from ases.decoding.settings import DecodeSettings
from ases.models.greedy import greedy_generate
from bench.decode import batched
from bench.model import load

OUT = Path("bench/out/profile_decode.txt")


def step_ms(model, enc: dict, batch: int, lean: bool, steps: int = 40,
            repeats: int = 3) -> float:
    """Median milliseconds of one decoder step at ``batch`` rows (encoder pass included,
    spread over ``steps`` forced steps); ``lean`` as in ``greedy_generate``."""
    rows = {k: v[:batch] for k, v in enc.items()}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        greedy_generate(model, rows["input_ids"], rows["attention_mask"], steps, steps, lean)
        times.append((time.perf_counter() - start) / steps * 1000)
    return statistics.median(times)


def report(n: int = 48) -> None:
    b = load()
    questions = [ex.question for ex in b.test[:n]]
    settings = dataclasses.replace(DecodeSettings(**b.cfg.decode), engine="ases")
    batch_size = int(b.cfg.datamodule.eval_batch_size)
    traces = batched(b, questions, settings, batch_size)
    enc = b.tokenizer(questions, padding=True, truncation=True, max_length=b.spec.max_source_len,
                      return_tensors="pt")
    first = greedy_generate(b.model, enc["input_ids"], enc["attention_mask"],
                            settings.max_new_tokens)
    lengths = sorted(len(row) for row in first)
    print(f"{n} problems, batch {batch_size}, max_new_tokens {settings.max_new_tokens}")
    print(f"rounds per example: {dict(sorted(Counter(t.rounds for t in traces).items()))}")
    print(f"tokens written by each row in round 1 (sorted): {lengths}")
    print(f"rows that reach max_new_tokens: {sum(x == settings.max_new_tokens for x in lengths)}")
    print("\nms per decoder step by batch size (greedy_generate, forced length):")
    print("  batch   T5Steps   model forward")
    for size in (1, 2, 4, 8, 16, 32, n):
        t5, forward = (step_ms(b.model, enc, min(size, n), lean) for lean in (True, False))
        print(f"  {size:>5}   {t5:>5.2f} ms   {forward:>5.2f} ms")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        batched(b, questions, settings, batch_size)
    print("\ntorch profiler, batched decoding of the same problems (self CPU time):")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
    training(b)


def training(b, batch_size: int = 32, steps: int = 3) -> None:
    """Profile training steps (forward, backward, AdamW) of a copy of the bench model on
    its first uni-path rows."""
    model = copy.deepcopy(b.model).train()
    rows = b.rows[:batch_size]
    src = b.tokenizer([r.source for r in rows], padding=True, truncation=True,
                      max_length=b.spec.max_source_len, return_tensors="pt")
    tgt = b.tokenizer([r.target for r in rows], padding=True, truncation=True,
                      max_length=b.spec.max_target_len, return_tensors="pt")["input_ids"]
    labels = tgt.masked_fill(tgt == b.tokenizer.pad_token_id, -100)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step() -> None:
        model(**src, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    step()  # warm-up
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    seconds = (time.perf_counter() - start) / steps
    print(f"\ntorch profiler, training steps (batch {batch_size}, sources "
          f"{tuple(src['input_ids'].shape)}, targets {tuple(labels.shape)}, "
          f"{seconds:.2f} s a step under the profiler), self CPU time:")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


def main() -> int:
    torch.manual_seed(0)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        report()
    text = buffer.getvalue()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text + f"written: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
