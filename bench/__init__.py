"""Benchmarks of deckgen against raw genanki: `make bench` (see run.py, RESULTS.md)."""
