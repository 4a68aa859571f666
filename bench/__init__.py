"""Benchmarks for Pasokh; `python bench/ingest.py` (or `make bench`) runs the ingest one."""
