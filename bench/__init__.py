"""Benchmarks: each module runs as `.venv/bin/python -m bench.<name>` from the repo root
(see README.md in this folder)."""
