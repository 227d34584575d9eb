"""Issue 15: a caseworker corrects a person's categories with a reason; the person is told and
reads the correction on their profile page; the audit keeps before, after and why."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import AuditEntry
from marketplace.notifications.models import Notification
from tests.core.test_corrections import login


def test_a_caseworker_corrects_categories_with_a_reason_and_the_person_sees_what_changed(client, db, make):
    person = make.user("person")
    profile = make.profile(user=person, categories=("disabled",))
    cw = make.user("caseworker", district="望花区")
    db.commit()
    login(client, cw)
    form = {"name": profile.name, "gender": "男", "birth_on": "", "district": "望花区", "education": "4",
            "skills": "焊接", "published": "1", "category": "graduating_year_graduate",
            "reason": "残疾人证核验不符 毕业证核验属实"}
    r = client.post(f"/caseworker/profiles/{profile.id}", data=form)
    assert r.status_code == 302, r.text
    client.get("/logout")
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.entity == "profile", AuditEntry.entity_id == profile.id,
                                                  AuditEntry.action == "correct")).all()
    assert entry.actor_id == cw.id and entry.reason == "残疾人证核验不符 毕业证核验属实"
    assert entry.before["categories"] == ["disabled"] and entry.after["categories"] == ["graduating_year_graduate"]
    [note] = db.scalars(select(Notification).where(Notification.user_id == person.id)).all()
    assert note.kind == "profile_corrected" and "人员类别" in note.text_zh and "毕业证核验属实" in note.text_zh
    login(client, person)
    page = client.get("/me/profile")
    assert 'data-test="correction"' in page.text and "毕业证核验属实" in page.text


def test_a_caseworker_of_another_district_cannot_correct_and_nothing_is_told(client, db, make):
    person = make.user("person")
    profile = make.profile(user=person, categories=("disabled",))
    far = make.user("caseworker", district="新抚区")
    db.commit()
    login(client, far)
    form = {"name": profile.name, "gender": "男", "birth_on": "", "district": "望花区", "education": "4",
            "skills": "焊接", "published": "1", "reason": "改"}
    assert client.post(f"/caseworker/profiles/{profile.id}", data=form).status_code == 404
    assert not db.scalars(select(Notification).where(Notification.user_id == person.id)).all()
