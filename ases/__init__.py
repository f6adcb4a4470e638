"""ases: AS-ES learning (extractive / abstractive segments) for chain-of-thought in small models."""

__version__ = "0.1.0"
