"""What core's contact records hold of a person, for ``privacy``: the log of who opened their
profile or phone, when and why; the interviews and messages of their applications. Answers
``hooks.person_export`` and, on ``hooks.person_deleted``, deletes the messages of the
person's applications (both sides: the thread is about them) and clears the words the person
wrote on interviews and the notes staff wrote when opening their phone (they may name them).
The log's facts (who, when, purpose) stay: they are the staff's accountability."""
from __future__ import annotations

from sqlalchemy import delete, select

from marketplace.core import contact, interviews, messages
from marketplace.core.models import Application, ApplicationInterview, ApplicationMessage, ContactLog, PolicyOutreach


def export_person(session, profile, cipher) -> dict:
    app_ids = list(session.scalars(select(Application.id).where(Application.profile_id == profile.id)))
    ivs = session.scalars(select(ApplicationInterview).where(ApplicationInterview.application_id.in_(app_ids))
                          .order_by(ApplicationInterview.id))
    msgs = session.scalars(select(ApplicationMessage).where(ApplicationMessage.application_id.in_(app_ids))
                           .order_by(ApplicationMessage.id))
    return {"who_saw_my_contact": contact.log_for_person(session, profile),
            "application_interviews": [interviews.interview_to_dict(iv) for iv in ivs],
            "application_messages": [dict(messages.message_to_dict(m), application_id=m.application_id) for m in msgs],
            "policy_outreach": [{"rule": r.rule, "told": r.told, "text_zh": r.text_zh, "text_en": r.text_en,
                                 "at": r.created_at.isoformat()} for r in session.scalars(
                select(PolicyOutreach).where(PolicyOutreach.profile_id == profile.id).order_by(PolicyOutreach.id))]}


def forget_person(session, profile, user, former_name) -> None:
    app_ids = select(Application.id).where(Application.profile_id == profile.id).scalar_subquery()
    session.execute(delete(ApplicationMessage).where(ApplicationMessage.application_id.in_(app_ids)))
    for iv in session.scalars(select(ApplicationInterview).where(ApplicationInterview.application_id.in_(app_ids))):
        iv.person_note = ""
    for log in session.scalars(select(ContactLog).where(ContactLog.profile_id == profile.id)):
        log.note = ""
    session.flush()
