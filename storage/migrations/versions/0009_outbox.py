"""The outbox: events stored with the change that implied them, and the projector's leases.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f("fk_outbox_event_incident_number_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    op.create_index(
        "ix_outbox_event_done_at_incident_number", "outbox_event", ["done_at", "incident_number"]
    )
    op.create_table(
        "projection",
        sa.Column("incident_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_card", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f("fk_projection_incident_number_incident"),
        ),
        sa.PrimaryKeyConstraint("incident_number", name=op.f("pk_projection")),
    )


def downgrade() -> None:
    op.drop_table("projection")
    op.drop_index("ix_outbox_event_done_at_incident_number", table_name="outbox_event")
    op.drop_table("outbox_event")
