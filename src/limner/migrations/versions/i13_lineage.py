"""generations: the parent image of an edit and the set of a "generate again"

Revision ID: i13_lineage
Revises: i13_studio_library
Create Date: 2026-12-07 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i13_lineage"
down_revision: str | None = "i13_studio_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("parent_image_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("again_of", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_generations_parent_image_id"), ["parent_image_id"], unique=False)
        batch.create_index(batch.f("ix_generations_again_of"), ["again_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.drop_index(batch.f("ix_generations_again_of"))
        batch.drop_index(batch.f("ix_generations_parent_image_id"))
        batch.drop_column("again_of")
        batch.drop_column("parent_image_id")
