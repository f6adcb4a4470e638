"""Bad input stops the run before training with a message that names the file, the line or
row and what to do, or (``data.on_bad_row=skip``) is dropped and counted."""

from __future__ import annotations

import json
import re

import pytest
from conftest import compose_cfg

from ases.data.check import check_examples
from ases.data.example import Example, Splits
from ases.data.files import load_files
from ases.tasks.mwp import MWPTask
from ases.tasks.report.pet import PETTask

COLUMNS = {"input": "q", "target": "a"}


def _good(i: int) -> dict:
    return {"q": f"Ann has {i} pens. How many?", "a": f"She has {i}. The answer is {i}."}


def _write(path, lines: list[bytes]) -> str:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return str(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_files(str(tmp_path / "nope.jsonl"), COLUMNS)
    with pytest.raises(ValueError, match="empty.jsonl: the file holds no rows"):
        load_files(_write(tmp_path / "empty.jsonl", []), COLUMNS)


def test_a_wrong_column_map_lists_the_file_columns(tmp_path):
    path = _write(tmp_path / "f.jsonl", [json.dumps(_good(i)).encode() for i in range(10)])
    with pytest.raises(ValueError, match=r"column\(s\) \{'target': 'answer'\} not found; the file has \['a', 'q'\]"):
        load_files(path, {"input": "q", "target": "answer"})


@pytest.mark.parametrize("bad, what", [(b"{not json", "not a JSON object"),
                                       (b'["a list"]', "not a JSON object"),
                                       (b'{"q": "caf\xe9", "a": "x"}', "bytes that are not UTF-8")])
def test_an_unreadable_line_is_named_or_skipped(tmp_path, bad, what):
    lines = [json.dumps(_good(i)).encode() for i in range(10)]
    lines.insert(3, bad)  # line 4
    path = _write(tmp_path / "f.jsonl", lines)
    with pytest.raises(ValueError, match=rf"f\.jsonl:4: {what}.*data\.on_bad_row=skip"):
        load_files(path, COLUMNS)
    splits = load_files(path, COLUMNS, on_bad_row="skip")
    assert len(splits.train) + len(splits.val) + len(splits.test) == 10
    assert len(splits.skipped) == 1 and "f.jsonl:4" in splits.skipped[0]


def test_a_csv_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("q,a\nTh\xe9 pens,x\n".encode("latin-1"))
    with pytest.raises(ValueError, match="f.csv: not UTF-8 text"):
        load_files(str(path), COLUMNS)


def _splits(train: list[Example]) -> Splits:
    ok = [Example(f"v{i}", "Q?", "So 1. The answer is 1.") for i in range(2)]
    return Splits(train, ok[:1], ok[1:])


@pytest.mark.parametrize("example, problem", [
    (Example("t1", "   ", "The answer is 3."), "the question (model input) is empty"),
    (Example("t1", "Ann has 3 pens.", ""), "the CoT (target) is empty"),
    (Example("t1", "Ann has 3 pens.", "She has three pens."), "the CoT states no final answer"),
])
def test_bad_examples_are_named_or_skipped(example, problem):
    good = Example("t0", "Bo has 2 pens.", "He has 2. The answer is 2.")
    with pytest.raises(ValueError, match=rf"train example .t1.: {re.escape(problem)}.*on_bad_row=skip"):
        check_examples(_splits([good, example]), MWPTask().check_example, "error")
    kept, skipped = check_examples(_splits([good, example]), MWPTask().check_example, "skip")
    assert kept.train == [good] and len(skipped) == 1 and problem in skipped[0]


def test_reports_need_no_stated_answer():
    report = Example("r1", "肝脏未见异常。", "未见明显异常。")
    kept, skipped = check_examples(_splits([report]), PETTask().check_example, "error")
    assert kept.train == [report] and skipped == []


def test_duplicate_ids_are_refused(tmp_path):
    rows = [json.dumps({**_good(i), "id": i % 5}).encode() for i in range(10)]
    with pytest.raises(ValueError, match="rows 1 and 6 share the id '0'"):
        load_files(_write(tmp_path / "f.jsonl", rows), {**COLUMNS, "id": "id"})


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="data.on_bad_row='ignore'"):
        check_examples(_splits([]), MWPTask().check_example, "ignore")


