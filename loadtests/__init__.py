"""Benchmarks and the locust rehearsal kit."""
