"""Abuse case (issue 13, finding 1): rebuilding a person's ID number from what a viewer is
shown. An ID number is region (6) + birth date (8) + serial and check (4); the old mask
``210404********5533`` hid exactly the birth date, and the birth date was shown beside it.

Here a person in 望花区 applies to organisation A, and every answer about them that a
caseworker of the district, an admin, organisation A's HR (an applicant's employer),
another employer and an agency can get (API and pages) is read. For each viewer, across
ALL those answers together (which covers any two of them), the three parts never appear
together; in fact the region and the birth date never appear at all, and the mask never
shows more than the last four."""
from __future__ import annotations

import itertools
import re

import pytest

from marketplace.core.models import Profile
from marketplace.idcodes import id_number_check_char
from tests.security.helpers import claim, login, text_of

REGION, BIRTH = "210404", "19980501"
ID = REGION + BIRTH + "553" + id_number_check_char(REGION + BIRTH + "553")
LAST4 = ID[-4:]
BIRTH_FORMS = ("1998-05-01", "19980501", "1998/05/01", "1998/5/1", "1998年5月1日", "1998年05月01日", "1998.05.01")
# a masked ID as any page or answer writes it: stars, then what is left visible
MASKED = re.compile(r"\*{4,}([0-9Xx]*)")


def reveals(text: str) -> set[str]:
    """Which parts of the ID number ``text`` gives away."""
    found = set()
    if re.search(r"(?<!\d)" + REGION, text):
        found.add("region")
    if any(form in text for form in BIRTH_FORMS):
        found.add("birth")
    if LAST4 in text:
        found.add("last4")
    if ID in text:
        found.add("full")
    return found


@pytest.fixture
def person_world(app, client, db, make):
    org_a, org_b = make.org(name="甲机械有限公司"), make.org(name="乙物流有限公司")
    hr_a, hr_b = make.user("employer", organisation=org_a), make.user("employer", organisation=org_b)
    posting = make.posting(organisation=org_a, created_by=hr_a)
    person = make.user("person")
    h = make.token(person)
    body = {"name": "周敏", "gender": "男", "birth_on": "1998-05-01", "id_number": ID, "phone": "13912345678",
            "hukou_place": "辽宁省抚顺市望花区", "district": "望花区", "education": 4, "skills": ["焊接"],
            "desired_jobs": "焊工", "summary": "五年电焊经验", "published": True,
            "categories": [{"category": "registered_unemployed", "since_on": "2020-01-01"}]}
    r = client.put("/api/v1/profiles/me", headers=h, json=body)
    assert r.status_code == 200, r.json
    profile_id = r.json["id"]
    r = client.post(f"/api/v1/postings/{posting.id}/applications", headers=h, json={"note": "你好"})
    assert r.status_code == 201, r.json
    profile = db.get(Profile, profile_id)
    make.index(profile)
    claim(db, org_a, profile, hr_a)  # so the claims list and the finance office's export carry her too
    viewers = {"caseworker": make.user("caseworker", district="望花区"), "admin": make.user("admin"),
               "hr_applied_to": hr_a, "hr_other": hr_b, "agency": make.user("agency")}
    return dict(profile_id=profile_id, app_id=r.json["id"], posting_id=posting.id, person=person,
                viewers=viewers, token=h)


