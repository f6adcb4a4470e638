"""`ases-show`: a known segments.jsonl gives known summary, text, HTML and plot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ases.runs.files import write_jsonl_atomic
from ases.tools.show import main, plot_histogram, render_html, render_terminal, summarize_segments

RECORDS = [
    {
        "qid": "a",
        "question": "Is 1 < 2?",
        "pieces": ["p1", "p2 a<b", "p3"],
        "scores": [1.0, 3.0, 2.0],
        "threshold": 2.0,
        "tags": ["ES", "AS", "ES"],
        "segments": [
            {"tag": "ES", "text": "p1"},
            {"tag": "AS", "text": "p2 a<b"},
            {"tag": "ES", "text": "p3"},
        ],
    },
    {
        "qid": "b",
        "question": "Q2",
        "pieces": ["q1", "q2"],
        "scores": [4.0, 1.0],
        "threshold": 2.5,
        "tags": ["AS", "ES"],
        "segments": [{"tag": "AS", "text": "q1"}, {"tag": "ES", "text": "q2"}],
    },
    # threshold 0: every score 0, so both pieces are ES and their ratio is undefined
    {
        "qid": "c",
        "question": "Q3",
        "pieces": ["r1 r1", "r2"],
        "scores": [0.0, 0.0],
        "threshold": 0.0,
        "tags": ["ES", "ES"],
        "segments": [{"tag": "ES", "text": "r1 r1 r2"}],
    },
]
ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    write_jsonl_atomic(tmp_path / "run" / "segments.jsonl", RECORDS)
    return tmp_path / "run"


def test_summary_matches_hand_counts():
    s = summarize_segments(RECORDS)
    assert s["n_cots"] == 3
    assert s["as_fraction"] == pytest.approx(2 / 7)  # 2 AS of 7 pieces
    assert s["as_segment_fraction"] == pytest.approx(2 / 6)  # 2 AS of 6 segments
    assert s["segments_per_cot"] == pytest.approx(2.0)
    assert s["pieces_per_cot"] == pytest.approx(7 / 3)
    assert s["as_chars_mean"] == pytest.approx((6 + 2) / 2)  # "p2 a<b", "q1"
    assert s["es_chars_mean"] == pytest.approx((2 + 2 + 2 + 8) / 4)  # p1 p3 q2 "r1 r1 r2"
    assert s["as_first_fraction"] == pytest.approx(1 / 3)  # only b starts with AS


def test_terminal_plain_marks_pieces_and_colour_uses_ansi():
    plain = render_terminal(RECORDS, color=False)
    assert not ANSI.search(plain)
    assert "[AS: p2 a<b]" in plain and "[AS: q1]" in plain
    assert "[ES: p1]" in plain and "[ES: r1 r1]" in plain and "[ES: q2]" in plain
    assert "[AS: p1]" not in plain and "[ES: q1]" not in plain
    assert plain.index("Is 1 < 2?") < plain.index("[ES: p1]")  # question before pieces
    assert "threshold=2.5" in plain
    q1_line = next(line for line in plain.splitlines() if "[AS: q1]" in line)
    assert q1_line.split()[:2] == ["AS", "4"]  # tag and score lead the piece's line
    coloured = render_terminal(RECORDS, color=True)
    assert "\x1b[" in coloured and "[AS:" not in coloured


def test_html_escapes_every_piece_and_has_legend():
    page = render_html(RECORDS)
    assert "a&lt;b" in page and "p2 a<b" not in page
    assert "Is 1 &lt; 2?" in page
    for r in RECORDS:
        for piece, tag in zip(r["pieces"], r["tags"], strict=True):
            assert f'<span class="{tag.lower()}" title="{tag} score' in page
            assert f"{piece.replace('<', '&lt;')}</span>" in page
    assert "Legend" in page and ".as {" in page and ".es {" in page
    assert 'title="AS score 3 (threshold 2)"' in page and "threshold 2.5" in page


def test_histogram_is_png_and_counts_skipped(tmp_path: Path):
    path = tmp_path / "h.png"
    assert plot_histogram(RECORDS, path) == 2  # the two pieces of "c"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))
    nan = {**RECORDS[1], "scores": [float("nan"), 1.0]}  # a diverged scorer: skip, not crash
    assert plot_histogram([RECORDS[0], nan], path) == 1


def test_main_writes_three_files(run_dir: Path, capsys):
    assert main([str(run_dir), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "[AS: q1]" in out and not ANSI.search(out) and "skipped 2 pieces" in out
    summary = json.loads((run_dir / "segmentation_summary.json").read_text())
    assert summary == pytest.approx(summarize_segments(RECORDS))
    assert (run_dir / "segmentation.html").read_text().startswith("<!DOCTYPE html>")
    assert (run_dir / "score_histogram.png").read_bytes()[:4] == b"\x89PNG"


def test_sample_is_deterministic_and_out_dir_is_used(run_dir: Path, tmp_path: Path, capsys):
    outs = []
    for _ in range(2):
        assert main([str(run_dir), "--n", "2", "--seed", "3", "--out", str(tmp_path / "o")]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and "showing 2 of 3 CoTs" in outs[0]
    assert (tmp_path / "o" / "segmentation.html").read_text().count('class="cot"') == 2
    assert not (run_dir / "segmentation.html").exists()


def test_missing_run_dir_exits_2(tmp_path: Path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "nope" in err and len(err.strip().splitlines()) == 1


def test_dir_without_segments_says_seq2seq_has_none(tmp_path: Path, capsys):
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "segments.jsonl" in err and "seq2seq" in err and "path=uni" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        (json.dumps(RECORDS[0]) + "\n\n{not json\n", "segments.jsonl:3: malformed JSON"),
        (json.dumps({**RECORDS[0], "tags": ["ES"]}) + "\n", "segments.jsonl:1: malformed record"),
    ],
)
def test_bad_segments_file_names_file_and_line(tmp_path: Path, capsys, text, expected):
    (tmp_path / "segments.jsonl").write_text(text)
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


def test_known_piece_types_give_the_agreement_and_mark_the_disagreements():
    labelled = [{**RECORDS[0], "labels": ["ES", "ES", "ES"]}, {**RECORDS[1], "labels": ["AS", "ES"]},
                {**RECORDS[2], "labels": None}]
    s = summarize_segments(labelled)
    assert s["agreement"] == pytest.approx(4 / 5)  # p2 is tagged AS, labelled ES
    assert s["label_as_fraction"] == pytest.approx(1 / 5)
    assert "agreement" not in summarize_segments(RECORDS)  # no labels, no agreement
    plain = render_terminal(labelled, color=False)
    assert "[AS: p2 a<b]  (labelled ES)" in plain and "(labelled" not in plain.replace(
        "[AS: p2 a<b]  (labelled ES)", "")
    page = render_html(labelled)
    assert page.count('class="as off"') == 1 and "labelled ES" in page
