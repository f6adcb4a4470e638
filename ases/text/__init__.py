"""Shared text helpers: context(), pieces (English, Chinese), safe arithmetic. Imports no stage."""
