"""Decoding benchmarks of a decoder-only student (``model=tiny-causal``'s shape).

The model: tiny-causal at random init whose segment marker and end token are set to win
at about one step in 12 and one in 300 (calibrated on its own hidden states), so that it
writes segments of many lengths and ends its texts after about 3.7 rounds (the default
job's CoTs take 4.35: 3.35 segments and the stop), as a trained student does; a step
costs what it costs any model of this shape. (Training tiny-causal until it writes
well takes longer on a CPU than the whole benchmark.)

``decode_causal_vs_per_example``: ases' uni-path decoding (length-sorted batches, each
example's key/value cache carried from round to round, rows leaving the batch as they end)
against the authors' pattern: one example at a time, ``model.generate`` for each segment
on the whole context so far. The baseline reads the very token ids the carry holds (the
model's own tokens, then the segment marker), so both sides write the same text, which is
checked before anything is timed.

``decode_causal_vs_one_pass``: the cost of a generated token in uni-path decoding with the
cache carry against one ``generate`` pass over as many tokens, same model and batch. Both
write exactly ``rounds × per_round`` tokens per example (``min_new_tokens`` fixed, a stop
rule that never holds); the carry reads one marker token more per round.
"""

from __future__ import annotations

import dataclasses
import tempfile

import torch

from ases.data.synthetic.mwp.generate import generate_mwp
from ases.decoding.loops import DecodeSettings, decode_iterative, decode_one_pass
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.tasks.mwp import MWPTask
from ases.text.context import Prompt
from bench.packed import SPEC
from bench.timing import Comparison, compare


@dataclasses.dataclass
class CausalBench:
    adapter: object
    model: torch.nn.Module
    task: MWPTask
    questions: list[str]


def _calibrate(model, adapter, questions: list[str], rates: dict[int, float]) -> None:
    """Sets the output rows of the tokens in ``rates`` so that each wins greedy decoding at
    about its rate, on hidden states of these questions followed by the model's own greedy
    text. The output layer is untied from the input embeddings first (reading a marker
    must not make the model write it again)."""
    model.lm_head.weight = torch.nn.Parameter(model.lm_head.weight.detach().clone())
    model.config.tie_word_embeddings = False
    prompts = [adapter.prompt_ids(Prompt(q)) for q in questions]
    with torch.inference_mode():
        hidden = []
        for ids in prompts:
            out = model.generate(torch.tensor([ids]), max_new_tokens=32, do_sample=False,
                                 min_new_tokens=32, pad_token_id=adapter.pad,
                                 output_hidden_states=True, return_dict_in_generate=True)
            hidden += [step[-1][0, -1] for step in out.hidden_states]  # (d,) per step
        states = torch.stack(hidden)  # (N, d)
        weight = model.lm_head.weight  # (V, d)
        best = (states @ weight.T).max(dim=1).values  # (N,)
        generator = torch.Generator().manual_seed(1)
        for token, rate in rates.items():
            direction = torch.randn(weight.shape[1], generator=generator)
            along = states @ direction  # (N,)
            ratio = (best / along)[along > 0]
            scale = torch.quantile(ratio, min(1.0, rate / (len(ratio) / len(along))))
            weight[token] = direction * scale


def writer(n_train: int = 400, n_test: int = 96, segment_every: int = 12,
           end_every: int = 300) -> CausalBench:
    """tiny-causal at random init, calibrated to write segments and end texts."""
    examples = generate_mwp(n_train + n_test, seed=0)
    train, test = examples[:n_train], examples[n_train:]
    with tempfile.TemporaryDirectory() as cache:
        tokenizer = build_tokenizer(SPEC, [t for ex in train for t in (ex.question, ex.cot)], cache)
    adapter = build_adapter(SPEC, tokenizer)
    torch.manual_seed(0)
    model = build_model(SPEC, tokenizer).eval()
    _calibrate(model, adapter, [ex.question for ex in train[:32]],
               {adapter.sep: 1 / segment_every, adapter.eos: 1 / end_every})
    return CausalBench(adapter, model, MWPTask(), [ex.question for ex in test])


