"""Helpers of ``benchmarks/probe_hostile_ingest.py``: file builders, scenarios, subprocess runner."""
