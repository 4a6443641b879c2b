"""Regression cases an incident keeps for the eval set, and the gate runs CI reports on them.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "regression_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_number", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("observed", sa.Text(), nullable=True),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("expectation", sa.String(), nullable=False),
        sa.Column("slice", sa.String(), nullable=True),
        sa.Column("risk", sa.String(), nullable=False),
        sa.Column("trace_url", sa.Text(), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dataset", sa.String(), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incident.number"],
            name=op.f("fk_regression_case_incident_number_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regression_case")),
        sa.UniqueConstraint("key", name=op.f("uq_regression_case_key")),
    )
    op.create_index("ix_regression_case_incident_number", "regression_case", ["incident_number"])
    op.create_table(
        "eval_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suite", sa.String(), nullable=False),
        sa.Column("commit", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_run")),
    )
    op.create_table(
        "eval_verdict",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_key", sa.String(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["eval_run.id"], name=op.f("fk_eval_verdict_run_id_eval_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "case_key", name=op.f("pk_eval_verdict")),
    )
    op.create_index("ix_eval_verdict_case_key", "eval_verdict", ["case_key"])


def downgrade() -> None:
    op.drop_index("ix_eval_verdict_case_key", table_name="eval_verdict")
    op.drop_table("eval_verdict")
    op.drop_table("eval_run")
    op.drop_index("ix_regression_case_incident_number", table_name="regression_case")
    op.drop_table("regression_case")