def batched(b: CausalBench, questions: list[str], settings: DecodeSettings,
            batch_size: int) -> list:
    """What the test loop does: similar lengths decode together, in batches."""
    order = sorted(range(len(questions)), key=lambda i: len(questions[i]))
    traces: list = [None] * len(questions)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        out = decode_iterative(b.adapter, b.model, [questions[i] for i in chunk],
                               b.task.is_finished, SPEC.max_source_len, settings)
        for i, trace in zip(chunk, out, strict=True):
            traces[i] = trace
    return traces


def per_example(b: CausalBench, questions: list[str], settings: DecodeSettings) -> list[list[str]]:
    """The authors' pattern: one example at a time; every round ``generate`` reads the
    whole context again (the same ids the carry holds: its own tokens, then the marker)."""
    adapter, model, ends = b.adapter, b.model, [b.adapter.sep, b.adapter.eos]
    out = []
    for q in questions:
        ids, segments = adapter.prompt_ids(Prompt(q)), []
        for _ in range(settings.max_rounds):
            prompt = torch.tensor([ids])
            with torch.inference_mode():
                new = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                                     max_new_tokens=settings.max_new_tokens, do_sample=False,
                                     eos_token_id=ends, pad_token_id=adapter.pad)[0, len(ids):].tolist()
            body = new[:-1] if new[-1] in ends else new
            text = adapter.tokenizer.decode(body, skip_special_tokens=True).strip()
            if not text:
                break
            segments.append(text)
            if b.task.is_finished(" ".join(segments)):
                break
            ids = ids + body + [adapter.sep]
        out.append(segments)
    return out


def vs_per_example(b: CausalBench, n: int = 96, batch_size: int = 64,
                   repeats: int = 3) -> Comparison:
    """``batch_size``: the test loop's default (``datamodule.eval_batch_size``)."""
    questions = b.questions[:n]
    settings = DecodeSettings(max_new_tokens=48, max_rounds=6)
    fast, slow = batched(b, questions, settings, batch_size), per_example(b, questions, settings)
    if [t.segments for t in fast] != slow:
        differ = sum(t.segments != s for t, s in zip(fast, slow, strict=True))
        raise AssertionError(f"{differ} of {n} examples differ between batched decoding with the "
                             "cache carry and one at a time; the timing means nothing")
    rounds = sum(t.rounds for t in fast) / n
    print(f"decode_causal_vs_per_example: {n} examples, {rounds:.2f} rounds each, "
          "outputs identical")
    row = compare("decode_causal_vs_per_example",
                  ases=lambda: batched(b, questions, settings, batch_size),
                  baseline=lambda: per_example(b, questions, settings),
                  work=n, unit="ex/s", target=10.0, repeats=repeats)
    row.extra["rounds_mean"] = round(rounds, 2)
    return row


def vs_one_pass(b: CausalBench, n: int = 16, rounds: int = 4, per_round: int = 32,
                repeats: int = 3) -> Comparison:
    questions = b.questions[:n]
    total = rounds * per_round
    iterative = DecodeSettings(max_new_tokens=per_round, max_rounds=rounds,
                               min_new_tokens=per_round)

    def run_iterative() -> list:
        return decode_iterative(b.adapter, b.model, questions, lambda text: False,
                                SPEC.max_source_len, iterative)

    def run_one_pass() -> list:
        return decode_one_pass(b.adapter, b.model, questions, SPEC.max_source_len, total,
                               DecodeSettings(min_new_tokens=total))

    check = run_iterative()
    assert all(t.rounds == rounds for t in check), "every example must run every round"
    # a cost per token at most 1.1x the one-pass cost is a rate at least 1/1.1 of its rate
    return compare("decode_causal_vs_one_pass", ases=run_iterative, baseline=run_one_pass,
                   work=n * total, unit="tok/s", target=round(1 / 1.1, 3), repeats=repeats)
