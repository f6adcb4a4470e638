"""LightningModules, one per path (``conf/path/*.yaml`` picks one)."""
