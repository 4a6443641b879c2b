"""Benchmarks: run as `python -m bench.NAME`; they print figures and assert nothing."""
