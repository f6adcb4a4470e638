"""context() is the single source of model inputs for training rows and for decoding."""

from conftest import ScriptedAdapter

from ases.decoding.loops import EMPTY, DecodeSettings, decode_iterative, decode_one_pass
from ases.paths.rows import segment_rows, whole_rows
from ases.segment.base import segment_all
from ases.segment.location import LocationSegmenter
from ases.text.context import COT_MARKER, context


def _segmented():
    pieces = [
        ["Ann has 4 red pens.", "She buys 3 more pens.", "So she has 4 + 3 = 7 pens.", "The answer is 7."],
        ["Bo reads 10 pages a day.", "In 2 days he reads 10 x 2 = 20 pages.", "The answer is 20."],
    ]
    questions = ["Ann has 4 pens and buys 3. How many?", "Bo reads 10 pages a day. How many in 2 days?"]
    scores = LocationSegmenter("linear").score(questions, pieces)
    return segment_all(["a", "b"], questions, pieces, scores, beta=1.0)


def test_context_shape():
    assert context("Q?", []) == f"Q? {COT_MARKER}"
    assert context(" Q? ", ["A.", " B. "]) == f"Q? {COT_MARKER} A. B."


def test_rows_cover_every_segment_and_a_stop_row():
    seg = _segmented()
    rows = segment_rows(seg)
    assert len(rows) == sum(len(s.segments) + 1 for s in seg)
    first = [r for r in rows if r.qid == "a"]
    assert first[0].source == context(seg[0].question, [])
    assert [r.target for r in first[:-1]] == [s.text for s in seg[0].segments]
    assert first[-1].kind == "STOP" and first[-1].target == ""
    assert first[-1].source == context(seg[0].question, [s.text for s in seg[0].segments])
    assert {r.kind for r in rows} == {"ES", "AS", "STOP"}
    whole = whole_rows(seg)
    assert whole[0].target == " ".join(seg[0].pieces) and whole[0].kind == "COT"


def test_decoder_asks_exactly_what_training_taught():
    """A model that has learnt the rows perfectly must reproduce the gold CoT, and the
    decoder must only ever ask it for sources that appear in the training rows."""
    seg = _segmented()
    table = {r.source: r.target for r in segment_rows(seg)}
    asked = []

    def perfect_model(model, sources):
        asked.extend(sources)
        return [table[s] for s in sources]

    never_stop = lambda text: False  # noqa: E731 — rely on the learned stop row
    traces = decode_iterative(ScriptedAdapter(perfect_model), None, [s.question for s in seg], never_stop, 128,
                              DecodeSettings(max_rounds=10))
    for s, trace in zip(seg, traces, strict=True):
        assert trace.segments == [x.text for x in s.segments]
        assert trace.stop_reason == EMPTY
        assert trace.rounds == len(s.segments) + 1
    assert set(asked) <= set(table)

    whole = {r.source: r.target for r in whole_rows(seg)}
    one_pass = ScriptedAdapter(lambda m, sources: [whole[s] for s in sources])
    one = decode_one_pass(one_pass, None, [s.question for s in seg], 128, 256, DecodeSettings())
    assert [t.text for t in one] == [" ".join(s.pieces) for s in seg]


def test_max_rounds_and_stop_rule():
    same = ScriptedAdapter(lambda m, sources: ["Add 1 + 1 = 2." for _ in sources])
    traces = decode_iterative(same, None, ["q1", "q2"], lambda t: False, 64,
                              DecodeSettings(max_rounds=3))
    assert all(t.stop_reason == "max_rounds" and t.rounds == 3 for t in traces)
    traces = decode_iterative(same, None, ["q1"], lambda t: t.count("Add") == 2, 64,
                              DecodeSettings(max_rounds=5))
    assert traces[0].stop_reason == "stop_rule" and traces[0].rounds == 2
