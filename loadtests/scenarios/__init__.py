"""Locust scenarios of the 24-hour window: families, staff, and the shape of the opening."""
