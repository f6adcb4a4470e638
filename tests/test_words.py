"""The one word tokenizer behind similarity segmentation and ROUGE."""

from rouge_score import rouge_scorer

from ases.segment.similarity import SimilaritySegmenter
from ases.tasks.report.metrics import rouge
from ases.text.words import WordTokenizer, words


def test_numbers_stay_whole_and_punctuation_goes():
    expected = ["it", "costs", "3.5", "or", "1,200", "at", "2:30"]  # "$" and the final "." go
    assert words("It costs 3.5 or $1,200 at 2:30.") == expected
    assert words("Total IS 7.", lowercase=False) == ["Total", "IS", "7"]
    assert words("...") == []


def test_cjk_characters_are_tokens_and_full_width_forms_are_normalized():
    assert words("未见异常") == ["未", "见", "异", "常"]
    assert words("胰头癌，SUVmax：3.6。") == ["胰", "头", "癌", "suvmax", "3.6"]
    assert words("２.3cm×1.8cm") == ["2.3", "cm", "1.8", "cm"]  # full width → NFKC
    assert words("，。；、 ") == []
    assert words("ひらがな") == ["ひ", "ら", "が", "な"]


def test_similarity_and_rouge_read_the_same_tokens():
    """A piece that repeats the findings word for word: similarity calls it fully
    extractive (score 0) and ROUGE calls the pair identical, because both count the same
    tokens (the default rouge-score tokenizer would drop every Chinese character)."""
    text = "胰头见2.3cm×1.8cm 低密度影，SUVmax 3.6"
    assert SimilaritySegmenter().score([text], [[text]]) == [[0.0]]
    assert rouge([text], [text]) == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    default = rouge_scorer.RougeScorer(["rouge1"]).score("胰头癌", "胰头癌")["rouge1"].fmeasure
    ours = rouge_scorer.RougeScorer(["rouge1"], tokenizer=WordTokenizer()).score(
        "胰头癌", "胰头癌")["rouge1"].fmeasure
    assert (default, ours) == (0.0, 1.0)
