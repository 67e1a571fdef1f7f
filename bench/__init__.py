"""Benchmarks run by `make bench` (never by the test suite). Each module exposes `run() -> dict`."""
