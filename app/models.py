"""ORM models. Every table is created by a migration in `migrations/versions`, never create_all."""

from app.db import Base

__all__ = ["Base"]
