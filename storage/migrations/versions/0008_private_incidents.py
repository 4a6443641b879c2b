"""Private incidents: a flag on the incident (a private channel, hidden from non-members).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite's batch mode would copy and drop the incident table, which
    # the foreign keys pointing at it forbid once incidents exist.
    op.add_column(
        "incident", sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("private")
