"""quiz: games, the answer ledger, its daily and all-time aggregates, guild settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
RUNNING = sa.text("ended_at IS NULL")
SUMS = ("points", "correct", "answers")


def upgrade() -> None:
    op.create_table(
        "quiz_games",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("starter_id", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("winner_id", sa.BigInteger(), nullable=True),
    )
    op.create_index(
        "ux_quiz_games_running_channel",
        "quiz_games",
        ["channel_id"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.create_index("ix_quiz_games_winner_id", "quiz_games", ["winner_id", "guild_id"])

    op.create_table(
        "quiz_answers",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("game_id", sa.BigInteger(), sa.ForeignKey("quiz_games.id"), nullable=False),
        sa.Column("question_number", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("record_slug", sa.String(length=200), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("response_ms", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "game_id", "question_number", "user_id", name="uq_quiz_answers_question_user"
        ),
    )
    op.create_index("ix_quiz_answers_user_answered", "quiz_answers", ["user_id", "answered_at"])

    # The aggregates: clustered on their keys on SQLite (WITHOUT ROWID); on PostgreSQL the
    # daily key INCLUDEs the sums, so a guild's board is an index-only scan.
    op.create_table(
        "quiz_score_days",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "kind", "day", "user_id", postgresql_include=SUMS),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_quiz_score_days_kind_day", "quiz_score_days", ["kind", "day", "user_id", *SUMS]
    )

    op.create_table(
        "quiz_player_totals",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_quiz_player_totals_ranking",
        "quiz_player_totals",
        ["kind", "points", "correct", "user_id"],
    )

    op.create_table(
        "quiz_player_counts",
        sa.Column("kind", sa.String(length=30), primary_key=True),
        sa.Column("players", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "quiz_recent_totals",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "kind", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_quiz_recent_totals_ranking",
        "quiz_recent_totals",
        ["period", "kind", "points", "correct", "user_id"],
    )
    op.create_table(
        "quiz_recent_windows",
        sa.Column("period", sa.String(length=10), primary_key=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "quiz_guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, primary_key=True),
        sa.Column("default_rounds", sa.Integer(), nullable=False),
        sa.Column("seconds_per_question", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("allowed_channel_ids", sa.JSON(), nullable=False),
        sa.Column("reveal_answers", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quiz_guild_settings")
    op.drop_table("quiz_recent_windows")
    op.drop_table("quiz_recent_totals")
    op.drop_table("quiz_player_counts")
    op.drop_table("quiz_player_totals")
    op.drop_table("quiz_score_days")
    op.drop_table("quiz_answers")
    op.drop_table("quiz_games")
