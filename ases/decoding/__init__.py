"""Decoding: settings and the one-pass and iterative (uni, dual) loops. Imports data, tasks, models."""
