"""Kehou: after-school care registration and course grab (课后托管 · 抢课)."""
