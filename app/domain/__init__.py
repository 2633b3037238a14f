"""The rules of after-school care as plain Python: no web framework, database session or Redis."""
