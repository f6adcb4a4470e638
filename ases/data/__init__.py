"""Examples and the loaders that produce them."""

from ases.data.example import Example, Splits

__all__ = ["Example", "Splits"]
