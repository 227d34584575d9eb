"""An employer's open job, and a person with a phone on record who applied to it."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

PHONE = "13912345678"


@pytest.fixture
def scene(client, db, make, cipher):
    org = make.org(name="抚顺甲公司")
    hr = make.user("employer", organisation=org, display_name="甲公司人事")
    posting = make.posting(organisation=org, created_by=hr, title="电焊工")
    person = make.user("person")
    profile = make.profile(user=person, name="周敏", published=False, experience="三年焊接", summary="踏实肯干",
                           phone_enc=cipher.encrypt(PHONE))
    h_person, h_hr = make.token(person), make.token(hr)
    r = client.post(f"/api/v1/postings/{posting.id}/applications", json={"note": "我有焊工证"}, headers=h_person)
    assert r.status_code == 201, r.json
    return SimpleNamespace(org=org, hr=hr, posting=posting, person=person, profile=profile, app_id=r.json["id"],
                           h_person=h_person, h_hr=h_hr)
