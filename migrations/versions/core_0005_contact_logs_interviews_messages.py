"""core: contact logs, application interviews and messages

Revision ID: core_0005_contact
Revises: core_0004_policy
Create Date: 2026-12-07 00:35:58.947434
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0005_contact'
down_revision = 'core_0004_policy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('online_link', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=True),
    sa.Column('person_note', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_interviews_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_application_interviews_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_interviews'))
    )
    with op.batch_alter_table('application_interviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_interviews_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_interviews_starts_at'), ['starts_at'], unique=False)

    op.create_table('application_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_messages_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_application_messages_sender_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_messages'))
    )
    with op.batch_alter_table('application_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_messages_application_id'), ['application_id'], unique=False)

    op.create_table('contact_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_contact_logs_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_contact_logs_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_contact_logs_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_contact_logs_viewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_logs'))
    )
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_logs_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_logs_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_logs_viewer_id'), ['viewer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_logs_viewer_id'))
        batch_op.drop_index(batch_op.f('ix_contact_logs_profile_id'))
        batch_op.drop_index(batch_op.f('ix_contact_logs_at'))

    op.drop_table('contact_logs')
    with op.batch_alter_table('application_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_messages_application_id'))

    op.drop_table('application_messages')
    with op.batch_alter_table('application_interviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_interviews_starts_at'))
        batch_op.drop_index(batch_op.f('ix_application_interviews_application_id'))

    op.drop_table('application_interviews')
