"""Notices to families and staff: a transactional outbox delivered by a worker through a Notifier."""
