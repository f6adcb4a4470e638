"""Final-answer extraction for math word problems, as a chain of small named filters
(the shape of lm-evaluation-harness' filters):

    find_statements → take_last → read_value        (strict: ``extract_answer``)
    find_numbers    → take_last → read_value        (flexible: ``extract_flexible``)

A statement is "answer is N" (also "final answer is", "the answer: N", a line "Answer: N"),
GSM8K's "#### N", or LaTeX ``\\boxed{N}``. What follows the marker is read whole: a value
in markdown emphasis, ``\\boxed{}`` or ``$…$``, with a currency sign, thousands
separators of any kind (``1,200``, ``1 200``, ``1'200``, ``1.200.000``), a leading-dot
decimal (``.5``), a sign, a fraction ``3/4`` or mixed number ``2 1/2`` (their values), then
``%`` or unit words and the sentence end. A statement whose value cannot be read whole
(``3 + 4 = 7``, ``3/0``) is no answer: never a prefix of it (``3/4`` is 0.75, not 3).
"""

from __future__ import annotations

import math
import re
import unicodedata

# -- numbers -----------------------------------------------------------------------------

_MINUS = "-\u2212\u2013"  # hyphen, minus sign, en dash
_SEPARATOR = ",'\u2019 \u00a0\u2009\u202f_"  # thousands: comma, apostrophes, spaces, underscore
_CURRENCY = "$€£¥₹"
_VULGAR = "".join(c for c in map(chr, range(0xBC, 0x215F)) if unicodedata.category(c) == "No"
                  and "FRACTION" in unicodedata.name(c, ""))

_INT = r"\d{1,3}(?:(?P<sep>[" + _SEPARATOR + r"])\d{3})(?:(?P=sep)\d{3})*|\d+"
_DOTTED = r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?|\d{1,3}\.\d{3},\d+"  # 1.200.000, 1.234,5
_DECIMAL = rf"(?:{_DOTTED}|(?:{_INT})(?:\.\d+)?|\.\d+)"
# a number as written: sign, currency, [whole part and] fraction or decimal, vulgar fraction
_NUMBER = re.compile(
    rf"(?:(?<![\w).])(?P<sign>[{_MINUS}]))?(?:[{re.escape(_CURRENCY)}]\s?)?(?P<sign2>[{_MINUS}])?"
    rf"(?:(?P<whole>\d+)\s+(?P<mnum>\d+)/(?P<mden>\d+)"  # mixed: 2 1/2
    rf"|(?P<num>\d+)/(?P<den>\d+)"  # fraction: 3/4
    rf"|(?P<dec>{_DECIMAL})(?P<vulgar>[{_VULGAR}])?"  # 1,200.50 / 2½
    rf"|(?P<vulgar_only>[{_VULGAR}]))"
    rf"(?![\d/])")
# after a value: a percent or a unit, then nothing that continues an expression
_CONTINUES = re.compile(r"\s*(?:[-+*/×÷^]\s*[\d($.]|[=<>]|x\s*\d|\.\d|,\d|\d)")


def _plain(text: str) -> float | None:
    """The value of a plain decimal as written (separators of any kind)."""
    if re.fullmatch(_DOTTED, text):  # dots group thousands, a comma starts the decimals
        text = text.replace(".", "").replace(",", ".")
    else:
        text = re.sub(rf"[{_SEPARATOR}]", "", text)
    try:
        return float(text)
    except ValueError:
        return None


def _value(match: re.Match) -> float | None:
    """The value of a :data:`_NUMBER` match; None for a zero denominator."""
    g = match.groupdict()
    sign = -1.0 if (g["sign"] or g["sign2"]) else 1.0
    if g["whole"] is not None:
        den = int(g["mden"])
        value = int(g["whole"]) + int(g["mnum"]) / den if den else None
    elif g["num"] is not None:
        den = int(g["den"])
        value = int(g["num"]) / den if den else None
    elif g["vulgar_only"] is not None:
        value = unicodedata.numeric(g["vulgar_only"])
    else:
        value = _plain(g["dec"])
        if value is not None and g["vulgar"]:
            value += unicodedata.numeric(g["vulgar"])
    if value is None or not math.isfinite(value):
        return None
    return sign * value


