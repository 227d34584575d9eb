"""internships: R15 claims are a person's own (the claim names no organisation)

Revision ID: internships_0003
Revises: internships_0002
Create Date: 2026-12-01 22:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'internships_0003'
down_revision = 'internships_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
