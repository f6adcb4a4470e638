"""Decoding benchmarks on the trained bench model (bench/model.py) and its test set.

``decode_vs_per_example``: ases' batched iterative decoding (length-sorted batches of
``datamodule.eval_batch_size``, finished examples dropped each round, finished rows dropped
each step by ``decode.engine=ases``) against the authors' pattern: one example at a time,
``model.generate`` for each segment. Same weights, greedy settings and stop rule; the
outputs are checked identical before anything is timed.

``decode_vs_one_pass``: the cost of one generated token in iterative decoding (a fresh
encoder pass over the grown context every round) against one-pass decoding (one encoder
pass, then the cached decoder), both with ases' engine. Both sides write exactly the same
number of tokens per example (``min_new_tokens`` = ``max_new_tokens``, a stop rule that
never holds), so the per-token cost compares like with like.
"""

from __future__ import annotations

import dataclasses

from ases.decoding.loops import DecodeSettings, decode_iterative, decode_one_pass
from bench.model import Bench
from bench.timing import Comparison, compare


def batched(b: Bench, questions: list[str], settings: DecodeSettings, batch_size: int) -> list:
    """What the test loop does: similar lengths decode together, in batches."""
    order = sorted(range(len(questions)), key=lambda i: len(questions[i]))
    traces: list = [None] * len(questions)
    for start in range(0, len(order), batch_size):
        chunk = order[start: start + batch_size]
        out = decode_iterative(b.adapter, b.model, [questions[i] for i in chunk],
                               b.task.is_finished, b.spec.max_source_len, settings)
        for i, trace in zip(chunk, out, strict=True):
            traces[i] = trace
    return traces


def per_example(b: Bench, questions: list[str], settings: DecodeSettings) -> list:
    """The authors' pattern: one example at a time, ``model.generate`` for each segment."""
    settings = dataclasses.replace(settings, engine="hf")
    return [decode_iterative(b.adapter, b.model, [q], b.task.is_finished,
                             b.spec.max_source_len, settings)[0] for q in questions]


def vs_per_example(b: Bench, n: int = 48, repeats: int = 3) -> Comparison:
    questions = [ex.question for ex in b.test[:n]]
    settings = dataclasses.replace(DecodeSettings(**b.cfg.decode), engine="ases")
    batch_size = int(b.cfg.datamodule.eval_batch_size)
    fast, slow = batched(b, questions, settings, batch_size), per_example(b, questions, settings)
    if [t.segments for t in fast] != [t.segments for t in slow]:
        raise AssertionError("batched and per-example decoding differ; the timing means nothing")
    rounds = sum(t.rounds for t in fast) / n
    print(f"decode_vs_per_example: {n} examples, {rounds:.2f} rounds each, outputs identical")
    row = compare("decode_vs_per_example",
                  ases=lambda: batched(b, questions, settings, batch_size),
                  baseline=lambda: per_example(b, questions, settings),
                  work=n, unit="ex/s", target=5.0, repeats=repeats)
    # What the greedy loop adds: the same batches decoded by model.generate, side by side
    with_generate = dataclasses.replace(settings, engine="hf")
    engines = compare("engine", ases=lambda: batched(b, questions, settings, batch_size),
                      baseline=lambda: batched(b, questions, with_generate, batch_size),
                      work=n, unit="ex/s", target=1.0, repeats=repeats)
    row.extra.update({"batched_with_generate_ex_s": round(engines.baseline, 2),
                      "engine_ases_over_generate": round(engines.ratio, 3)})
    print(f"decode_vs_per_example: batched with model.generate {engines.baseline:.1f} ex/s, "
          f"with ases' loop {engines.ases:.1f} ex/s ({engines.ratio:.2f}x)")
    return row


def vs_one_pass(b: Bench, n: int = 32, rounds: int = 4, per_round: int = 32,
                repeats: int = 3) -> Comparison:
    questions = [ex.question for ex in b.test[:n]]
    total = rounds * per_round
    iterative = DecodeSettings(num_beams=1, max_new_tokens=per_round, max_rounds=rounds,
                               min_new_tokens=per_round)

    def run_iterative() -> list:
        return decode_iterative(b.adapter, b.model, questions, lambda text: False,
                                b.spec.max_source_len, iterative)

    def run_one_pass() -> list:
        return decode_one_pass(b.adapter, b.model, questions, b.spec.max_source_len, total,
                               DecodeSettings(num_beams=1, min_new_tokens=total))

    check = run_iterative()
    assert all(t.rounds == rounds for t in check), "every example must run every round"
    # tokens per second on both sides (the same tokens): a cost per token at most 1.5x the
    # one-pass cost is a rate at least 1/1.5 of the one-pass rate
    return compare("decode_vs_one_pass", ases=run_iterative, baseline=run_one_pass,
                   work=n * total, unit="tok/s", target=round(1 / 1.5, 3), repeats=repeats)
