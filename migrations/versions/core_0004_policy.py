"""core: policy sets kept in the database, as versions (POLICY.md section 0)

Revision ID: core_0004_policy
Revises: core_0004_eligibility
Create Date: 2026-12-07 00:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0004_policy'
down_revision = 'core_0004_eligibility'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'policy_sets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('label_zh', sa.Text(), nullable=False),
        sa.Column('label_en', sa.Text(), nullable=False),
        sa.Column('training', sa.Boolean(), nullable=False),
        sa.Column('city_default', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_sets')),
        sa.UniqueConstraint('name', name=op.f('uq_policy_sets_name')),
    )
    op.create_table(
        'policy_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('set_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=True),
        sa.Column('retired_on', sa.Date(), nullable=True),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('origin', sa.Text(), nullable=False),
        sa.Column('justification', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('activated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_policy_versions_created_by_id_users')),
        sa.ForeignKeyConstraint(['set_id'], ['policy_sets.id'], name=op.f('fk_policy_versions_set_id_policy_sets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
        sa.UniqueConstraint('set_id', 'number', name=op.f('uq_policy_versions_set_id')),
    )
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_versions_set_id'), ['set_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_versions_set_id'))
    op.drop_table('policy_versions')
    op.drop_table('policy_sets')
