"""Stage 6, paths: training rows and the LightningModules (seq2seq/uni, dual), test records, the optimizer. Imports every stage before it."""
