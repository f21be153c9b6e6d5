"""security hardening: SCIM provenance, four-eyes erasure, per-owner keys, keyed prompt hashes

Revision ID: i10_security_hardening
Revises: 0001
Create Date: 2026-12-06 23:00:00

- users/groups.provisioned_by: SCIM manages only what it created.
- privacy_erasure_requests: erasures waiting for a second person.
- data_keys.owner_sealed: existing rows are False until `limner vault rotate` seals them under the
  owner's key in the key store (their blobs are never re-encrypted).
- generations.prompt_sha256 -> prompt_hmac: the old plain SHA-256 values could be reversed with a
  dictionary, so they are cleared; new rows hold an HMAC under the person's data key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import limner.db

revision: str = "i10_security_hardening"
down_revision: str | None = "i14_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisioned_by", sa.String(length=16), nullable=True))
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisioned_by", sa.String(length=16), nullable=True))
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_sealed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE generations SET prompt_sha256 = NULL")
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.alter_column("prompt_sha256", new_column_name="prompt_hmac")
    op.create_table(
        "privacy_erasure_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", limner.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", limner.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasure_requests")),
    )
    with op.batch_alter_table("privacy_erasure_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_erasure_requests_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_erasure_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_erasure_requests_user_id"))
    op.drop_table("privacy_erasure_requests")
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.alter_column("prompt_hmac", new_column_name="prompt_sha256")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_column("owner_sealed")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("provisioned_by")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("provisioned_by")
