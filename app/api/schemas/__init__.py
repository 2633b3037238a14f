"""Request and response bodies of API v1, apart from the ORM models."""
