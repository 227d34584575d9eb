"""core: postings' hiring conditions (R13: 须在本单位实习 and others) and whether a posting
is aimed at graduates (面向高校毕业生)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hiring_conditions', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('for_graduates', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_column('for_graduates')
        batch_op.drop_column('hiring_conditions')
