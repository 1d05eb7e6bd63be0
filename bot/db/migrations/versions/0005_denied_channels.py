"""quiz_guild_settings.denied_channel_ids: channels where quizzes never run

`/quizconfig channel allowed: false` only removed a channel from the allowed list; with no
allowed list every channel stayed open, so it changed nothing. The deny list makes it real.
Existing servers start with an empty one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_guild_settings") as batch:
        batch.add_column(
            sa.Column(
                "denied_channel_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_guild_settings") as batch:
        batch.drop_column("denied_channel_ids")
