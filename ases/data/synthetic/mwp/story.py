"""Shared pieces of the synthetic word problems: number formatting, names, and :class:`_Story`."""

from __future__ import annotations

import random

from ases.text.arith import safe_eval

_NAMES = {  # she / he / singular they
    "f": ("Mia", "Ava", "Sofia", "Chloe", "Priya", "Amara", "Lucia", "Hana", "Zoe", "Fatima", "Grace", "Elena",
          "Nora", "Aisha", "Ruby", "Mei"),
    "m": ("Liam", "Noah", "Omar", "Diego", "Ethan", "Kenji", "Mateo", "Lucas", "Ravi", "Samuel", "Owen", "Jamal",
          "Felix", "Arjun", "Theo", "Marcus"),
    "n": ("Alex", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Rowan", "Sky"),
}
_IRREGULAR = {"feet": "foot", "inches": "inch", "people": "person", "guppies": "guppy", "daisies": "daisy",
              "lilies": "lily", "batches": "batch", "strawberries": "strawberry", "glasses": "glass",
              "loaves": "loaf", "boxes": "box", "kg": "kg", "ml": "ml"}


def _f(x: float) -> str:
    """A number as a CoT writes it: ``72``, ``2.75``, ``1,200``."""
    x = round(x, 4)
    return f"{int(x):,}" if x == int(x) else f"{x:,.4f}".rstrip("0")


def _m(x: float) -> str:
    """Money: ``$12``, ``$2.50``, ``$1,200``."""
    x = round(x, 2)
    return f"${int(x):,}" if x == int(x) else f"${x:,.2f}"


def _plain(x: float) -> str:
    """The final answer: no ``$``, no thousands commas, no trailing zeros."""
    return f"{round(x, 4):.4f}".rstrip("0").rstrip(".")


def _pl(n: float, one: str, many: str = "") -> str:
    return f"{_f(n)} {one if n == 1 else many or one + 's'}"


def _singular(unit: str) -> str:
    # The counted noun is the word before "of" ("cups of flour") or else the last word.
    words = unit.split()
    i = words.index("of") - 1 if "of" in words else len(words) - 1
    w = words[i]
    words[i] = _IRREGULAR.get(w, w[:-1] if w.endswith("s") and not w.endswith("ss") else w)
    return " ".join(words)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _third(verb: str) -> str:
    """A verb slot after a name, which always takes the singular form ("Alex drives")."""
    return verb.replace("{s}", "s").replace("{es}", "es")


def _clock(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{(h - 1) % 12 + 1}:{m:02d}"


def _gap(a: int, b: int) -> str:
    """An expression for the minutes from clock time ``a`` to ``b`` (minutes after midnight)."""
    (ha, ma), (hb, mb) = divmod(a, 60), divmod(b, 60)
    if ha == hb:
        return f"{mb} - {ma}"
    if ma == 0:
        return f"{hb - ha} x 60" + (f" + {mb}" if mb else "")
    terms = [f"60 - {ma}"] + ([f"{hb - ha - 1} x 60"] if hb - ha > 1 else []) + ([str(mb)] if mb else [])
    return " + ".join(terms)


def _person(rng: random.Random, avoid: str = "") -> tuple[str, str]:
    g = rng.choice("ffmmn")  # mostly she/he, with some singular-they people
    return rng.choice([n for n in _NAMES[g] if n != avoid]), g


def _context(name: str, g: str) -> dict[str, str]:
    he, him, his = {"f": ("she", "her", "her"), "m": ("he", "him", "his"), "n": ("they", "them", "their")}[g]
    one = g != "n"  # verb agreement: "she has" but "they have"
    return {"name": name, "he": he, "He": he.capitalize(), "him": him, "his": his, "His": his.capitalize(),
            "s": "s" if one else "", "es": "es" if one else "", "has": "has" if one else "have",
            "is": "is" if one else "are", "does": "does" if one else "do"}


class _Story:
    """Collects one problem's question and CoT sentences and counts its computation steps."""

    def __init__(self, rng: random.Random, ctx: dict[str, str]) -> None:
        self.r, self.ctx = rng, ctx
        self.question: list[str] = []
        self.cot: list[str] = []
        self.labels: list[str] = []  # per CoT sentence: "ES" (restates) or "AS" (computes)
        self.steps, self.last = 0, 0.0

    def _fill(self, alts: tuple[str, ...], kw: dict) -> str:
        env = {**self.ctx, **kw}
        text = self.r.choice(alts).format_map(env)
        if "{" in text:  # phrases passed as arguments may hold pronoun or verb slots themselves
            text = text.format_map(env)
        return text[0].upper() + text[1:]

    def ask(self, *alts: str, **kw) -> None:
        self.question.append(self._fill(alts, kw))

    def say(self, *alts: str, odds: float = 1.0, **kw) -> None:
        """Adds a restating sentence, only with probability ``odds`` so CoT shapes vary."""
        if odds >= 1 or self.r.random() < odds:
            self.cot.append(self._fill(alts, kw))
            self.labels.append("ES")

    def calc(self, expr: str, unit: str, *alts: str, **kw) -> float:
        """Adds a computing sentence; ``{eq}`` in it becomes ``expr = result [unit]``."""
        value = safe_eval(expr)
        text = _m(value) if unit == "$" else _f(value)
        exact = safe_eval(text)
        if value < 0 or abs(exact - value) > 1e-9:  # a template chose numbers badly: fail loudly
            raise ValueError(f"inexact or negative step: {expr} = {value}")
        if unit not in ("", "$"):
            text += " " + (_singular(unit) if exact == 1 else unit)
        self.cot.append(self._fill(alts, {**kw, "eq": f"{expr} = {text}"}))
        self.labels.append("AS")
        self.steps, self.last = self.steps + 1, exact
        return exact
