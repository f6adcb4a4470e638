import pytest

from ases.data.gsm8k import DataNotFoundError, clean_answer, load_gsm8k


def test_clean_answer_strips_marks_and_states_the_answer():
    cot, final = clean_answer("He pays 3*4 = $<<3*4=12>>12.\nThen 12+1 = <<12+1=13>>13.\n#### 13")
    assert "<<" not in cot and ">>" not in cot
    assert cot.endswith("The answer is 13.")
    assert "He pays 3*4 = $12." in cot
    assert final == "13"
    with pytest.raises(ValueError):
        clean_answer("no final line")


def test_load_local_splits_by_qid(gsm8k_dir):
    a = load_gsm8k(str(gsm8k_dir), val_size=300, seed=7)
    assert (len(a.train), len(a.val), len(a.test)) == (7473 - 300, 300, 1319)
    ids = [ex.qid for ex in a.train + a.val + a.test]
    assert len(ids) == len(set(ids))
    assert all(ex.cot.endswith(f"The answer is {ex.answer}.") for ex in a.test)
    assert all("<<" not in ex.cot for ex in a.train[:500])
    b = load_gsm8k(str(gsm8k_dir), val_size=300, seed=7)
    assert [ex.qid for ex in b.val] == [ex.qid for ex in a.val]  # fixed seed, fixed val
    c = load_gsm8k(str(gsm8k_dir), val_size=300, seed=8)
    assert [ex.qid for ex in c.val] != [ex.qid for ex in a.val]


def test_offline_without_path_says_how_to_use_local_files():
    with pytest.raises(DataNotFoundError, match="data.path="):
        load_gsm8k(None)


def test_missing_folder_and_bad_line(tmp_path):
    with pytest.raises(DataNotFoundError, match="train.jsonl"):
        load_gsm8k(str(tmp_path))
    (tmp_path / "train.jsonl").write_text('{"question": "q", "answer": "a\\n#### 1"}\nnot json\n')
    (tmp_path / "test.jsonl").write_text('{"question": "q", "answer": "a\\n#### 1"}\n')
    with pytest.raises(ValueError, match=r"train.jsonl:2"):
        load_gsm8k(str(tmp_path), val_size=0)
