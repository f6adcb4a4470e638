"""Stage 1, data: examples, their checks, loaders (gsm8k, cpet11k, files) and synthetic/ generators. Imports text/ and runs/ only."""

from ases.data.example import Example, Splits

__all__ = ["Example", "Splits"]
