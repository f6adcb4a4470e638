"""The template registry and the generator that draws one problem per index."""

from __future__ import annotations

import random
from collections.abc import Callable

from ases.data.example import Example
from ases.data.synthetic.mwp.money import _discount, _membership, _savings, _shopping, _tip, _wages
from ases.data.synthetic.mwp.quantities import _ages, _fractions, _garden, _recipe, _sharing, _units
from ases.data.synthetic.mwp.story import _context, _person, _plain, _Story
from ases.data.synthetic.mwp.time_rate import _duration, _schedule, _travel

TEMPLATES: dict[str, Callable[[_Story], None]] = {
    "shopping": _shopping, "travel": _travel, "schedule": _schedule, "duration": _duration, "sharing": _sharing,
    "discount": _discount, "tip": _tip, "ages": _ages, "wages": _wages, "savings": _savings, "recipe": _recipe,
    "garden": _garden, "fractions": _fractions, "units": _units, "membership": _membership,
}
"""Scenario families by name; each writes one problem into a ``_Story``."""
_ORDER = tuple(TEMPLATES)


def _one(seed: int, i: int) -> Example:
    # A string seed is hashed with SHA-512 by ``random``, so it is stable across runs and platforms
    # and example i does not depend on how many examples are asked for.
    rng = random.Random(f"mwp-{seed}-{i}")
    name = rng.choice(_ORDER)
    st = _Story(rng, _context(*_person(rng)))
    TEMPLATES[name](st)
    if not 2 <= st.steps <= 6:
        raise ValueError(f"template {name} made {st.steps} steps")
    answer = _plain(st.last)
    return Example(qid=f"syn-{seed}-{i}", question=" ".join(st.question), cot=" ".join(st.cot + [f"The answer is {answer}."]),
                   answer=answer, meta={"template": name, "steps": st.steps})


def generate_mwp(n: int, seed: int, start: int = 0) -> list[Example]:
    """Generates synthetic GSM8K-style word problems with step-by-step chains of thought.

    Args:
        n: how many problems to make.
        seed: any integer; the same seed always gives the same problems.
        start: index of the first problem, so batches can be made piece by piece.

    Returns:
        ``n`` examples with qids ``f"syn-{seed}-{i}"`` for ``i`` in ``range(start, start + n)``;
        example ``i`` is the same whatever ``n`` and ``start`` are. ``meta`` holds the
        ``template`` name and ``steps``, the number of equations in the CoT (2 to 6).
    """
    return [_one(seed, i) for i in range(start, start + n)]
