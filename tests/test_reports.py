"""The report task: cPET-11K and local files, γ in the pipeline, Chinese metrics."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import SHARED_DATA, compose_cfg

from ases.data.cpet11k import load_cpet11k, read_reports
from ases.data.example import Example
from ases.data.files import load_files
from ases.pipeline import train
from ases.runs.files import read_jsonl
from ases.tasks.report.pet import PETTask

FINDINGS = "脑部形态如常。胰头部见软组织肿块，大小约3.1cm×2.4cm，SUVmax：8.2。肝脏放射性分布均匀。脾脏未见异常。"
IMPRESSION = "胰头部软组织肿块，代谢增高，考虑胰腺癌可能大；余部位未见明显异常。"


@pytest.fixture(scope="module")
def cpet_dir():
    path = SHARED_DATA / "cpet11k"
    if not (path / "cpet11k.csv.gz").is_file():
        pytest.skip(f"cPET-11K is not at {path}")
    return path


def test_real_cpet11k_loads_and_splits_by_qid(cpet_dir):
    splits = load_cpet11k(str(cpet_dir))
    n = len(splits.train) + len(splits.val) + len(splits.test)
    assert n == 11677
    assert len(splits.test) == pytest.approx(0.1 * n, abs=2)
    assert not {e.qid for e in splits.train} & {e.qid for e in splits.test}
    assert splits.train[0].question and "  " not in splits.train[0].question  # space runs collapsed
    again = load_cpet11k(str(cpet_dir / "cpet11k.csv.gz"))
    assert [e.qid for e in again.test] == [e.qid for e in splits.test]


def _write_csv(path, header, rows, bom=True):
    text = ("\ufeff" if bom else "") + header + "\n" + "".join(rows)
    path.write_bytes(gzip.compress(text.encode("utf-8")) if path.suffix == ".gz" else text.encode("utf-8"))


def test_bom_missing_column_and_dropped_rows(tmp_path):
    good = tmp_path / "r.csv.gz"
    _write_csv(good, "question,answer,qid", [f"{FINDINGS},{IMPRESSION},1\n".replace(",", "，", 0),
                                             f'"{FINDINGS}","{IMPRESSION}",2\n', f'"{FINDINGS}","",3\n',
                                             f'"{FINDINGS}","{IMPRESSION}",2\n'])
    examples, counts = read_reports(str(good))
    assert counts == {"read": 4, "dropped_empty": 1, "dropped_duplicate": 1}
    assert [e.qid for e in examples] == ["cpet-1", "cpet-2"]
    plain = tmp_path / "plain.csv"
    _write_csv(plain, "question,answer,qid", [f'"{FINDINGS}","{IMPRESSION}",1\n'], bom=False)
    assert read_reports(str(plain))[0][0].cot == IMPRESSION
    bad = tmp_path / "bad.csv"
    _write_csv(bad, "findings,answer,qid", [f'"{FINDINGS}","{IMPRESSION}",1\n'])
    with pytest.raises(ValueError, match=r"missing column\(s\) \['question'\]"):
        read_reports(str(bad))
    with pytest.raises(FileNotFoundError, match="data.path"):
        load_cpet11k(str(tmp_path / "nope.csv"))


def test_files_with_a_column_map(tmp_path):
    rows = [{"findings": f"finding {i}.", "impression": f"impression {i}.", "rid": i} for i in range(30)]
    (tmp_path / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    columns = {"input": "findings", "target": "impression", "id": "rid"}
    splits = load_files(str(tmp_path / "en.jsonl"), columns)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (24, 3, 3)
    assert splits.train[0].question.startswith("finding ")
    with pytest.raises(ValueError, match="data.columns"):
        load_files(str(tmp_path / "en.jsonl"), {"input": "question", "target": "impression"})
    (tmp_path / "broken.jsonl").write_text('{"findings": "a", "impression": "b"}\nnot json\n')
    with pytest.raises(ValueError, match="broken.jsonl:2"):
        load_files(str(tmp_path / "broken.jsonl"), columns)


def test_gamma_in_the_task():
    ex = Example("r1", FINDINGS, IMPRESSION)
    whole, _ = PETTask(gamma=1.0).prepare([ex])
    abnormal_only, stats = PETTask(gamma=0.0).prepare([ex])
    assert whole[0].question == FINDINGS
    assert abnormal_only[0].question == "胰头部见软组织肿块，大小约3.1cm×2.4cm，SUVmax：8.2。"
    assert stats["data/input_chars_after"] < stats["data/input_chars_before"]
    with pytest.raises(ValueError, match="task.gamma"):
        PETTask(gamma=1.5)


def test_pet_metrics_count_chinese():
    task = PETTask()
    ex = Example("r1", FINDINGS, IMPRESSION)
    perfect = task.metrics([ex], [IMPRESSION], [task.judge(ex, IMPRESSION)])
    assert perfect["test/rouge1"] == pytest.approx(1.0) and perfect["test/rougeL"] == pytest.approx(1.0)
    assert perfect["test/bleu"] == pytest.approx(100.0)
    partial = task.metrics([ex], ["胰头部软组织肿块"], [{}])
    assert 0 < partial["test/rouge1"] < 1


@pytest.mark.slow
@pytest.mark.parametrize("path", ["seq2seq", "uni", "dual"])
def test_fast_report_runs_on_cpet11k(path, cpet_dir, tmp_path):
    extra = ["data.limit.test=8", "task.max_target_len=128"]  # short decodes keep it quick
    if path != "dual":  # only the dual run's text is read; the rest needs a few steps only
        extra.append("trainer.limit_train_batches=5")
    cfg = compose_cfg(["task=pet", "data=cpet11k", f"data.path={cpet_dir}", "seg=similarity",
                       f"path={path}", "debug=fast", "task.gamma=0.5", *extra])
    metrics = train(cfg, tmp_path)
    assert json.loads((tmp_path / "metrics.json").read_text()) == pytest.approx(metrics)
    assert {"test/rouge1", "test/rouge2", "test/rougeL", "test/bleu"} <= set(metrics)
    assert metrics["data/input_chars_after"] < metrics["data/input_chars_before"]
    assert metrics["data/input_tokens_after"] < metrics["data/input_tokens_before"]
    preds = read_jsonl(tmp_path / "predictions.jsonl")
    assert len(preds) == cfg.data.limit.test
    if path == "dual":  # after this little training the others may write only "▁" (nothing)
        text = "".join(p["generated"] for p in preds)
        assert len(text) > 20
        # Chinese output: CJK characters and CJK punctuation (a young model repeats "、")
        chinese = sum("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"
                      for c in text)
        assert chinese > 0.5 * len(text)


def test_files_with_repeated_ids_are_refused(tmp_path):
    rows = [{"q": "a", "t": "b", "id": 7}, {"q": "c", "t": "d", "id": 7}]
    (tmp_path / "dup.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match="rows 1 and 2 share the id '7'"):
        load_files(str(tmp_path / "dup.jsonl"), {"input": "q", "target": "t", "id": "id"})
