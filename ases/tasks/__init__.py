"""Stage 2, tasks: how a CoT splits, when decoding stops, how outputs are judged (mwp/, report/). Imports data."""