def answers_for(app, make, viewer, w) -> dict[str, str]:
    """Every answer about the person that ``viewer`` can ask for, as text, by URL."""
    pid, aid, post = w["profile_id"], w["app_id"], w["posting_id"]
    api = [f"/api/v1/profiles/{pid}", "/api/v1/profiles", "/api/v1/profiles?q=周敏", "/api/v1/search/profiles?q=焊工",
           "/api/v1/search/profiles?district=望花区", "/api/v1/applications", f"/api/v1/applications/{aid}",
           f"/api/v1/postings/{post}/applications", f"/api/v1/postings/{post}/candidates",
           f"/api/v1/profiles/{pid}/recommendations", "/api/v1/introductions", "/api/v1/internships/claims",
           "/api/v1/internships/claims/export?format=csv"]
    pages = ["/caseworker", "/caseworker?q=周敏", f"/caseworker/people/{pid}", "/people?q=焊工", "/people",
             "/welfare/desk?q=周敏", f"/employer/postings/{post}",
             f"/employer/postings/{post}/candidates", "/caseworker/claims", "/caseworker/claims/export.csv",
             "/employer/claims"]
    out = {}
    h = make.token(viewer)
    api_client = app.test_client()
    for url in api:
        out[url] = text_of(api_client.get(url, headers=h))
    page_client = app.test_client()
    login(page_client, viewer)
    for url in pages:
        out[url] = text_of(page_client.get(url))
    return out


@pytest.mark.parametrize("role", ["caseworker", "admin", "hr_applied_to", "hr_other", "agency"])
def test_no_two_answers_rebuild_the_id_number(app, make, person_world, role):
    answers = answers_for(app, make, person_world["viewers"][role], person_world)
    # the viewer does see the person somewhere (else this test would prove nothing)
    assert any("周敏" in text for text in answers.values())
    for (u1, t1), (u2, t2) in itertools.combinations(answers.items(), 2):
        together = reveals(t1) | reveals(t2)
        assert not {"region", "birth", "last4"} <= together, (u1, u2, together)
    everything = "\n".join(answers.values())
    assert "full" not in reveals(everything)
    # stronger than the pairs: the region and the birth date are never shown to anyone else
    assert not {"region", "birth"} & reveals(everything), reveals(everything)
    for visible in MASKED.findall(everything):
        assert len(visible) <= 4, visible
    if role in ("caseworker", "admin"):  # the finance office's list does carry the mask
        assert "*" * 14 + LAST4 in answers["/api/v1/internships/claims/export?format=csv"]


def test_staff_see_age_and_a_mask_of_the_last_four_only(app, client, make, person_world):
    w = person_world
    for role in ("caseworker", "admin"):
        r = client.get(f"/api/v1/profiles/{w['profile_id']}", headers=make.token(w["viewers"][role]))
        assert r.status_code == 200
        assert r.json["id_number_masked"] == "*" * 14 + LAST4
        assert r.json["birth_on"] is None and isinstance(r.json["age"], int)
    r = client.get(f"/api/v1/profiles/{w['profile_id']}", headers=make.token(w["viewers"]["hr_applied_to"]))
    assert "id_number_masked" not in r.json and r.json["birth_on"] is None


def test_the_person_still_sees_their_own_data(client, person_world):
    me = client.get("/api/v1/profiles/me", headers=person_world["token"]).json
    assert me["birth_on"] == "1998-05-01" and me["id_number_masked"].endswith(LAST4)
    data = client.get("/api/v1/me/data", headers=person_world["token"]).json
    assert data["profile"]["id_number"] == ID and data["profile"]["birth_on"] == "1998-05-01"


def test_a_caseworker_corrects_a_profile_without_seeing_the_birth_date(app, db, make, person_world):
    """The correction form shows the age; a blank birth date keeps the one on file."""
    w = person_world
    cw = w["viewers"]["caseworker"]
    c = app.test_client()
    login(c, cw)
    page = c.get(f"/caseworker/people/{w['profile_id']}").text
    assert not {"birth", "region"} & reveals(page)
    form = {"name": "周敏", "gender": "男", "birth_on": "", "district": "望花区", "education": "4",
            "hukou_place": "辽宁省抚顺市望花区", "skills": "焊接", "desired_jobs": "焊工", "summary": "七年电焊经验",
            "published": "1", "category": "registered_unemployed", "unemployed_since": "2020-01-01"}
    r = c.post(f"/caseworker/profiles/{w['profile_id']}", data=form)
    assert r.status_code == 302, r.text
    db.expire_all()
    p = db.get(Profile, w["profile_id"])
    assert p.summary == "七年电焊经验" and p.birth_on.isoformat() == "1998-05-01"
