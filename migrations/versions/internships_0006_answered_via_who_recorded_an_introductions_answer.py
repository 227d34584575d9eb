"""internships: who recorded a person's answer to an introduction, and how it was given

A caseworker may now record the answer a person gave by phone or at the desk (people
without a smartphone, or who cannot read the page). Existing answers were all given by the
person on the site: they become "online", answered by the person's own account.

Revision ID: internships_0006_answered_via
Revises: internships_0005_evidence
Create Date: 2026-12-07 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'internships_0006_answered_via'
down_revision = 'internships_0005_evidence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_via', sa.String(length=16), nullable=False,
                                      server_default=sa.text("''")))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_introductions_answered_by_id_users'), 'users',
                                    ['answered_by_id'], ['id'])
    op.execute("UPDATE introductions SET answered_via = 'online', answered_by_id = "
               "(SELECT profiles.user_id FROM profiles WHERE profiles.id = introductions.profile_id) "
               "WHERE answer <> 'unanswered'")


def downgrade() -> None:
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_introductions_answered_by_id_users'), type_='foreignkey')
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('answered_via')