@pytest.mark.slow
def test_skipped_rows_are_counted_in_the_run_summary(tmp_path):
    from ases.pipeline import train
    from ases.runs.summary import format_summary

    rows = [json.dumps(_good(i)).encode() for i in range(60)]
    rows[5] = b"{broken"
    rows[7] = json.dumps({"q": "Cy has pens.", "a": "No answer here."}).encode()
    path = _write(tmp_path / "f.jsonl", rows)
    cfg = compose_cfg(["data=files", f"data.train={path}", "data.columns.target=a",
                       "data.columns.input=q", "data.on_bad_row=skip", "debug=fast",
                       "seg=location", "path=seq2seq", "trainer.limit_train_batches=2",
                       "decode.max_new_tokens=4"])
    metrics = train(cfg, tmp_path / "run")
    assert metrics["data/skipped_rows"] == 2
    assert metrics["data/n_train"] + metrics["data/n_val"] + metrics["data/n_test"] == 58
    assert re.search(r"bad rows skipped +2\b", format_summary(metrics, tmp_path / "run"))


def test_an_unknown_config_choice_lists_the_valid_ones():
    from hydra.errors import MissingConfigException

    with pytest.raises(MissingConfigException) as err:
        compose_cfg(["seg=entrpy"])
    message = str(err.value)
    assert "Could not find 'seg/entrpy'" in message
    for choice in ("entropy", "location", "loss", "similarity"):
        assert choice in message


@pytest.mark.parametrize("override, message", [("seg.beta=0", "seg.beta"), ("seg.beta=-1", "seg.beta"),
                                               ("task=pet task.gamma=1.5", "task.gamma")])
def test_beta_and_gamma_out_of_range_stop_before_training(tmp_path, override, message):
    from hydra.errors import InstantiationException

    from ases.pipeline import train

    # the task's own check, which Hydra's instantiate wraps
    with pytest.raises((ValueError, InstantiationException), match=re.escape(message)):
        train(compose_cfg([*override.split(), "seg=location", "debug=fast"]), tmp_path)
    assert not (tmp_path / "checkpoints").exists()  # nothing was trained
    assert not (tmp_path / "tokenizer").exists()  # nor prepared


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    import torch

    from ases.training.checkpointing import check_checkpoint
    torch.save({"state_dict": {"model.shared.weight": torch.zeros(10, 4)}}, tmp_path / "x.ckpt")
    model = torch.nn.Module()
    model.shared = torch.nn.Embedding(12, 4)
    holder = torch.nn.Module()
    holder.model = model
    with pytest.raises(ValueError, match=r"x\.ckpt.*another model or tokenizer.*model\.shared\.weight"):
        check_checkpoint(tmp_path / "x.ckpt", holder)


def test_a_row_longer_than_the_model_stops_or_is_cut_when_asked(tmp_path):
    from ases.models.factory import build_tokenizer
    from ases.models.seq2seq import Seq2SeqAdapter
    from ases.models.spec import ModelSpec
    from ases.paths.rows import Row
    from ases.text.context import Prompt
    from ases.training.datamodule import RowsDataModule

    spec = ModelSpec(vocab_size=100, max_source_len=8, max_target_len=8)
    tok = build_tokenizer(spec, ["Ann has four pens and two cups of tea."] * 20, tmp_path)
    rows = [Row("a", Prompt("Ann has pens."), "Two.", "ES"),
            Row("b", Prompt("Ann has four pens and two cups of tea and more. " * 3), "Two.", "ES")]
    short = len(tok(rows[0].source)["input_ids"])
    assert short < 30 < len(tok(rows[1].source)["input_ids"])
    strict = RowsDataModule(rows, rows, [], Seq2SeqAdapter(tok), 30, 30, on_long_input="error")
    with pytest.raises(ValueError, match=r"1 train sources are longer than the model's max source "
                                         r"length \(30 tokens.*example 'b'.*on_long_input=truncate"):
        strict.setup("fit")
    cut = RowsDataModule(rows, rows, [], Seq2SeqAdapter(tok), 30, 30, on_long_input="truncate")
    cut.setup("fit")
    assert cut.truncated["train_sources"] == 1 and max(len(s) for s in cut._train.sources) == 30


def _gsm8k_line(i: int) -> bytes:
    return json.dumps({"question": f"Ann has {i} pens. How many?",
                       "answer": f"She has {i}.\n#### {i}"}).encode()


