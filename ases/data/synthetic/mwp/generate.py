"""The template registry and the generator that draws one problem per index."""

from __future__ import annotations

import random
from collections.abc import Callable

from ases.data.example import Example
from ases.data.synthetic.mwp.money import _discount, _membership, _savings, _shopping, _tip, _wages
from ases.data.synthetic.mwp.quantities import _ages, _fractions, _garden, _recipe, _sharing, _units
from ases.data.synthetic.mwp.simple import TEMPLATES_SIMPLE, write_simple
from ases.data.synthetic.mwp.story import _context, _person, _plain, _Story
from ases.data.synthetic.mwp.time_rate import _duration, _schedule, _travel

TEMPLATES: dict[str, Callable[[_Story], None]] = {
    "shopping": _shopping, "travel": _travel, "schedule": _schedule, "duration": _duration, "sharing": _sharing,
    "discount": _discount, "tip": _tip, "ages": _ages, "wages": _wages, "savings": _savings, "recipe": _recipe,
    "garden": _garden, "fractions": _fractions, "units": _units, "membership": _membership,
}
"""Scenario families by name; each writes one problem into a ``_Story``."""
_ORDER = tuple(TEMPLATES)


LEVELS = (1, 2, 3)
"""``data.level``: 1 = two steps, whole numbers up to 30; 2 = three steps, up to 100;
3 = every template above (2 to 6 steps, money, fractions, times, units)."""


def _one(seed: int, i: int, level: int) -> Example:
    # A string seed is hashed with SHA-512 by ``random``, so it is stable across runs and platforms
    # and example i does not depend on how many examples are asked for.
    rng = random.Random(f"mwp-{seed}-{i}" if level == 3 else f"mwp{level}-{seed}-{i}")
    name = rng.choice(_ORDER if level == 3 else TEMPLATES_SIMPLE)
    st = _Story(rng, _context(*_person(rng)))
    if level == 3:
        TEMPLATES[name](st)
    else:
        write_simple(st, level, name)
    if not 2 <= st.steps <= 6:
        raise ValueError(f"template {name} made {st.steps} steps")
    answer = _plain(st.last)
    qid = f"syn-{seed}-{i}" if level == 3 else f"syn{level}-{seed}-{i}"
    return Example(qid=qid, question=" ".join(st.question), cot=" ".join(st.cot + [f"The answer is {answer}."]),
                   answer=answer, meta={"template": name, "steps": st.steps, "level": level,
                                        # the answer line restates the last result: ES
                                        "sentence_labels": [*st.labels, "ES"]})


def generate_mwp(n: int, seed: int, start: int = 0, level: int = 3) -> list[Example]:
    """Generates synthetic GSM8K-style word problems with step-by-step chains of thought.

    Args:
        n: how many problems to make.
        seed: any integer; the same seed always gives the same problems.
        start: index of the first problem, so batches can be made piece by piece.
        level: the difficulty, one of :data:`LEVELS` (3: every template).

    Returns:
        ``n`` examples with qids ``f"syn-{seed}-{i}"`` (level 3) or ``f"syn{level}-{seed}-{i}"``
        for ``i`` in ``range(start, start + n)``; example ``i`` is the same whatever ``n`` and
        ``start`` are. ``meta`` holds the ``template`` name, ``steps`` (the number of
        equations in the CoT), ``level`` and ``sentence_labels``: per CoT sentence, ``ES``
        (it restates a given fact or the answer) or ``AS`` (it computes a new number).
    """
    if level not in LEVELS:
        raise ValueError(f"data.level must be one of {LEVELS}, got {level!r}")
    return [_one(seed, i, level) for i in range(start, start + n)]
