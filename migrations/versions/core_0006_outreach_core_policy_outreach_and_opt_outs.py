"""core: policy outreach and opt-outs

Revision ID: core_0006_outreach
Revises: core_0005_contact
Create Date: 2026-12-07 00:46:22.063567
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0006_outreach'
down_revision = 'core_0005_contact'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outreach_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outreach_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_opt_outs')),
    sa.UniqueConstraint('user_id', name=op.f('uq_outreach_opt_outs_user_id'))
    )
    op.create_table('policy_outreach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=20), nullable=False),
    sa.Column('decision', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('told', sa.Boolean(), nullable=False),
    sa.Column('not_told_because', sa.String(length=20), nullable=False),
    sa.Column('text_zh', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_policy_outreach_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_policy_outreach_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_policy_outreach_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_outreach')),
    sa.UniqueConstraint('rule', 'subject', 'recipient', 'decision', name=op.f('uq_policy_outreach_rule'))
    )
    with op.batch_alter_table('policy_outreach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_outreach_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_outreach_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_outreach_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_outreach_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('policy_outreach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_outreach_user_id'))
        batch_op.drop_index(batch_op.f('ix_policy_outreach_rule'))
        batch_op.drop_index(batch_op.f('ix_policy_outreach_profile_id'))
        batch_op.drop_index(batch_op.f('ix_policy_outreach_district'))

    op.drop_table('policy_outreach')
    op.drop_table('outreach_opt_outs')