@pytest.mark.parametrize("bad, what", [(b"{not json", "not a GSM8K row"),
                                       (b'{"question": "Q?", "answer": "no final line"}',
                                        "not a GSM8K row"),
                                       (b'{"question": "caf\xe9", "answer": "#### 1"}',
                                        "bytes that are not UTF-8")])
def test_a_bad_gsm8k_line_is_named_or_skipped(tmp_path, bad, what):
    from ases.data.gsm8k import load_gsm8k

    lines = [_gsm8k_line(i) for i in range(12)]
    lines.insert(5, bad)  # line 6
    _write(tmp_path / "train.jsonl", lines)
    _write(tmp_path / "test.jsonl", [_gsm8k_line(i) for i in range(3)])
    with pytest.raises(ValueError, match=rf"train\.jsonl:6: {what}.*data\.on_bad_row=skip"):
        load_gsm8k(str(tmp_path), val_size=2)
    splits = load_gsm8k(str(tmp_path), val_size=2, on_bad_row="skip")
    assert len(splits.train) + len(splits.val) == 12 and len(splits.test) == 3
    assert len(splits.skipped) == 1 and "train.jsonl:6" in splits.skipped[0]
    assert "train-5" not in {ex.qid for ex in splits.train + splits.val}  # ids keep line numbers
    # validation is drawn by row number: skipping a row moves no other problem out of it
    lines[5] = _gsm8k_line(99)
    _write(tmp_path / "train.jsonl", lines)
    clean = load_gsm8k(str(tmp_path), val_size=2)
    skip_val, clean_val = {ex.qid for ex in splits.val}, {ex.qid for ex in clean.val}
    if "train-5" in clean_val:  # its place goes to the next problem of the seeded order
        assert len(clean_val - skip_val) == 1 == len(skip_val - clean_val)
    else:
        assert skip_val == clean_val


def test_a_cpet11k_row_that_is_not_utf8_is_named_or_skipped(tmp_path):
    from ases.data.cpet11k import load_cpet11k

    rows = ["question,answer,qid"] + [f"所见 {i} 正常。,印象 {i},{i}" for i in range(20)]
    rows[7] = '"所见 6\n第二行",印象 6,6'  # a quoted field across two lines: lines 8-9
    rows[9] = "\n" + rows[9]  # a blank line 11 before the row of qid 8 (line 12)
    data = "\n".join(rows).encode("utf-8")
    data = data.replace("印象 9".encode(), b"\xff\xfe 9")  # row of qid 9: line 13
    path = tmp_path / "cpet11k.csv"
    path.write_bytes("\ufeff".encode() + data + b"\n")
    with pytest.raises(ValueError, match=r"cpet11k\.csv:13: bytes that are not UTF-8.*on_bad_row=skip"):
        load_cpet11k(str(tmp_path))
    splits = load_cpet11k(str(tmp_path), on_bad_row="skip")
    kept = splits.train + splits.val + splits.test
    assert len(kept) == 19 and "cpet-9" not in {ex.qid for ex in kept}
    assert splits.skipped == (f"{path}:13: bytes that are not UTF-8",)
    assert "第二行" in next(ex.question for ex in kept if ex.qid == "cpet-6")


def test_the_bad_row_policy_reaches_the_loaders(tmp_path):
    """``data.on_bad_row`` of the command line is the loader's: skip drops a bad GSM8K line,
    and the default (error) stops at a bad cPET-11K row."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    lines = [_gsm8k_line(i) for i in range(12)]
    lines[5] = b"{not json"
    _write(tmp_path / "train.jsonl", lines)
    _write(tmp_path / "test.jsonl", [_gsm8k_line(i) for i in range(3)])
    cfg = compose_cfg(["data=gsm8k", f"data.path={tmp_path}", "data.on_bad_row=skip",
                       "data.loader.val_size=2"])
    splits = instantiate(cfg.data.loader)
    assert len(splits.skipped) == 1 and "train.jsonl:6" in splits.skipped[0]
    (tmp_path / "pet").mkdir()
    (tmp_path / "pet" / "cpet11k.csv").write_bytes(
        "question,answer,qid\n所见。,印象。,1\n".encode() + b"\xff\xfe,x,2\n")
    cfg = compose_cfg(["task=pet", "data=cpet11k", f"data.path={tmp_path / 'pet'}"])
    with pytest.raises(InstantiationException, match=r"cpet11k\.csv:3: bytes that are not UTF-8"):
        instantiate(cfg.data.loader)
