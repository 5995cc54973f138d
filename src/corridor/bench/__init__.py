"""Benchmarks behind `corridor bench <area> --json`: measured, never asserted in tests."""
