import pytest

from ases.segment.base import AS, ES, merge, segment_all, summarize, tag
from ases.segment.location import LocationSegmenter


def test_tag_uses_beta_times_mean():
    tags, threshold = tag([1.0, 2.0, 3.0], beta=1.0)
    assert threshold == pytest.approx(2.0)
    assert tags == [ES, ES, AS]
    assert tag([1.0, 2.0, 3.0], beta=0.4)[0] == [AS, AS, AS]  # threshold 0.8
    assert tag([1.0, 2.0, 3.0], beta=1.6)[0] == [ES, ES, ES]  # threshold 3.2


@pytest.mark.parametrize("beta", [0, -1.0])
def test_beta_must_be_positive(beta):
    with pytest.raises(ValueError, match="seg.beta"):
        tag([1.0], beta)


def test_merge_joins_adjacent_same_tags():
    segs = merge(["a.", "b.", "c.", "d."], [ES, ES, AS, ES])
    assert [(s.tag, s.text) for s in segs] == [(ES, "a. b."), (AS, "c."), (ES, "d.")]
    assert len(merge(["a.", "b."], [ES, ES], enabled=False)) == 2


def test_location_rules():
    lin = LocationSegmenter("linear").score([""], [["a", "b", "c", "d"]])[0]
    assert tag(lin, 1.0)[0] == [ES, ES, AS, AS]
    alt = LocationSegmenter("alternate").score([""], [["a", "b", "c", "d"]])[0]
    assert tag(alt, 1.0)[0] == [ES, AS, ES, AS]
    last = LocationSegmenter("last_k", k=1).score([""], [["a", "b", "c"]])[0]
    assert tag(last, 1.0)[0] == [ES, ES, AS]
    with pytest.raises(ValueError, match="seg.rule"):
        LocationSegmenter("middle")


def test_segment_all_and_summary():
    seg = LocationSegmenter("linear")
    pieces = [["a b c.", "d e f.", "g h i.", "j k l."], ["m n o."]]
    out = segment_all(["1", "2"], ["q1", "q2"], pieces, seg.score(["q1", "q2"], pieces), 1.0)
    assert [s.text for s in out[0].segments] == ["a b c. d e f.", "g h i. j k l."]
    assert out[1].tags == [ES]  # one piece: its score equals the mean
    stats = summarize(out)
    assert stats["data/pieces_mean"] == 2.5
    assert stats["seg/segments_mean"] == 1.5
    assert stats["seg/as_fraction"] == pytest.approx(2 / 5)
    assert out[0].to_json()["segments"][1] == {"tag": AS, "text": "g h i. j k l."}


def test_agreement_with_known_piece_types():
    from ases.segment.base import agreement, segment_all

    segmented = segment_all(["a", "b", "c"], ["q"] * 3, [["p1", "p2", "p3"], ["p4", "p5"], ["p6"]],
                            [[1.0, 5.0, 1.0], [5.0, 1.0], [1.0]], beta=1.0)
    assert [s.tags for s in segmented] == [[ES, AS, ES], [AS, ES], [ES]]
    stats = agreement(segmented, [[ES, AS, AS], None, [ES]])  # b is not labelled
    assert stats == {"seg/agreement": pytest.approx(3 / 4), "seg/label_as_fraction": pytest.approx(2 / 4)}
    assert agreement(segmented, [None, None, None]) == {}
    with pytest.raises(ValueError, match="example a: 3 tags but 2 labels"):
        agreement(segmented, [[ES, AS], None, None])
