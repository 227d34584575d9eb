"""internships: agreements and claims keep the policy set version that decided them

Revision ID: internships_0004_policyver
Revises: internships_0004_claimfacts
Create Date: 2026-12-07 00:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'internships_0004_policyver'
down_revision = 'internships_0004_claimfacts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('internship_agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('entitlement_policy_version', sa.String(length=16), nullable=True))
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_set', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('policy_version', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.drop_column('policy_version')
        batch_op.drop_column('policy_set')
    with op.batch_alter_table('internship_agreements', schema=None) as batch_op:
        batch_op.drop_column('entitlement_policy_version')
        batch_op.drop_column('policy_version')
