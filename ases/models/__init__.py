"""Tokenizers and seq2seq models: the tiny embedded default and hub checkpoints."""
