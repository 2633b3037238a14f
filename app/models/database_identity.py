"""The database's own identity, which the seat engine checks before it trusts what Redis holds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class DatabaseIdentity(Base):
    """The one row that names this database. The seat engine writes it into every term it arms
    and trusts a term in Redis only when it carries this database's name."""

    __tablename__ = "database_identity"
    __table_args__ = (CheckConstraint("singleton", name="singleton"),)

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default="true")
    id: Mapped[uuid.UUID] = mapped_column(Uuid, server_default=text("gen_random_uuid()"))
    created_at: Mapped[datetime] = created_at_column()
