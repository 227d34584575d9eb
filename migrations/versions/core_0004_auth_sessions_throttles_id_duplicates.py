"""core: server-side web sessions, login throttles by username and by address, forced
password change after an admin's reset, and the caseworkers' queue of duplicate ID numbers
(issue 13, findings 8, 9 and 11). The per-account lock columns go: throttling is by the
typed username (known or not) and the client address, in login_throttles.

Revision ID: core_0004_auth
Revises: core_0004_verify
Create Date: 2026-12-07 00:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0004_auth'
down_revision = 'core_0004_verify'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_web_sessions_key_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_throttles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttles')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_throttles_key_hash'))
    )

    op.create_table('id_number_duplicates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('holder_profile_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['holder_profile_id'], ['profiles.id'],
                            name=op.f('fk_id_number_duplicates_holder_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_id_number_duplicates_profile_id_profiles'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_id_number_duplicates_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_id_number_duplicates'))
    )
    with op.batch_alter_table('id_number_duplicates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_id_number_duplicates_holder_profile_id'), ['holder_profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_number_duplicates_profile_id'), ['profile_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('id_number_duplicates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_id_number_duplicates_profile_id'))
        batch_op.drop_index(batch_op.f('ix_id_number_duplicates_holder_profile_id'))
    op.drop_table('id_number_duplicates')
    op.drop_table('login_throttles')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
    op.drop_table('web_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
