"""Stage 7, training: the datamodule, checkpoints, resume, loggers, fitting the scorer. Imports every stage before it."""
