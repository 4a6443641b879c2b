"""The postmortem's records: detection, scope rows, root cause, action items, resolution, close
override and the compiled postmortem.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-01

A branch off 0001: these tables reference only `incident`, so they do not depend on the other
features' revisions. Written by hand against storage/models.py; tests/storage checks the two
agree on every backend.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _incident_key(table: str) -> list[SchemaItem]:
    """The incident number as the primary key of a one-per-incident table."""
    return [
        sa.Column("incident_number", sa.Integer(), nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("incident_number", name=op.f(f"pk_{table}")),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f(f"fk_{table}_incident_number_incident"),
        ),
    ]


def _incident_reference(table: str) -> list[SchemaItem]:
    """An id of its own and the incident it belongs to, for a many-per-incident table."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f(f"fk_{table}_incident_number_incident"),
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "detection",
        *_incident_key("detection"),
        sa.Column("how", sa.String(), nullable=True),
        sa.Column("signal", sa.String(), nullable=True),
        sa.Column("signal_url", sa.String(), nullable=True),
        _when("regression_started_at"),
        _when("first_alarm_at"),
        sa.Column("what_we_missed", sa.Text(), nullable=True),
        sa.Column("alarm_ignored_or_misrouted", sa.Text(), nullable=True),
    )

    op.create_table(
        "slice_impact",
        *_incident_reference("slice_impact"),
        sa.Column("slice", sa.String(), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("incident_value", sa.Float(), nullable=False),
        sa.Column("users_affected", sa.Integer(), nullable=True),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
    )
    op.create_index(op.f("ix_slice_impact_incident_number"), "slice_impact", ["incident_number"])

    op.create_table(
        "root_cause",
        *_incident_key("root_cause"),
        sa.Column("axes", sa.JSON(), nullable=False),
        sa.Column("first_axis", sa.String(), nullable=True),
        sa.Column("why_not_caught", sa.String(), nullable=True),
        sa.Column("why_not_caught_text", sa.Text(), nullable=True),
        sa.Column("contributing_factors", sa.JSON(), nullable=False),
        sa.Column("layer", sa.String(), nullable=True),
    )

    op.create_table(
        "action_item",
        *_incident_reference("action_item"),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("artefact_url", sa.Text(), nullable=True),
        sa.Column("calibration_labels", sa.Integer(), nullable=True),
        sa.Column("calibration_kappa", sa.Float(), nullable=True),
        sa.Column("calibration_tpr", sa.Float(), nullable=True),
        sa.Column("calibration_tnr", sa.Float(), nullable=True),
        sa.Column("calibration_judge_version", sa.String(), nullable=True),
        _when("created_at", nullable=False),
        _when("done_at"),
    )
    op.create_index(op.f("ix_action_item_incident_number"), "action_item", ["incident_number"])
    op.create_index(op.f("ix_action_item_owner_id"), "action_item", ["owner_id"])
    op.create_index(op.f("ix_action_item_status"), "action_item", ["status"])

    op.create_table(
        "resolution",
        *_incident_key("resolution"),
        sa.Column("summary", sa.Text(), nullable=False),
        _when("mitigated_at"),
        sa.Column("exit_criteria_met", sa.JSON(), nullable=False),
    )

    op.create_table(
        "close_override",
        *_incident_key("close_override"),
        sa.Column("closed_by", sa.String(), nullable=False),
        _when("closed_at", nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )

    op.create_table(
        "postmortem",
        *_incident_key("postmortem"),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        _when("compiled_at", nullable=False),
        sa.Column("template_problem", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("postmortem")
    op.drop_table("close_override")
    op.drop_table("resolution")
    op.drop_index(op.f("ix_action_item_status"), table_name="action_item")
    op.drop_index(op.f("ix_action_item_owner_id"), table_name="action_item")
    op.drop_index(op.f("ix_action_item_incident_number"), table_name="action_item")
    op.drop_table("action_item")
    op.drop_table("root_cause")
    op.drop_index(op.f("ix_slice_impact_incident_number"), table_name="slice_impact")
    op.drop_table("slice_impact")
    op.drop_table("detection")
