"""Report generation (findings → impression): normality, γ, ROUGE/BLEU, the PET task."""
