import pytest
from conftest import compose_cfg
from hydra.utils import instantiate
from rouge_score import rouge_scorer

from ases.segment.base import AS, ES, Segmenter, tag
from ases.segment.similarity import SimilaritySegmenter

QUESTION = "Anna buys 4 notebooks. Each notebook costs $2.50. How much does she pay?"
PIECES = ["Anna buys 4 notebooks.", "So she pays 4 x 2.50 = $10.", "The answer is 10."]


@pytest.mark.parametrize("metric", ["rougeL", "bleu"])
def test_copied_piece_is_es_and_new_computation_is_as(metric):
    scores = SimilaritySegmenter(metric).score([QUESTION], [PIECES])[0]
    assert scores[0] == pytest.approx(0.0)  # word for word from the question
    assert scores[1] > 0.5
    tags, _ = tag(scores, beta=1.0)
    assert tags[:2] == [ES, AS]


def test_known_rouge_l_precision():
    # piece "the cat sat" vs question "the cat is on the mat": LCS = "the cat" (2 tokens),
    # precision = 2 / 3 piece tokens, so score = 1 - 2/3 = 1/3. (F1 would be 0.44 -> 0.56.)
    seg = SimilaritySegmenter("rougeL")
    assert seg.score(["the cat is on the mat"], [["the cat sat"]]) == [[pytest.approx(1 / 3)]]


def test_rouge_l_matches_rouge_score_default_on_plain_words():
    reference = rouge_scorer.RougeScorer(["rougeL"])  # its own tokenizer: fine for [a-z ]
    piece, question = "she sold the red apples today", "how many red apples did she sell today"
    expected = 1 - reference.score(question, piece)["rougeL"].precision
    assert SimilaritySegmenter().score([question], [[piece]])[0][0] == pytest.approx(expected)


def test_known_bleu_has_no_brevity_penalty():
    # "the cat" vs "the cat is on the mat": 1-gram 2/2, 2-gram 1/1, effective order 2,
    # so BLEU without the brevity penalty is 1 and the score 0 (with it: 1 - e^-2).
    seg = SimilaritySegmenter("bleu")
    assert seg.score(["the cat is on the mat"], [["the cat"]])[0][0] == pytest.approx(0.0)


def test_piece_without_words_adds_nothing():
    assert SimilaritySegmenter().score(["a question"], [["."]]) == [[0.0]]


def test_unknown_metric_is_rejected():
    with pytest.raises(ValueError, match="seg.metric"):
        SimilaritySegmenter("meteor")


def test_instantiated_from_the_real_config():
    cfg = compose_cfg(["seg=similarity"])
    seg = instantiate(cfg.seg.segmenter)
    assert isinstance(seg, Segmenter) and not seg.needs_scorer
    assert (seg.metric, seg.lowercase) == ("rougeL", True)
    questions = [QUESTION, "Tom has 12 apples and eats 5. How many are left?"]
    pieces = [PIECES, ["Tom has 12 apples.", "12 - 5 = 7 are left."]]
    scores = seg.score(questions, pieces)
    assert [len(s) for s in scores] == [3, 2]
    assert all(0.0 <= s <= 1.0 for ss in scores for s in ss)
    assert tag(scores[1], cfg.seg.beta)[0] == [ES, AS]
