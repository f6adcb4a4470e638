import csv
import gzip
import re
from pathlib import Path

import pytest

from ases.text.pieces_zh import (
    _BARE_ITEM,
    attach_short_zh,
    content_chars,
    split_chinese,
    strip_space,
)

CPET = Path(__file__).resolve().parents[2] / "shared" / "data" / "cpet11k" / "cpet11k.csv.gz"


def test_known_impression_splits_into_known_pieces():
    text = "1、胰头部肿块，考虑胰腺癌；肝内多发转移。\n2、双肺小结节，SUVmax：3.6，建议随诊。  余未见异常。"
    assert split_chinese(text) == [
        "1、胰头部肿块，",
        "考虑胰腺癌；",
        "肝内多发转移。",
        "2、双肺小结节，",
        "SUVmax：3.6，",
        "建议随诊。",
        "余未见异常。",
    ]


def test_ascii_semicolon_and_line_breaks_cut():
    assert split_chinese("胆囊增大;胰管扩张\n脾大") == ["胆囊增大;", "胰管扩张", "脾大"]


def test_numbered_items_without_a_closing_mark_start_their_own_piece():
    text = "与2023-05-12 PET/CT比较：  1、胰头癌伴肝转移  2、左肾囊肿 3.脾大"
    assert split_chinese(text) == [
        "与2023-05-12PET/CT比较：",
        "1、胰头癌伴肝转移",
        "2、左肾囊肿",
        "3.脾大",
    ]


def test_a_decimal_after_a_space_is_not_an_item():
    assert split_chinese("结节大小约 1.5cm，边界清。") == ["结节大小约1.5cm，", "边界清。"]


def test_item_without_space_before_is_not_cut():
    # "颈2、颈3" lists vertebrae; no white space, so no cut
    assert split_chinese("颈2、颈3椎体骨质破坏。") == ["颈2、颈3椎体骨质破坏。"]


@pytest.mark.parametrize(
    "text,whole",
    [
        ("病灶代谢增高，SUVmax：3.6，较前增高。", "SUVmax：3.6，"),
        ("病灶代谢增高，SUVmax:12.1;较前减低。", "SUVmax:12.1;"),
        ("原肝右叶浓聚灶，SUVmax：4.8vs6.2；较前减低。", "SUVmax：4.8vs6.2；"),
        ("胰头见肿块，大小约2.3cm×1.8cm，边界不清。", "大小约2.3cm×1.8cm，"),
        ("与2023-05-12检查比较，病灶增大。", "与2023-05-12检查比较，"),
        ("白细胞计数1,200，偏低。", "白细胞计数1,200，"),
        ("白细胞计数1，200，偏低。", "白细胞计数1，200，"),
    ],
)
def test_protected_forms_stay_whole(text, whole):
    assert whole in split_chinese(text)


def test_a_piece_is_never_a_bare_item_number():
    assert split_chinese("1、\n胰头部肿块。\n2、\n肝转移。") == ["1、胰头部肿块。", "2、肝转移。"]
    assert split_chinese("胰头部肿块。\n2、") == ["胰头部肿块。2、"]


def test_punctuation_only_piece_closes_the_one_before():
    assert split_chinese("胰头癌。。肝转移。") == ["胰头癌。。", "肝转移。"]


def test_no_text_is_lost_only_white_space():
    text = " 1、胰头癌，\t伴肝转移；\r\n2、双肺\u3000结节。 PET/CT 检查 "
    assert strip_space(text) == "1、胰头癌，伴肝转移；2、双肺结节。PET/CT检查"
    assert "".join(split_chinese(text)) == strip_space(text)
    assert "".join(split_chinese(text, min_chars=6)) == strip_space(text)
    assert split_chinese(" \n\t ") == []


def test_content_chars_count_cjk_latin_and_digits_only():
    assert content_chars("SUVmax：3.6，") == 8  # S U V m a x 3 6
    assert content_chars("副脾；") == 2


def test_short_pieces_attach():
    # "综上，" (2 chars) opens a clause: forward; "脾大。" (2 chars) closes: backward
    assert split_chinese("综上，胰头癌伴肝转移；脾大。", min_chars=4) == [
        "综上，胰头癌伴肝转移；脾大。"
    ]
    # a short first piece has nothing before it: forward
    assert split_chinese("副脾；胰头癌伴肝转移。", min_chars=4) == ["副脾；胰头癌伴肝转移。"]
    # a short opening piece at the end has nothing after it: backward
    assert split_chinese("胰头癌伴肝转移；综上，", min_chars=4) == ["胰头癌伴肝转移；综上，"]
    assert split_chinese("副脾；胰头癌伴肝转移。", min_chars=0) == ["副脾；", "胰头癌伴肝转移。"]
    assert attach_short_zh(["副脾；"], 4) == ["副脾；"]


# --- the real impressions (cPET-11K) ------------------------------------------------

_ITEM_AFTER_SPACE = re.compile(r"\s(?:\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[)）])")
_PROTECTED = re.compile(
    r"SUVmax[:：]?\d+(?:\.\d+)?(?:vs\d+(?:\.\d+)?)?"  # SUVmax：4.8vs6.2
    r"|\d+(?:\.\d+)?(?:cm|mm)?[×xX*]\d+(?:\.\d+)?(?:cm|mm)?"  # 2.3×1.8cm
    r"|\d{4}-\d{1,2}-\d{1,2}"  # dates
    r"|\d+[.,，]\d+"  # decimals, 1,200
)


@pytest.fixture(scope="module")
def impressions() -> list[str]:
    if not CPET.is_file():
        pytest.skip(f"cPET-11K is not at {CPET}")
    with gzip.open(CPET, "rt", encoding="utf-8-sig", newline="") as f:
        return [row["answer"] for row in csv.DictReader(f)]


def _starts(pieces: list[str]) -> list[int]:
    starts, pos = [], 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece)
    return starts


def test_real_impressions(impressions):
    counts = {"items": 0, "protected": 0}
    for text in impressions:
        flat = strip_space(text)
        pieces = split_chinese(text)
        assert "".join(pieces) == flat
        assert "".join(split_chinese(text, min_chars=4)) == flat
        assert not any(_BARE_ITEM.match(p) for p in pieces), pieces
        starts = _starts(pieces)
        bounds = set(starts)
        # an item number laid out after white space starts a piece (unless nothing
        # follows it: a stray number at the very end closes the last piece)
        for m in _ITEM_AFTER_SPACE.finditer(text):
            if not text[m.end() :].strip():
                continue
            at = len(strip_space(text[: m.start() + 1]))
            assert at in bounds, (text[m.start() : m.end() + 8], pieces)
            counts["items"] += 1
        # a protected form lies inside one piece
        ends = [s + len(p) for s, p in zip(starts, pieces, strict=True)]
        for m in _PROTECTED.finditer(flat):
            assert any(
                s <= m.start() and m.end() <= e for s, e in zip(starts, ends, strict=True)
            ), m.group()
            counts["protected"] += 1
    assert counts["items"] > 1000 and counts["protected"] > 1000, counts
