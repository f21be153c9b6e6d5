"""principal_versions (the counter that invalidates cached principals on every replica) and blobs
(the database blob store of cluster mode)

Revision ID: i15_principal_versions
Revises: 0001
Create Date: 2026-12-06 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import limner.db

revision: str = "i15_principal_versions"
down_revision: str | None = "i10_security_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "principal_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principal_versions")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("modified_at", limner.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_blobs")),
    )


def downgrade() -> None:
    op.drop_table("blobs")
    op.drop_table("principal_versions")
