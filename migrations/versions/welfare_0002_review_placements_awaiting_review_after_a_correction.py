"""welfare: a placement awaits review when a correction refuses the R8 decision it rested on

Existing placements await nothing ({}).

Revision ID: welfare_0002_review
Revises: welfare_0001
Create Date: 2026-12-08 00:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'welfare_0002_review'
down_revision = 'welfare_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('welfare_placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('welfare_placements', schema=None) as batch_op:
        batch_op.drop_column('review')
