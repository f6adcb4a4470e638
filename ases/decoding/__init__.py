"""Stage 4, decoding: settings and the one-pass and iterative (uni, dual) loops over a model adapter. Imports data, tasks, models."""
