"""The dual path's turn-taking protocol: one walk for the rows and the decoder."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from conftest import ScriptedAdapter, segmented_cot
from hypothesis import given, settings
from hypothesis import strategies as st

from ases.data.example import Example
from ases.decoding.loops import EMPTY, END, MAX_ROUNDS, DecodeSettings, decode_dual
from ases.paths.evaluate import test_metrics as compute_test_metrics
from ases.paths.evaluate import trace_record
from ases.paths.rows import dual_rows, row_summary
from ases.segment.base import AS, ES
from ases.tasks.mwp import MWPTask
from ases.text.context import END_MARKER, context, join_segments
from ases.text.turns import Turns, add_end, gold_turns, split_end

TAGS = Path(__file__).parent / "data" / "default_job_tags.txt"


def _cot(qid: str, tags: list[str]):
    return segmented_cot(qid, f"Question {qid}?",
                         [(tag, f"{qid} piece {k} ({tag}).") for k, tag in enumerate(tags)])


def test_end_marker_round_trips():
    assert split_end(add_end("The answer is 7.")) == ("The answer is 7.", True)
    assert split_end(END_MARKER) == ("", True)
    assert split_end("So 4 + 3 = 7.") == ("So 4 + 3 = 7.", False)
    assert split_end("Done. [END] and more") == ("Done.", True)  # the marker ends where it stands


def test_two_passes_in_a_row_give_up_and_an_ended_cot_takes_no_turn():
    state = Turns()
    state.take("")
    assert state.model == AS and not state.done
    state.take("")
    assert state.gave_up and state.passes == 2 and state.segments == []
    ended = Turns()
    ended.take(add_end("x"))
    assert ended.ended and ended.segments == ["x"] and ended.types == [ES]
    with pytest.raises(ValueError, match="ended"):
        ended.take("y")


def test_consecutive_segments_of_one_type_are_one_turn():
    turns = gold_turns([(AS, "a."), (AS, "b."), (ES, "c."), (ES, "d."), (AS, "e.")])
    assert [(t.model, t.target) for t in turns] == [
        (ES, ""), (AS, "a. b."), (ES, "c. d."), (AS, add_end("e."))]
    assert turns[2].written == ("a. b.",)
    with pytest.raises(ValueError, match="at least one"):
        gold_turns([])
    with pytest.raises(ValueError, match="type"):
        gold_turns([("STOP", "")])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([ES, AS]), min_size=1, max_size=7), min_size=1, max_size=6))
def test_a_perfect_pair_writes_every_gold_cot_through_the_dual_decoder(tag_lists):
    """Whatever the tags (merged or not, opening with ES or AS), two models that return the
    rows' targets reproduce every gold CoT, end it by the marker, and pass at most once, at
    the opening; batched decoding equals one at a time."""
    cots = [_cot(f"q{i}", tags) for i, tags in enumerate(tag_lists)]
    rows = dual_rows(cots)
    table = {(r.kind, r.source): r.target for r in rows}
    assert len(table) == len(rows)  # one target per (model, input)
    adapter = ScriptedAdapter(lambda model, sources: [table[(model, s)] for s in sources])
    questions = [c.question for c in cots]
    settings_ = DecodeSettings(max_rounds=16)
    batched = decode_dual(adapter, ES, AS, questions, lambda t: False, 128, settings_)
    single = [decode_dual(adapter, ES, AS, [q], lambda t: False, 128, settings_)[0] for q in questions]
    for cot, trace, alone in zip(cots, batched, single, strict=True):
        assert trace.text == join_segments(s.text for s in cot.segments)
        assert trace.stop_reason == END
        opens_with_as = cot.segments[0].tag == AS
        assert [wrote for _, wrote in trace.turns] == [not opens_with_as] + [True] * (len(trace.turns) - 1)
        assert all(a != b for a, b in pairwise(trace.types))  # turns alternate
        assert (trace.segments, trace.types, trace.turns) == (alone.segments, alone.types, alone.turns)
    assert sum(not r.target for r in rows) == sum(c.segments[0].tag == AS for c in cots)


def test_dual_metrics_count_passes_stops_and_turns_that_wrote():
    cots = [_cot("a", [ES, AS]), _cot("b", [AS, ES])]
    table = {(r.kind, r.source): r.target for r in dual_rows(cots)}

    def pair(model, sources):  # perfect, except that on b the ES model never writes
        return ["" if (model == ES and "Question b" in s) else table.get((model, s), "")
                for s in sources]

    traces = decode_dual(ScriptedAdapter(pair), ES, AS, ["Question a?", "Question b?"],
                         lambda t: False, 128, DecodeSettings(max_rounds=8))
    assert [t.stop_reason for t in traces] == [END, EMPTY]  # b: pass, AS writes, then 2 passes
    task = MWPTask()
    examples = [Example("a", "Question a?", "x", "1"), Example("b", "Question b?", "y", "2")]
    records = [trace_record(ex, tr, task) for ex, tr in zip(examples, traces, strict=True)]
    assert records[1]["turns"] == ["ES:pass", "AS", "ES:pass", "AS:pass"] and records[1]["passes"] == 3
    _, metrics = compute_test_metrics(records, examples, task)
    assert metrics["test/passes_mean"] == pytest.approx(1.5)
    assert metrics["test/stop_end_rate"] == pytest.approx(0.5)
    assert metrics["test/stop_empty_rate"] == pytest.approx(0.5)
    assert metrics["test/stop_max_rounds_rate"] == 0.0
    assert metrics["test/turns_wrote_rate_es"] == pytest.approx(1 / 3)  # a: wrote; b: 2 passes
    assert metrics["test/turns_wrote_rate_as"] == pytest.approx(2 / 3)


def test_a_pair_that_never_ends_stops_at_max_rounds():
    traces = decode_dual(ScriptedAdapter(lambda m, s: ["more."] * len(s)), ES, AS, ["Q?"],
                         lambda t: False, 128, DecodeSettings(max_rounds=5))
    assert traces[0].stop_reason == MAX_ROUNDS and traces[0].rounds == 5
    assert traces[0].types == [ES, AS, ES, AS, ES]


def test_the_default_jobs_segmentation_gives_few_empty_targets():
    """The tags of the default job's 1,200 train CoTs (entropy, β = 1, merged; see the
    file's header for the command that wrote it): under a quarter of the dual rows have an
    empty target. The protocol before this one gave 46% (a stop row per model per CoT and a
    pass wherever a CoT opened with AS)."""
    lines = [line.split() for line in TAGS.read_text().splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1200
    cots = [_cot(f"q{i}", tags) for i, tags in enumerate(lines)]
    summary = row_summary(dual_rows(cots))
    opens_with_as = sum(tags[0] == AS for tags in lines)
    n_rows = summary["data/rows_train_es"] + summary["data/rows_train_as"]
    assert summary["data/rows_empty_share"] == pytest.approx(opens_with_as / n_rows)  # passes only
    assert summary["data/rows_empty_share"] < 0.25
    # the protocol with an empty stop row for each model: 46% of its rows were empty
    stop_rows = 2 * len(lines)
    old = (opens_with_as + stop_rows) / (sum(map(len, lines)) + opens_with_as + stop_rows)
    assert old == pytest.approx(0.46, abs=0.005)
    assert summary["data/rows_empty_share_as"] == 0.0


def test_rows_read_as_context_then_target():
    cot = _cot("a", [AS, ES])
    rows = dual_rows([cot])
    assert [r.source for r in rows] == [context(cot.question, [])] * 2 + [
        context(cot.question, [cot.segments[0].text])]


def test_only_the_opening_turn_may_pass():
    """The decoder asks every turn but the first to write a visible character."""
    calls = []

    class Recording(ScriptedAdapter):
        def generate(self, model, prompts, max_source_len, max_new_tokens, **settings):
            calls.append((model, settings.get("must_write", False)))
            return ["" if model == ES and not calls[1:] else "x." for _ in prompts]

    decode_dual(Recording(None), ES, AS, ["Q?"], lambda t: False, 128, DecodeSettings(max_rounds=4))
    assert calls == [(ES, False), (AS, True), (ES, True), (AS, True)]
