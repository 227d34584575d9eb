"""internships: a person accepts or declines an agency's introduction (R7 referral squatting)

Existing introductions become 'unanswered': nobody ever asked the person, so none of them
counts for a referral subsidy until the person accepts it (which they still can, until they
approach the posting themselves).

Revision ID: internships_0004_intro
Revises: internships_0003
Create Date: 2026-12-06 23:59:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'internships_0004_intro'
down_revision = 'internships_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer', sa.String(length=16), nullable=False,
                                      server_default=sa.text("'unanswered'")))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
        batch_op.drop_column('answer')
