"""The general report task (``task=report``): English pieces, metrics and γ, the language
decided from the train split, and English reports end to end (synthetic and local files)."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import compose_cfg

from ases.data.example import Example
from ases.data.synthetic.report.by_language import generate_report
from ases.pipeline import train
from ases.runs.files import read_jsonl
from ases.tasks.report.pet import PETTask
from ases.tasks.report.task import ReportTask, detect_language

FINDINGS = ("FDG PET/CT from the skull base to mid-thigh. No pleural effusion. There is no "
            "pneumothorax. A 1.2 x 0.8 cm nodule in the right upper lobe (SUVmax 5.6), "
            "previously 0.9 x 0.6 cm. The liver is unremarkable. No change in the 8 mm "
            "hypodense lesion in the spleen.")
IMPRESSION = ("1. Unchanged small right pleural effusion. 2. Enlarging 1.2 x 0.8 cm right "
              "upper lobe nodule (SUVmax 5.6), suspicious for malignancy.")
ZH = Example("zh-1", "脑部形态如常。胰头部见软组织肿块，大小约3.1cm×2.4cm。", "胰头部软组织肿块，考虑胰腺癌。")
EN = Example("en-1", FINDINGS, IMPRESSION)


def test_english_pieces_keep_every_space_and_character():
    pieces = ReportTask(lang="en").pieces(IMPRESSION)
    assert pieces == ["1. Unchanged small right pleural effusion.",
                      "2. Enlarging 1.2 x 0.8 cm right upper lobe nodule (SUVmax 5.6),",
                      "suspicious for malignancy."]
    assert " ".join(pieces) == IMPRESSION


def test_english_metrics_are_on_words_and_keep_the_spaces():
    task = ReportTask(lang="en")
    perfect = task.metrics([EN], [IMPRESSION], [{}])
    assert perfect["test/rougeL"] == pytest.approx(1.0) and perfect["test/bleu"] == pytest.approx(100.0)
    glued = task.metrics([EN], ["".join(IMPRESSION.split())], [{}])
    assert glued["test/rouge1"] < 0.2  # glued words are not the words
    half = task.metrics([EN], ["1. Unchanged small right pleural effusion."], [{}])
    # rouge-score's words: "1 unchanged small right pleural effusion", 6 of the gold's 24
    assert half["test/rouge1"] == pytest.approx(2 * 6 / (6 + 24))
    spaced = task.metrics([EN], ["1.  Unchanged small\nright pleural effusion."], [{}])
    assert spaced == half  # white space is only normalized


def test_gamma_works_on_english_findings():
    task = ReportTask(lang="en", gamma=0.0)
    (out,), stats = task.prepare([EN])
    kept = out.question
    for normal in ("No pleural effusion.", "There is no pneumothorax.", "The liver is unremarkable."):
        assert normal not in kept
    assert "A 1.2 x 0.8 cm nodule in the right upper lobe (SUVmax 5.6), previously 0.9 x 0.6 cm." in kept
    assert "No change in the 8 mm hypodense lesion in the spleen." in kept  # states an abnormality
    assert stats["data/input_chars_after"] < stats["data/input_chars_before"] == len(FINDINGS)
    whole, _ = ReportTask(lang="en", gamma=1.0).prepare([EN])
    assert whole[0].question == FINDINGS


def test_the_language_is_decided_from_the_train_split(caplog):
    assert detect_language([ZH.question, ZH.cot])[0] == "zh"
    assert detect_language([FINDINGS, IMPRESSION]) == ("en", 0.0)
    task = ReportTask()
    with pytest.raises(RuntimeError, match="task.lang=auto is decided from the train split"):
        task.pieces(IMPRESSION)
    with caplog.at_level(logging.INFO, logger="ases.tasks.report.task"):
        task.adapt([EN])
    assert task.language == "en" and "task.lang=auto: English" in caplog.text
    chinese = ReportTask()
    chinese.adapt([ZH])
    assert chinese.language == "zh" and chinese.pieces(ZH.cot) == PETTask().pieces(ZH.cot)
    fixed = ReportTask(lang="en")
    fixed.adapt([ZH])  # a set language is kept
    assert fixed.language == "en"


def test_bad_languages_say_what_to_set():
    with pytest.raises(ValueError, match="task.lang must be one of zh, en, auto"):
        ReportTask(lang="fr")
    with pytest.raises(ValueError, match="use task=report task.lang=en"):
        PETTask(lang="en")


def test_the_pet_task_is_the_chinese_report_task():
    pet, zh = PETTask(gamma=0.5), ReportTask(lang="zh", gamma=0.5)
    assert pet.prepare([ZH]) == zh.prepare([ZH])
    preds = ["胰头部软组织肿块", "胰头部 软组织肿块，考虑胰腺癌。"]
    assert pet.metrics([ZH, ZH], preds, [{}, {}]) == zh.metrics([ZH, ZH], preds, [{}, {}])
    assert pet.name == "pet" and zh.name == "report"


def test_synthetic_reports_follow_the_language():
    assert generate_report(3, 0, lang="zh")[0].qid.startswith("pet-")
    english = generate_report(3, 0, lang="en")
    assert english == generate_report(3, 0, lang="auto")
    assert detect_language([ex.question for ex in english])[0] == "en"


def _check_english_run(run_dir, n_test):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert {"test/rouge1", "test/rouge2", "test/rougeL", "test/bleu"} <= set(metrics)
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert len(preds) == n_test
    spaced = [p["generated"] for p in preds if len(p["generated"]) > 20]
    assert spaced and all(" " in text for text in spaced)  # predictions keep their spaces
    return metrics


@pytest.mark.slow
def test_english_synthetic_reports_run_end_to_end(tmp_path):
    cfg = compose_cfg(["task=report", "task.lang=en", "data=synthetic", "debug=fast",
                       "path=dual", "data.limit.test=8"])
    train(cfg, tmp_path)
    _check_english_run(tmp_path, 8)


@pytest.mark.slow
def test_an_english_jsonl_runs_end_to_end_with_the_language_decided(tmp_path, caplog):
    rows = [{"findings": ex.question, "impression": ex.cot, "id": ex.qid}
            for ex in generate_report(160, 7, lang="en")]
    data = tmp_path / "reports.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = compose_cfg(["task=report", "data=files", f"data.train={data}", "debug=fast",
                       "path=dual", "data.columns.input=findings",
                       "data.columns.target=impression", "data.columns.id=id", "task.gamma=0.5"])
    with caplog.at_level(logging.INFO, logger="ases.tasks.report.task"):
        train(cfg, tmp_path / "run")
    assert "task.lang=auto: English" in caplog.text
    metrics = _check_english_run(tmp_path / "run", 16)
    assert metrics["data/input_chars_after"] < metrics["data/input_chars_before"]


def test_the_english_detector_reads_the_generators_findings():
    """γ on the English generator's reports: every normal template reads normal, every
    abnormal sentence (sizes, uptake, "No change in the 8 mm …") abnormal, and the sentence
    splitter gives back the generator's sentences."""
    from ases.data.synthetic.report import NORMAL_SENTENCES_EN, generate_report_en
    from ases.tasks.report.normality_en import EnglishNormalDetector, split_sentences_en

    detector = EnglishNormalDetector()
    assert all(detector.is_normal(s) for s in NORMAL_SENTENCES_EN)
    for ex in generate_report_en(200, 0):
        assert not any(detector.is_normal(s) for s in ex.meta["abnormal_sentences"]), ex.qid
        sentences = split_sentences_en(ex.question)
        assert set(ex.meta["normal_sentences"] + ex.meta["abnormal_sentences"]) <= set(sentences)
