"""Property tests (hypothesis) for the text functions every stage leans on: the CoT
splitters, the model-input builder and its tags, answer extraction and the normal-sentence
detector. Each property is a contract stated in the module's docstring; random Unicode
must never crash any of them."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ases.data.example import Example
from ases.tasks.mwp import MWPTask
from ases.tasks.mwp.answer import (
    extract_answer,
    extract_flexible,
    find_statements,
    normalize_number,
    read_value,
)
from ases.tasks.report.normality import (
    NORMAL_CUES,
    LexiconNormalDetector,
    apply_gamma,
    split_sentences_zh,
)
from ases.text.context import COT_MARKER, TAG_MARKERS, add_tag, context, join_segments, split_tag
from ases.text.pieces import _EN_ABBREV, attach_short, split_english, split_report_en
from ases.text.pieces_zh import (
    _BARE_ITEM,
    _DELIMS,
    _ITEM,
    attach_short_zh,
    content_chars,
    split_chinese,
    strip_space,
)

# 21 properties at 50-100 examples each (hypothesis's default is 100): the file runs in
# about 8 s on 2 cores, a tenth of the fast tier.
# derandomize: CI sees the same examples every run (a failure is reproducible, never flaky);
# set derandomize=False (and more max_examples) locally to explore new examples
FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=50, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow])

# --- strategies -----------------------------------------------------------------------

# Any Unicode but surrogates (st.text's default), and the same weighted toward the
# characters the splitters and regexes care about.
_SPACE_CHARS = [" ", "  ", "\n", "\t", "\r\n", "\u3000", "\xa0", "\x0b", "\x1c", "\u2028"]
_EN_BITS = [
    *_SPACE_CHARS,
    *[".", ",", ":", ";", "?", "!", "$", "-", "#### ", "x", "٣", "é"],
    *["Mr.", "Dr.", "e.g.", "etc.", "No.", "3.5", "$1,200", "2:30", "1,000", "0.2"],
    *["Tom", "apples", "The answer is", "answer is:", "So 4 + 3 = 7.", "and buys 2 more,"],
]
_ZH_BITS = [
    *_SPACE_CHARS,
    *["，", "。", "；", ";", "！", "？", "、", "：", ":", ".", "．", ",", "-", "x", "1", "23"],
    *["1、", "2.", "12．", "（3）", "(4)", "②", "SUVmax：3.6", "SUV", "1，200", "3;4"],
    *["2023-05-12", "2.3cm×1.8cm", "PET/CT", "胰头部肿块", "考虑胰腺癌", "未见异常"],
    *["肝脏形态如常", "放射性摄取增高", "胆囊未见显示", "不除外", "生理性"],
]
_TEXT = st.text()


def _mixed(bits: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(bits), st.sampled_from(bits), st.text(max_size=3))
    return st.lists(piece, max_size=40).map("".join)


# Small alphabets make the rare neighbours ("1\n、", "Mr.\n") common.
EN_TEXT = st.one_of(_TEXT, _mixed(_EN_BITS), st.text("ab1$.,:;?! \nMr", max_size=30))
ZH_TEXT = st.one_of(_TEXT, _mixed(_ZH_BITS), st.text("肝12、.．。，;：（()）② \n", max_size=30))


# --- English splitter (ases/cot/pieces.py) ----------------------------------------------


@FUZZ
@given(EN_TEXT, st.integers(0, 6))
def test_split_english_loses_and_invents_no_text(cot, min_words):
    # "Every character of the CoT but white space lands in some piece", so pieces are
    # cut at white space only: their words, in order, are the CoT's words.
    pieces = split_english(cot, min_words)
    assert all(p and p == p.strip() for p in pieces)
    assert " ".join(pieces).split() == cot.split()
    assert all("\n" not in p for p in pieces)  # a line break is always a cut


@FUZZ
@given(EN_TEXT)
def test_split_english_cuts_only_after_a_delimiter_or_at_a_line_break(cot):
    pieces = split_english(cot)
    pos = 0
    for i, piece in enumerate(pieces):
        start = cot.index(piece, pos)  # min_words=0: each piece is a stripped slice
        if i:
            gap = cot[pos:start]
            before = pieces[i - 1]
            assert gap and gap.isspace()
            assert "\n" in gap or (before[-1] in ".?!,;" and not _EN_ABBREV.search(before))
        pos = start + len(piece)
    # and every delimiter followed by white space inside a piece is an abbreviation's
    for piece in pieces:
        for m in re.finditer(r"[.?!,;]\s", piece):
            assert _EN_ABBREV.search(piece[: m.start() + 1]), piece


_WORD = st.text("abcdefghijklmnopqrstuvwxyz0123456789$", min_size=1, max_size=6).filter(
    lambda w: not re.fullmatch(r"mr|mrs|ms|dr|st|jr|sr|vs|etc|approx|no", w, re.I)
)
_CLAUSE_EN = st.tuples(
    st.lists(_WORD, min_size=1, max_size=5).map(" ".join), st.sampled_from(list(".?!,;"))
).map("".join)


@FUZZ
@given(st.lists(st.tuples(_CLAUSE_EN, st.sampled_from(_SPACE_CHARS)), min_size=1, max_size=8))
def test_split_english_gives_back_clauses_written_one_after_another(parts):
    cot = "".join(clause + space for clause, space in parts)
    assert split_english(cot) == [clause for clause, _ in parts]


# --- English report splitter (ases/text/pieces.py) ----------------------------------------

_REPORT_EN_BITS = [
    *_SPACE_CHARS, ".", ",", ";", "1.", "2)", "(3)", "12.", "8 mm", "1.2 x 0.8 cm", "SUVmax 5.6",
    "e.g.", "approx.", "i.e.", "vs.", "No pleural effusion.", "Stable nodule,", "\n2. ", "3) ",
]
REPORT_EN_TEXT = st.one_of(_TEXT, _mixed(_REPORT_EN_BITS), st.text("12.)(x cm\n ,;ab", max_size=30))


@FUZZ
@given(REPORT_EN_TEXT, st.integers(0, 6))
def test_split_report_en_loses_and_invents_no_text(text, min_words):
    pieces = split_report_en(text, min_words)
    assert all(p and p == p.strip() for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert all("\n" not in p for p in pieces)


_MEASURE = st.sampled_from(["8 mm", "1.2 x 0.8 cm", "2.3 x 1.8 x 1.5 cm", "SUVmax 5.6",
                            "approx. 2 cm", "e.g. 3.5", "(SUVmax 12.0)"])
_CLAUSE_REPORT = st.tuples(
    st.lists(st.one_of(_WORD, _MEASURE), min_size=1, max_size=5).map(" ".join),
    st.sampled_from(list(".?!,;")),
).map("".join)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["", "1. ", "2) ", "(3) ", "10. "]), _CLAUSE_REPORT,
                          st.sampled_from([" ", "  ", "\n", "\t"])), min_size=1, max_size=8))
def test_split_report_en_gives_back_items_with_their_numbers(parts):
    """Numbered items and measurements written one after another come back as written."""
    text = "".join(item + clause + space for item, clause, space in parts)
    assert split_report_en(text) == [item + clause for item, clause, _ in parts]


_PIECE_EN = st.one_of(
    st.text(min_size=1).map(str.strip).filter(bool),
    st.sampled_from(["So,", "In total,", "Ok.", "x", "She has 5 pens.", "Then she buys 3 more,"]),
)


@FUZZ
@given(st.lists(_PIECE_EN, max_size=8), st.integers(-1, 6), st.sampled_from([" ", "", "\n"]))
@example(["One two three.", "So,"], 3, " ")  # the last "So," was left alone
def test_attach_short_only_merges_neighbours(pieces, min_words, joiner):
    out = attach_short(pieces, min_words, joiner)
    assert joiner.join(out) == joiner.join(pieces)
    if min_words <= 0:
        assert out == pieces
    if len(out) > 1:  # "every short one merged into a neighbour"
        assert all(len(p.split()) >= min_words for p in out), out


# --- Chinese splitter (ases/cot/pieces_zh.py) -------------------------------------------


@FUZZ
@given(ZH_TEXT, st.integers(0, 8))
@example("胰头癌。\n1\n、\n肝转移。", 0)  # was ["胰头癌。", "1、", "肝转移。"]
@example("。(1\n）", 0)  # was ["。", "(1）"]
def test_split_chinese_drops_only_white_space(text, min_chars):
    pieces = split_chinese(text, min_chars)
    assert "".join(pieces) == strip_space(text)
    assert all(p and not any(c.isspace() for c in p) for p in pieces)
    if len(pieces) > 1:
        # never a bare item number; punctuation only closes the piece before it
        assert not any(_BARE_ITEM.match(p) for p in pieces), pieces
        assert all(content_chars(p) >= max(min_chars, 1) for p in pieces[1:]), pieces
        if min_chars:
            assert content_chars(pieces[0]) >= min_chars, pieces


@FUZZ
@given(ZH_TEXT)
@example("0\n;0")  # the cut is the line break; the lone ";" then closes the piece before it
def test_split_chinese_cuts_only_at_the_documented_points(text):
    """Between two pieces lies a line break, white space before a numbered item, or a
    delimiter not between two digits; nothing else (``：`` ``.`` ``-`` ``,`` ``、``). A line
    break may sit before punctuation that moved back to close the piece before it."""
    pieces = split_chinese(text)
    where = [i for i, c in enumerate(text) if not c.isspace()]  # flat index -> text index
    flat = strip_space(text)
    b = 0
    for piece in pieces[:-1]:
        b += len(piece)
        gap = text[where[b - 1] + 1 : where[b]]
        after_delim = flat[b - 1] in _DELIMS and not (
            b >= 2 and flat[b - 2].isdigit() and flat[b].isdigit()
        )
        before_item = bool(gap) and re.match(_ITEM, text[where[b] :]) is not None
        start = b  # back over the punctuation that closes this piece
        while start > 1 and not flat[start - 1].isalnum():
            start -= 1
        newline_before_punctuation = any("\n" in text[where[j - 1] + 1 : where[j]]
                                         for j in range(start, b))
        assert "\n" in gap or before_item or after_delim or newline_before_punctuation, (
            flat[:b], flat[b:])


_NUMBER_ZH = st.builds(
    lambda a, sep, b: f"{a}{sep}{b}",
    st.integers(0, 9999),
    st.sampled_from(list("，。；;,.:：-") + ["vs", "×", "cm×"]),
    st.integers(0, 9999),
)


@FUZZ
@given(st.lists(st.one_of(_NUMBER_ZH, _mixed(_ZH_BITS)), min_size=1, max_size=6), st.data())
def test_numbers_are_never_cut_zh(parts, data):
    # "1，200", "3;4", "SUVmax：3.6", "2023-05-12": a mark between two digits is no cut
    numbers = [p for p in parts if re.fullmatch(r"\d+\D+\d+", p)]
    text = "".join(parts)
    pieces = split_chinese(text, data.draw(st.integers(0, 4)))
    at = 0
    bounds = []
    for p in pieces:
        bounds.append((at, at + len(p)))
        at += len(p)
    flat = strip_space(text)
    for number in numbers:
        for m in re.finditer(re.escape(number), flat):
            if (m.start() and flat[m.start() - 1].isdigit()) or flat[m.end() :][:1].isdigit():
                continue  # glued to another digit: a different number
            assert any(s <= m.start() and m.end() <= e for s, e in bounds), (number, pieces)


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_BODY_ZH = (
    st.lists(
        st.one_of(_HAN, _HAN, st.sampled_from(list("abcXYZ") + [" ", "：", "、", "/", "-"])),
        min_size=1,
        max_size=8,
    )
    .map("".join)
    .filter(lambda s: content_chars(s) > 0)
)


@FUZZ
@given(
    st.lists(
        st.tuples(
            _BODY_ZH, st.sampled_from(["，", "。", "；", ";", ""]), st.sampled_from(_SPACE_CHARS)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_split_chinese_gives_back_clauses_written_one_after_another(parts):
    # a clause with no closing mark ends at a line break
    parts = [(body, mark, space if mark else "\n") for body, mark, space in parts]
    text = "".join(body + mark + space for body, mark, space in parts)
    assert split_chinese(text) == [strip_space(body + mark) for body, mark, _ in parts]


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.text(min_size=1),
            st.sampled_from(["综上，", "脾大。", "副脾；", "：", "胰头癌伴肝转移；"]),
        )
        .map(strip_space)
        .filter(bool),
        max_size=8,
    ),
    st.integers(-1, 6),
)
def test_attach_short_zh_only_merges_neighbours(pieces, min_chars):
    out = attach_short_zh(pieces, min_chars)
    assert "".join(out) == "".join(pieces)
    if len(out) > 1:
        assert all(content_chars(p) >= min_chars for p in out), out


# --- context() and the tags (ases/cot/context.py) -----------------------------------------

_SEGMENTS = st.lists(st.one_of(st.text(max_size=20), _mixed(_EN_BITS)), max_size=6)


@FUZZ
@given(st.text(max_size=40), _SEGMENTS)
def test_context_shape_and_growth(question, segments):
    head = f"{question.strip()} {COT_MARKER}"
    full = context(question, segments)
    cot = join_segments(segments)
    assert full == (f"{head} {cot}" if cot else head)
    assert cot == " ".join(s.strip() for s in segments if s.strip())
    # decoding appends segments: every earlier input is a prefix of the later ones
    for k in range(len(segments)):
        assert full.startswith(context(question, segments[:k]))


@FUZZ
@given(st.text(max_size=40), st.lists(_PIECE_EN, max_size=8), st.data())
def test_context_does_not_depend_on_how_pieces_are_grouped(question, pieces, data):
    # ES/AS segments are runs of pieces: any grouping gives the model the same input
    cuts = sorted(data.draw(st.sets(st.integers(1, max(len(pieces) - 1, 1)))))
    edges = [0, *[c for c in cuts if c < len(pieces)], len(pieces)]
    segments = [" ".join(pieces[a:b]) for a, b in zip(edges, edges[1:], strict=False)]
    assert context(question, segments) == context(question, pieces)


@FUZZ
@given(st.sampled_from(sorted(TAG_MARKERS)), st.one_of(st.text(), _mixed(_EN_BITS)))
def test_tags_round_trip(tag, text):
    tagged = add_tag(tag, text)
    assert split_tag(tagged) == ((tag if text else None), text.strip())
    if text:
        assert tagged.startswith(TAG_MARKERS[tag] + " ")
    else:
        assert tagged == ""  # the stop target stays empty


@FUZZ
@given(st.text())
def test_split_tag_never_crashes_and_untagged_text_is_only_stripped(text):
    tag, rest = split_tag(text)
    if tag is None:
        assert rest == text.strip()
    else:
        assert text.strip().startswith(TAG_MARKERS[tag]) and rest == rest.strip()


# --- answer extraction (ases/tasks/answer.py, ases/tasks/mwp.py) ------------------------


@FUZZ
@given(st.one_of(_TEXT, _mixed(_EN_BITS)))
def test_extract_answer_is_none_or_a_finite_number(text):
    value = extract_answer(text)
    assert value is None or (isinstance(value, float) and math.isfinite(value))
    statements = find_statements(text)
    assert (value is None) == (not statements or read_value(statements[-1][1]) is None)
    assert MWPTask().is_finished(text) == (value is not None)
    loose = extract_flexible(text)
    assert loose is None or (isinstance(loose, float) and math.isfinite(loose))


@FUZZ
@given(_TEXT)
def test_normalize_number_is_none_or_a_finite_number(text):
    value = normalize_number(text)
    assert value is None or (isinstance(value, float) and math.isfinite(value))


@st.composite
def written_numbers(draw) -> tuple[str, float]:
    """A number as a CoT writes it ("1,234.5", "$12", "-3") and its value."""
    whole = draw(st.integers(0, 10**15))
    digits = str(whole)
    written = f"{whole:,}" if draw(st.booleans()) else digits
    if draw(st.booleans()):
        frac = draw(st.text("0123456789", min_size=1, max_size=6))
        digits, written = f"{digits}.{frac}", f"{written}.{frac}"
    sign = draw(st.sampled_from(["", "-"]))
    written = draw(st.sampled_from([f"{sign}{written}", f"{sign}${written}", f"${sign}{written}"]))
    return written, float(sign + digits)


@FUZZ
@given(
    st.one_of(_TEXT, _mixed(_EN_BITS)),
    st.sampled_from(_SPACE_CHARS),
    written_numbers(),
    st.sampled_from(["The answer is ", "the answer is: ", "So the answer is ", "#### "]),
)
def test_the_last_stated_answer_is_found(prefix, space, number, statement):
    written, value = number
    text = f"{prefix}{space}{statement}{written}."
    assert extract_answer(text) == value, (text, find_statements(text))
    assert extract_flexible(text) == value, text
    example = Example("q", "question", "cot", answer=written)
    assert MWPTask().judge(example, text)["correct"]


# --- the normal-sentence detector (ases/tasks/normality.py) -----------------------------

_DETECTOR = LexiconNormalDetector()
_CUE = re.compile("|".join(f"(?:{p})" for p in NORMAL_CUES), re.IGNORECASE)


@FUZZ
@given(ZH_TEXT)
def test_is_normal_never_crashes_and_needs_a_cue(sentence):
    normal = _DETECTOR.is_normal(sentence)
    assert isinstance(normal, bool)
    if normal:
        assert _CUE.search(sentence)


@FUZZ
@given(ZH_TEXT, ZH_TEXT, st.sampled_from(["SUV", "SUVmax：3.1", "suvmax", "Suv"]))
def test_a_measured_uptake_is_never_normal(before, after, suv):
    assert not _DETECTOR.is_normal(before + suv + after)


@FUZZ
@given(ZH_TEXT)
def test_split_sentences_zh_drops_only_white_space(findings):
    sentences = split_sentences_zh(findings)
    assert "".join(sentences) == strip_space(findings)
    assert all(s and not any(c.isspace() for c in s) for s in sentences)
    for s in sentences:  # a sentence ends at its first 。; only punctuation may follow
        _, stop, tail = s.partition("。")
        assert not stop or not re.search(r"\w", tail), s
    assert all(re.search(r"\w", s) for s in sentences[1:]), sentences


@FEW
@given(ZH_TEXT, st.floats(0.0, 1.0), st.text(max_size=8))
def test_apply_gamma_keeps_all_abnormal_and_a_share_of_normal(findings, gamma, key):
    sentences = split_sentences_zh(findings)
    normal = [_DETECTOR.is_normal(s) for s in sentences]
    text, stats = apply_gamma(findings, gamma, _DETECTOR, seed_key=key)
    assert stats["n_sentences"] == len(sentences) and stats["n_normal"] == sum(normal)
    assert stats["n_kept_normal"] == round(gamma * sum(normal))
    assert stats["chars_before"] == len(strip_space(findings))
    assert stats["chars_after"] == len(text)
    assert apply_gamma(findings, gamma, _DETECTOR, seed_key=key)[0] == text  # keyed
    abnormal = "".join(s for s, n in zip(sentences, normal, strict=True) if not n)
    if gamma == 0.0:
        assert text == abnormal
    if gamma == 1.0:
        assert text == strip_space(findings)
    assert len(abnormal) <= len(text) <= stats["chars_before"]


@FEW
@given(ZH_TEXT, st.floats().filter(lambda g: not 0.0 <= g <= 1.0))
def test_apply_gamma_refuses_gamma_outside_the_unit_interval(findings, gamma):
    with pytest.raises(ValueError, match="task.gamma"):
        apply_gamma(findings, gamma, _DETECTOR, seed_key="k")
