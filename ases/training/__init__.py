"""Training: the datamodule, checkpoints, resume, the scorer fit. Imports every earlier stage."""
