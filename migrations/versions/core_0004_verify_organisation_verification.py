"""core: the service's verification of organisations (issue 13, finding 2)

Organisations registered before this revision keep their type and flags and are queued
for re-verification (verification_status 'reverify', one pending request each holding the
facts they have now), so they keep working until a caseworker decides (see
marketplace/core/models/organisation.py).

Revision ID: core_0004_verify
Revises: 0003
Create Date: 2026-12-06 23:55:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = 'core_0004_verify'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_status', sa.String(length=16), nullable=False,
                                      server_default='reverify'))
        batch_op.create_index(batch_op.f('ix_organisations_verification_status'), ['verification_status'],
                              unique=False)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        # existing rows got 'reverify'; new rows are written by the application, which says 'pending'
        batch_op.alter_column('verification_status', server_default=None)

    verifications = op.create_table('organisation_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('requested_org_type', sa.String(length=32), nullable=False),
    sa.Column('requested_internship_base', sa.Boolean(), nullable=False),
    sa.Column('requested_internship_base_since_on', sa.Date(), nullable=True),
    sa.Column('requested_epidemic_supply', sa.Boolean(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('checked', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted', sa.JSON(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organisation_verifications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_verifications_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_organisation_verifications_requested_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_organisation_verifications_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_verifications'))
    )
    with op.batch_alter_table('organisation_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_verifications_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_verifications_status'), ['status'], unique=False)

    # every existing organisation: one pending re-verification request holding the facts it has now
    orgs = sa.table('organisations', sa.column('id', sa.Integer()), sa.column('org_type', sa.String()),
                    sa.column('is_internship_base', sa.Boolean()), sa.column('internship_base_since_on', sa.Date()),
                    sa.column('is_epidemic_supply', sa.Boolean()))
    rows = op.get_bind().execute(sa.select(orgs.c.id, orgs.c.org_type, orgs.c.is_internship_base,
                                           orgs.c.internship_base_since_on, orgs.c.is_epidemic_supply)
                                 .order_by(orgs.c.id)).all()
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if rows:
        op.bulk_insert(verifications, [
            {"organisation_id": r.id, "origin": "reverify", "requested_by_id": None, "requested_at": at,
             "requested_org_type": r.org_type, "requested_internship_base": bool(r.is_internship_base),
             "requested_internship_base_since_on": r.internship_base_since_on,
             "requested_epidemic_supply": bool(r.is_epidemic_supply), "documents": [], "status": "pending",
             "checked": "", "reason": ""} for r in rows])


def downgrade() -> None:
    with op.batch_alter_table('organisation_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_verifications_status'))
        batch_op.drop_index(batch_op.f('ix_organisation_verifications_organisation_id'))
    op.drop_table('organisation_verifications')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_verification_status'))
        batch_op.drop_column('verification_status')
