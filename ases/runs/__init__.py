"""Shared run-folder helpers: atomic files, cache keys, grid cells, ranks, the summary. Imports no stage."""
