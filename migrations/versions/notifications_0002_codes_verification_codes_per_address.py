"""notifications: verification codes sent per address (the limit across accounts)

Revision ID: notifications_0002_codes
Revises: notifications_0001_notify
Create Date: 2026-12-07 17:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'notifications_0002_codes'
down_revision = 'notifications_0001_notify'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification_code_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_code_sends'))
    )
    op.create_index(op.f('ix_notification_code_sends_address_hash'), 'notification_code_sends', ['address_hash'],
                    unique=False)
    op.create_index(op.f('ix_notification_code_sends_sent_at'), 'notification_code_sends', ['sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_code_sends_sent_at'), table_name='notification_code_sends')
    op.drop_index(op.f('ix_notification_code_sends_address_hash'), table_name='notification_code_sends')
    op.drop_table('notification_code_sends')
