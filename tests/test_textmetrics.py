import math

import pytest
from rouge_score import rouge_scorer

from ases.tasks.report.metrics import bleu, rouge


def test_rouge_hand_worked_chinese_pair():
    # pred 胰腺癌 vs ref 胰头癌: unigrams 胰, 癌 shared, 2 of 3 on each side
    #   → P = R = 2/3 → ROUGE-1 F1 = 2/3
    # bigrams {胰腺, 腺癌} vs {胰头, 头癌}: none shared → ROUGE-2 = 0
    # LCS 胰…癌 = 2 → P = R = 2/3 → ROUGE-L = 2/3
    scores = rouge(["胰腺癌"], ["胰头癌"])
    assert scores == pytest.approx({"rouge1": 2 / 3, "rouge2": 0.0, "rougeL": 2 / 3})


def test_rouge_hand_worked_unequal_lengths():
    # pred 肝内多发转移 (6 chars) vs ref 肝多发转移 (5 chars)
    # unigrams: 5 shared → P = 5/6, R = 5/5 → F1 = 2·(5/6)·1 / (5/6 + 1) = 10/11
    # bigrams: pred 肝内 内多 多发 发转 转移 (5), ref 肝多 多发 发转 转移 (4); 3 shared
    #   → P = 3/5, R = 3/4 → F1 = 2·0.6·0.75 / 1.35 = 2/3
    # LCS 肝多发转移 = 5 → same as ROUGE-1: 10/11
    scores = rouge(["肝内多发转移"], ["肝多发转移"])
    assert scores == pytest.approx({"rouge1": 10 / 11, "rouge2": 2 / 3, "rougeL": 10 / 11})


def test_rouge_is_the_mean_over_pairs():
    # (2/3 + 1) / 2 = 5/6 for ROUGE-1; (0 + 1) / 2 for ROUGE-2
    scores = rouge(["胰腺癌", "胰头癌"], ["胰头癌", "胰头癌"])
    assert scores == pytest.approx({"rouge1": 5 / 6, "rouge2": 0.5, "rougeL": 5 / 6})


def test_identical_pair_scores_one_and_punctuation_does_not_count():
    assert rouge(["胰头癌伴肝转移。"], ["胰头癌伴肝转移。"]) == pytest.approx(
        {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    )
    assert rouge(["SUVmax：3.6"], ["SUVmax 3.6，"])["rouge1"] == pytest.approx(1.0)


def test_rouge_english_pair():
    # "the cat sat" vs "the cat sat down": unigrams P = 3/3, R = 3/4 → F1 = 6/7
    # bigrams {the cat, cat sat} vs {the cat, cat sat, sat down}: P = 1, R = 2/3 → F1 = 0.8
    # LCS = 3 → 6/7
    scores = rouge(["The cat sat."], ["the cat sat down"])
    assert scores == pytest.approx({"rouge1": 6 / 7, "rouge2": 0.8, "rougeL": 6 / 7})


def test_empty_prediction_scores_zero():
    assert rouge([""], ["胰头癌"]) == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    assert rouge([], []) == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


def test_default_rouge_tokenizer_deletes_chinese():
    # why we pass our own: the default keeps only [a-z0-9], so even an identical Chinese
    # pair has no tokens and scores 0
    default = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
    scores = default.score("胰头癌伴肝转移", "胰头癌伴肝转移")
    assert scores["rouge1"].fmeasure == 0.0 and scores["rougeL"].fmeasure == 0.0
    assert rouge(["胰头癌伴肝转移"], ["胰头癌伴肝转移"])["rouge1"] == 1.0


def test_mismatched_lengths_error():
    with pytest.raises(ValueError):
        rouge(["a"], [])
    with pytest.raises(ValueError):
        bleu(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="lang"):
        bleu(["a"], ["a"], lang="fr")


def test_bleu_identical_corpus_is_100():
    corpus = ["胰头癌伴肝转移。", "双肺多发小结节，考虑转移。"]
    assert bleu(corpus, corpus) == pytest.approx(100.0)
    assert bleu(["the cat sat on the mat"], ["the cat sat on the mat"], lang="en") == (
        pytest.approx(100.0)
    )


def test_bleu_hand_worked():
    # pred 胰头癌伴肝 (5 characters) is a prefix of ref 胰头癌伴肝转移 (7): every n-gram
    # precision is 1 (5/5, 4/4, 3/3, 2/2), so BLEU = brevity penalty = exp(1 - 7/5)
    assert bleu(["胰头癌伴肝"], ["胰头癌伴肝转移"]) == pytest.approx(100 * math.exp(-0.4))
    # English, 13a: 4 of 6 words, all n-grams match → exp(1 - 6/4)
    assert bleu(["the cat sat on"], ["the cat sat on the mat"], lang="en") == pytest.approx(
        100 * math.exp(-0.5)
    )
    # nothing shared → 0
    assert bleu(["胰头癌"], ["肝转移"]) == 0.0