# -- what wraps a value --------------------------------------------------------------------

_LATEX = (
    (re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\text(?:bf|rm|it)?\{([^{}]*)\}"), r" \1"),
    (re.compile(r"\{,\}"), ","),
    (re.compile(r"\\[,;:! ]"), " "),
    (re.compile(r"\\(\$|%)"), r"\1"),
    (re.compile(r"\\(?:left|right|displaystyle|mathrm)\b"), ""),
)


def unwrap(text: str) -> str:
    """A value without its wrappers: markdown emphasis or code, ``\\boxed{}``, ``$…$`` math,
    LaTeX fractions, ``\\text{}`` units, ``{,}`` separators."""
    text = re.sub(r"\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}", r"\1", text)
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    text = re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text)  # **42**, *42*, `42`
    text = re.sub(r"\$([^$]*\d[^$]*)\$", r"\1", text)  # $42$ as math (a price keeps its sign)
    return text.replace("\\", "")


def read_value(text: str | None) -> float | None:
    """The number that ``text`` states whole: a value (see the module's text), then
    nothing but ``%``, unit words or the sentence's end; None when it states anything else
    (an expression, two numbers, a fraction over zero, no number)."""
    if text is None:
        return None
    text = unwrap(text).strip(" \t*_`").lstrip(":").strip(" \t*_`")
    match = _NUMBER.match(text)
    if match is None or _CONTINUES.match(text, match.end()):
        return None
    return _value(match)


# -- the filters --------------------------------------------------------------------------

_MARKER = re.compile(r"\banswer\s*(?:is\b|=|:)|\banswer\s+(?:would|will)\s+be\b|####",
                     re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\s*\{(?P<value>(?:[^{}]|\{[^{}]*\})*)\}")


def _sentence(text: str) -> str:
    """``text`` up to the end of its first sentence or line (a full stop inside braces or
    before a digit is no end)."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if char == "\n" or (char in ".!?;" and depth <= 0
                            and (i + 1 == len(text) or text[i + 1].isspace())):
            return text[:i]
    return text


def find_statements(text: str) -> list[tuple[int, str]]:
    """Every answer statement, as (where it starts, what it states), in order: "answer
    is …", "answer: …", "#### …" up to the end of the sentence (or the next statement),
    and each ``\\boxed{…}`` that is not already what a statement states."""
    marks = list(_MARKER.finditer(text))
    found = []
    for i, mark in enumerate(marks):
        stop = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        found.append((mark.start(), mark.end(), _sentence(text[mark.end():stop])))
    statements = [(start, value.strip()) for start, _, value in found]
    for box in _BOXED.finditer(text):
        if not any(end <= box.start() < end + len(value) for _, end, value in found):
            statements.append((box.start(), box.group("value").strip()))
    return sorted(statements)


def find_numbers(text: str) -> list[str]:
    """Every number in the text as written (lm-evaluation-harness' ``flexible-extract``
    reads the last number anywhere; here a number is read as :func:`read_value` reads it)."""
    return [m.group(0) for m in _NUMBER.finditer(unwrap(text))]


def take_last(candidates: list) -> object | None:
    """The last candidate (a CoT may correct itself), or None."""
    return candidates[-1] if candidates else None


def extract_answer(text: str) -> float | None:
    """The strict answer: the value of the last answer statement, or None when the text
    states none or its last statement cannot be read."""
    last = take_last(find_statements(text))
    return None if last is None else read_value(last[1])


def extract_flexible(text: str) -> float | None:
    """The flexible answer: the last number anywhere in the text."""
    last = take_last(find_numbers(text))
    return None if last is None else _value(_NUMBER.match(last))


def normalize_number(text: str | None) -> float | None:
    """A gold answer as written (``"$1,200"`` → 1200.0, ``"18.0"`` → 18.0, ``"3/4"`` →
    0.75); None if it is not one number."""
    return read_value(text)


def numbers_equal(a: float | None, b: float | None, tol: float = 1e-6) -> bool:
    """Equal up to a small relative tolerance (so 18 == 18.0 and 0.1 + 0.2 == 0.3)."""
    if a is None or b is None:
        return False
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def format_number(value: float) -> str:
    """A number as a CoT writes it: ``18``, ``12.5`` (no trailing zeros)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")
