"""Tasks: how a CoT splits, when decoding stops, and how outputs are judged."""
