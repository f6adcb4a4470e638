"""Synthetic grade-school math word problems (GSM8K style) with exact gold chains of thought.

Each problem comes from one of the scenario templates in :data:`TEMPLATES`. A template draws its
numbers from a per-example random generator, writes the question, and writes a CoT that mixes
sentences restating given facts (extractive) with sentences computing new ones (abstractive).
Every computing sentence holds exactly one equation, and :class:`_Story` checks each equation
with :func:`ases.text.arith.safe_eval` as it is written, so the gold CoTs are exact by construction.
Computing sentences carry no digits outside their equation, which keeps them easy to parse.
"""

from __future__ import annotations

from ases.data.synthetic.mwp.generate import TEMPLATES, generate_mwp

__all__ = ["TEMPLATES", "generate_mwp"]
