"""Stage 3, models: ModelSpec, tokenizers, and the ModelAdapter seam (batches, token scores, generation) per architecture. Imports data, tasks."""
