"""Simulated twins of the hardware, driven by a scenario file (see scenario.py)."""
