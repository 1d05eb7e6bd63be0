"""reports of bad questions: the questions results were shown for, members' reports, and
operators' decisions

Self-contained: three new tables, nothing else changed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "asked_questions",
        sa.Column("fingerprint", sa.String(length=16), primary_key=True),
        sa.Column("fact", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("answer", sa.String(length=400), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("first_asked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_asked_questions_fact", "asked_questions", ["fact"])
    op.create_table(
        "question_reports",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=10), nullable=True),
        sa.UniqueConstraint(
            "fingerprint", "guild_id", "reporter_id", name="uq_question_reports_member"
        ),
    )
    op.create_index("ix_question_reports_fingerprint", "question_reports", ["fingerprint"])
    op.create_index("ix_question_reports_guild", "question_reports", ["guild_id", "reported_at"])
    op.create_index("ix_question_reports_reporter", "question_reports", ["reporter_id"])
    op.create_table(
        "question_decisions",
        sa.Column("fingerprint", sa.String(length=16), primary_key=True),
        sa.Column("fact", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_question_decisions_fact", "question_decisions", ["fact"])


def downgrade() -> None:
    op.drop_index("ix_question_decisions_fact", table_name="question_decisions")
    op.drop_table("question_decisions")
    op.drop_index("ix_question_reports_reporter", table_name="question_reports")
    op.drop_index("ix_question_reports_guild", table_name="question_reports")
    op.drop_index("ix_question_reports_fingerprint", table_name="question_reports")
    op.drop_table("question_reports")
    op.drop_index("ix_asked_questions_fact", table_name="asked_questions")
    op.drop_table("asked_questions")
