"""Benchmark support: offline, seeded random-weight checkpoints at tiny and real sizes."""
