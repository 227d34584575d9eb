"""The caseworkers' queue of ID numbers typed by two people (issue 13, finding 8).

A person who types an ID number that another profile holds is told nothing: the profile is
saved as if the number were new (``profiles._set_id_number``) and a duplicate is queued here
for the caseworkers of that person's district. The caseworker meets the person with the ID
card and decides: the number stays with the profile that held it (the typed number is
cleared), or it moves to the person who typed it (the holder's is cleared). Every decision
is audited with what was checked."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import audit
from marketplace.core.models import IdNumberDuplicate, Profile, User, utcnow
from marketplace.crypto import Cipher, mask_id_number
from marketplace.errors import Conflict, Forbidden, NotFound

RESOLUTIONS = ("kept_holder", "moved_to_profile")


def _require_staff(actor: User) -> None:
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden()


def open_duplicates(session: Session, actor: User):
    """Open duplicates whose typist lives in the caseworker's district (an admin: all), oldest first."""
    _require_staff(actor)
    stmt = (select(IdNumberDuplicate).join(Profile, Profile.id == IdNumberDuplicate.profile_id)
            .where(IdNumberDuplicate.resolution.is_(None)).order_by(IdNumberDuplicate.id))
    if actor.role == "caseworker":
        stmt = stmt.where(Profile.district == actor.district)
    return stmt


def open_for_profile(session: Session, actor: User, profile_id: int) -> list[IdNumberDuplicate]:
    """Open duplicates this profile is part of (as the one who typed the number, or the
    holder), for the caseworker's page of the person; the queue resolves them."""
    _require_staff(actor)
    return list(session.scalars(select(IdNumberDuplicate).where(
        IdNumberDuplicate.resolution.is_(None),
        (IdNumberDuplicate.profile_id == profile_id) | (IdNumberDuplicate.holder_profile_id == profile_id))
        .order_by(IdNumberDuplicate.id)))


def resolve(session: Session, cipher: Cipher, actor: User, duplicate_id: int, resolution: str,
            note: str) -> IdNumberDuplicate:
    _require_staff(actor)
    dup = session.get(IdNumberDuplicate, duplicate_id, with_for_update=True)
    if dup is None or (actor.role == "caseworker" and dup.profile.district != actor.district):
        raise NotFound("重复身份证号记录", "duplicate ID number")
    if dup.resolution is not None:
        raise Conflict("该记录已处理", "this duplicate is already resolved", field="resolution")
    typist, holder = dup.profile, dup.holder
    if resolution == "kept_holder":
        typist.id_number_enc = typist.id_number_hash = None
        audit.record(session, actor, "profile", typist.id, "id_number_cleared", reason=note)
    else:
        number = cipher.decrypt(typist.id_number_enc)
        h = cipher.blind_index(number)
        other = session.scalar(select(Profile.id).where(Profile.id_number_hash == h, Profile.id != holder.id))
        if other is not None:
            raise Conflict("另一份档案已持有该身份证号，请先处理该记录", "another profile now holds this ID number; "
                           "resolve that first", field="resolution")
        holder.id_number_enc = holder.id_number_hash = None
        session.flush()  # the hash is unique: the holder lets go before the typist takes it
        typist.id_number_hash = h
        audit.record(session, actor, "profile", holder.id, "id_number_cleared", reason=note)
        audit.record(session, actor, "profile", typist.id, "id_number_confirmed", reason=note,
                     after={"id_number_masked": mask_id_number(number)})
    dup.resolution, dup.resolved_by_id, dup.resolved_at, dup.note = resolution, actor.id, utcnow(), note
    session.flush()
    audit.record(session, actor, "id_number_duplicate", dup.id, "resolve", after={"resolution": resolution},
                 reason=note)
    return dup


def duplicate_to_dict(dup: IdNumberDuplicate, cipher: Cipher, actor: User) -> dict:
    """What the caseworker needs to call both people in: the typist's profile in full, the
    holder's name only where the holder lives in the caseworker's district too."""
    holder_visible = actor.role == "admin" or dup.holder.district == actor.district
    return {"id": dup.id, "created_at": dup.created_at.isoformat(), "resolution": dup.resolution,
            "profile": {"id": dup.profile.id, "name": dup.profile.name, "district": dup.profile.district,
                        "id_number_masked": mask_id_number(cipher.decrypt(dup.profile.id_number_enc))},
            "holder": {"id": dup.holder.id if holder_visible else None,
                       "name": dup.holder.name if holder_visible else None, "district": dup.holder.district}}
