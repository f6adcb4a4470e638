"""Report generation (findings → impression) in Chinese or English: normality, γ, ROUGE/BLEU,
the general report task and the PET task."""
