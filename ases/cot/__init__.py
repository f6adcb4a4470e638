"""Chains of thought: pieces, context, AS-ES rows."""
