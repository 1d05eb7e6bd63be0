"""quiz_answers: an index by guild and player, for /quizconfig reset scores

Forgetting a server's answers (or one member's in a server) deleted them with a scan of the
whole ledger; this index finds them directly.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_quiz_answers_guild_user", "quiz_answers", ["guild_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_quiz_answers_guild_user", table_name="quiz_answers")
