"""generations: the prompt template version a workspace request was started from

Revision ID: i17_generation_template_version
Revises: i16_training_gate_versions
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i17_generation_template_version"
down_revision: str | None = "i16_training_gate_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("template_version_id", sa.String(length=32), nullable=True))
        batch.create_index(
            batch.f("ix_generations_template_version_id"), ["template_version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.drop_index(batch.f("ix_generations_template_version_id"))
        batch.drop_column("template_version_id")
