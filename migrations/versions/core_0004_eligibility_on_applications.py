"""core: the eligibility decision (R1, R8, R14) recorded on an application on its date

Revision ID: core_0004_eligibility
Revises: core_0004_auth
Create Date: 2026-12-07 00:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0004_eligibility'
down_revision = 'core_0004_auth'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: applications made before this was kept have no recorded decision (shown as such)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('eligibility')
