"""Incidents, their timelines, and processed Slack event ids.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written by hand against storage/models.py; tests/storage checks the two agree on every backend.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("runbook", sa.String(), nullable=False),
        sa.Column("ai_feature", sa.String(), nullable=True),
        sa.Column("how_detected", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reporter_id", sa.String(), nullable=True),
        sa.Column("commander_id", sa.String(), nullable=True),
        sa.Column("comms_id", sa.String(), nullable=True),
        sa.Column("scribe_id", sa.String(), nullable=True),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("channel_name", sa.String(), nullable=True),
        sa.Column("card_ts", sa.String(), nullable=True),
        sa.Column("declare_key", sa.String(), nullable=True),
        sa.Column("last_update_text", sa.Text(), nullable=True),
        _when("last_update_at"),
        _when("regression_started_at"),
        _when("first_alarm_at"),
        _when("declared_at", nullable=False),
        _when("phase_started_at"),
        _when("mitigated_at"),
        _when("closed_at"),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_incident")),
        sa.UniqueConstraint("declare_key", name=op.f("uq_incident_declare_key")),
        # Public incident numbers are never handed out twice, even after a delete.
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_incident_channel_id"), "incident", ["channel_id"], unique=True)
    op.create_index(op.f("ix_incident_status"), "incident", ["status"])

    op.create_table(
        "timeline_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_number", sa.Integer(), nullable=False),
        _when("occurred_at", nullable=False),
        _when("recorded_at", nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("axis", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("permalink", sa.String(), nullable=True),
        sa.Column("dedupe_key", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_event")),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f("fk_timeline_event_incident_number_incident"),
        ),
        sa.UniqueConstraint(
            "incident_number",
            "dedupe_key",
            name="uq_timeline_event_incident_number_dedupe_key",
        ),
    )
    op.create_index(
        "ix_timeline_event_incident_number_occurred_at",
        "timeline_event",
        ["incident_number", "occurred_at"],
    )

    op.create_table(
        "processed_slack_event",
        sa.Column("event_id", sa.String(), nullable=False),
        _when("received_at", nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_slack_event")),
    )


def downgrade() -> None:
    op.drop_table("processed_slack_event")
    op.drop_index("ix_timeline_event_incident_number_occurred_at", table_name="timeline_event")
    op.drop_table("timeline_event")
    op.drop_index(op.f("ix_incident_status"), table_name="incident")
    op.drop_index(op.f("ix_incident_channel_id"), table_name="incident")
    op.drop_table("incident")
