"""The change ledger: control-plane changes, independent of incidents.

Revision ID: 0003
Revises: 0002

Written by hand against storage/models.py (ChangeEventRow); tests/storage checks the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "change_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(), nullable=True),
        sa.Column("service_key", sa.String(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("before", sa.String(), nullable=True),
        sa.Column("after", sa.String(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_event")),
        sa.UniqueConstraint("source", "external_id", name="uq_change_event_source_external_id"),
    )
    op.create_index("ix_change_event_occurred_at", "change_event", ["occurred_at"])
    op.create_index(
        "ix_change_event_service_key_occurred_at",
        "change_event",
        ["service_key", "occurred_at"],
    )
    op.create_index("ix_change_event_kind_occurred_at", "change_event", ["kind", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_change_event_kind_occurred_at", table_name="change_event")
    op.drop_index("ix_change_event_service_key_occurred_at", table_name="change_event")
    op.drop_index("ix_change_event_occurred_at", table_name="change_event")
    op.drop_table("change_event")
