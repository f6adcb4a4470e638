import pytest
import torch

import ases.models.tokenizer as tok_mod
from ases.models.factory import ModelNotFoundError, build_model, build_tokenizer
from ases.models.spec import ModelSpec

TEXTS = [
    f"{name} buys {n} pens at ${p}.50 each and pays {n * p + 1},000 dollars at {h}:30."
    for name in ("Ann", "Bo", "Cy", "Di") for n in range(1, 9) for p in range(2, 7) for h in (1, 2)
] + ["So for each box she pays 3 x 4 = 12 dollars."] * 5


def test_tokenizer_round_trips_numbers_and_splits_digits(tmp_path):
    tok = build_tokenizer(ModelSpec(vocab_size=300), TEXTS, tmp_path)
    text = "Ann pays $12.50 for 1,000 pens at 2:30. => So 3 x 4 = 12."
    ids = tok(text).input_ids
    assert ids[-1] == tok.eos_token_id and tok.pad_token_id == 0
    assert tok.decode(ids, skip_special_tokens=True) == text
    pieces = tok.convert_ids_to_tokens(tok("1234").input_ids)
    assert [p.strip("▁") for p in pieces if p.strip("▁")][:4] == ["1", "2", "3", "4"]


def test_tokenizer_is_cached(tmp_path, monkeypatch):
    calls = []
    real = tok_mod.train_tokenizer
    monkeypatch.setattr(tok_mod, "train_tokenizer", lambda *a, **k: (calls.append(1), real(*a, **k)))
    build_tokenizer(ModelSpec(vocab_size=300), TEXTS, tmp_path)
    build_tokenizer(ModelSpec(vocab_size=300), TEXTS, tmp_path)
    assert len(calls) == 1
    build_tokenizer(ModelSpec(vocab_size=310), TEXTS, tmp_path)
    assert len(calls) == 2


def test_tiny_model_matches_the_tokenizer(tmp_path):
    spec = ModelSpec(vocab_size=300, d_model=32, d_ff=64, d_kv=8, num_heads=2,
                     num_layers=1, num_decoder_layers=1)
    tok = build_tokenizer(spec, TEXTS, tmp_path)
    model = build_model(spec, tok)
    assert model.config.vocab_size == len(tok)
    assert model.config.decoder_start_token_id == tok.pad_token_id


def test_local_pretrained_folder_loads_offline(tmp_path):
    spec = ModelSpec(vocab_size=300, d_model=32, d_ff=64, d_kv=8, num_heads=2,
                     num_layers=1, num_decoder_layers=1)
    tok = build_tokenizer(spec, TEXTS, tmp_path / "cache")
    torch.manual_seed(0)
    model = build_model(spec, tok)
    model.save_pretrained(tmp_path / "local")
    tok.save_pretrained(tmp_path / "local")
    local = ModelSpec(name="mine", pretrained=str(tmp_path / "local"))
    tok2 = build_tokenizer(local, [], tmp_path / "cache")
    model2 = build_model(local, tok2)
    assert tok2("12.5 pens").input_ids == tok("12.5 pens").input_ids
    for a, b in zip(model.parameters(), model2.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("name", ["google/flan-t5-small", "/no/such/folder"])
def test_missing_weights_say_what_to_do(name, tmp_path):
    with pytest.raises(ModelNotFoundError, match="model.pretrained=DIR"):
        build_tokenizer(ModelSpec(pretrained=name), [], tmp_path)


def test_empty_folder_has_no_weights(tmp_path):
    spec = ModelSpec(vocab_size=300, d_model=32, d_ff=64, d_kv=8, num_heads=2,
                     num_layers=1, num_decoder_layers=1)
    tok = build_tokenizer(spec, TEXTS, tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="weights"):
        build_model(ModelSpec(pretrained=str(tmp_path / "empty")), tok)


def test_spec_rejects_nonsense():
    with pytest.raises(ValueError, match="model.d_model"):
        ModelSpec(d_model=0)


def test_tokenizer_keeps_the_words_of_a_small_corpus_whole(tmp_path):
    """A synthetic task has a few hundred distinct words: each common word and each marker
    is one token (SentencePiece's unigram spelled "answer" as "▁an s wer" here), digits
    stay one by one, and the text comes back as written."""
    from ases.data.synthetic.mwp import generate_mwp
    from ases.text.context import MARKERS

    problems = generate_mwp(600, 5, level=1)
    tok = build_tokenizer(ModelSpec(vocab_size=2000), [t for p in problems for t in (p.question, p.cot)],
                          tmp_path)
    for word in ("▁answer", "▁leaves", "▁more", "▁There", "▁has"):
        assert word in tok.get_vocab(), word
    for marker in MARKERS:
        assert len(tok(marker, add_special_tokens=False).input_ids) == 1, marker
    cot = problems[0].cot
    ids = tok(cot).input_ids
    assert tok.decode(ids, skip_special_tokens=True) == cot
    assert len(ids) < 2 * len(cot.split())  # a token a word, and one a digit
    assert tok.tokenize("37 + 5")[:3] == ["▁", "3", "7"]
