"""Benchmarks: ases against a baseline, measured side by side (``make bench``)."""
