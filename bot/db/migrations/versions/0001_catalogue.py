"""catalogue: the defectors table

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "defectors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("profession", sa.String(length=200), nullable=True),
        sa.Column("birthplace", sa.String(length=200), nullable=True),
        sa.Column("birth_country", sa.String(length=100), nullable=True),
        sa.Column("origin_country", sa.String(length=100), nullable=True),
        sa.Column("destination_country", sa.String(length=100), nullable=True),
        sa.Column("defected_in", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("method_evidence", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
    )
    op.create_index("ix_defectors_slug", "defectors", ["slug"], unique=True)
    op.create_index("ix_defectors_year", "defectors", ["year"])
    op.create_index("ix_defectors_origin_country", "defectors", ["origin_country"])
    op.create_index("ix_defectors_method", "defectors", ["method"])


def downgrade() -> None:
    op.drop_table("defectors")
