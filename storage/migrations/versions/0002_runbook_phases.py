"""Runbook phases: phase runs and checklist ticks.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "phase_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_number", sa.Integer(), nullable=False),
        sa.Column("runbook", sa.String(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entered_by", sa.String(), nullable=True),
        sa.Column("left_by_override", sa.String(), nullable=True),
        sa.Column("checklist_ts", sa.String(), nullable=True),
        sa.Column("timebox_nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f("fk_phase_run_incident_number_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_run")),
    )
    op.create_index(
        "ix_phase_run_incident_number_started_at",
        "phase_run",
        ["incident_number", "started_at"],
    )
    op.create_table(
        "checklist_entry",
        sa.Column("incident_number", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f("fk_checklist_entry_incident_number_incident"),
        ),
        sa.PrimaryKeyConstraint(
            "incident_number", "phase", "item_id", name=op.f("pk_checklist_entry")
        ),
    )


def downgrade() -> None:
    op.drop_table("checklist_entry")
    op.drop_index("ix_phase_run_incident_number_started_at", table_name="phase_run")
    op.drop_table("phase_run")
