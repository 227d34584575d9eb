"""Abuse case (issue 13, finding 4): reaching people of another district or organisation
through a search, a list or an export instead of the record itself. A caseworker of 望花区
gets 404 for a 顺城区 profile; the same rule (``core.profiles.visible_profiles``) must
decide every search, list and export, for every role."""
from __future__ import annotations

import pytest

from marketplace.config import Config
from marketplace.core.models import Application
from marketplace.runtime import Runtime
from tests.security.helpers import claim, login, text_of


@pytest.fixture
def two_districts(db, make):
    """A consenting welder in each of two districts, and one who did not consent but
    applied to organisation A."""
    here = make.profile(name="王望花", district="望花区", skills=("焊接",), desired_jobs="焊工", summary="电焊")
    there = make.profile(name="李顺城", district="顺城区", skills=("焊接",), desired_jobs="焊工", summary="电焊")
    org_a, org_b = make.org(name="甲机械有限公司"), make.org(name="乙物流有限公司")
    hr_a, hr_b = make.user("employer", organisation=org_a), make.user("employer", organisation=org_b)
    posting_a = make.posting(organisation=org_a, created_by=hr_a, district="望花区")
    posting_b = make.posting(organisation=org_b, created_by=hr_b, district="望花区")
    private = make.profile(name="赵私密", district="望花区", skills=("焊接",), desired_jobs="焊工", summary="电焊",
                           published=False)
    db.add(Application(posting_id=posting_a.id, profile_id=private.id, stage="applied", note=""))
    db.flush()
    make.index(here, there, private)
    return dict(here=here, there=there, private=private, hr_a=hr_a, hr_b=hr_b, posting_a=posting_a,
                posting_b=posting_b, cw=make.user("caseworker", district="望花区"),
                cw_there=make.user("caseworker", district="顺城区"), agency=make.user("agency"))


def names(r) -> set[str]:
    return {p.get("name") for p in r.json["items"]}


def test_a_caseworker_searching_another_district_gets_none_of_its_people(client, make, two_districts):
    w = two_districts
    h = make.token(w["cw"])
    r = client.get("/api/v1/search/profiles?district=顺城区", headers=h)
    assert r.status_code == 200 and r.json["items"] == [] and r.json["total"] == 0
    assert "李顺城" not in r.text
    r = client.get("/api/v1/search/profiles?q=焊工", headers=h)
    assert names(r) == {"王望花"} and r.json["total"] == 1
    # the facets count only the caseworker's own district
    assert "顺城区" not in str(r.json.get("facets", {}))
    assert client.get(f"/api/v1/profiles/{w['there'].id}", headers=h).status_code == 404
    # the other district's caseworker: the mirror image
    r = client.get("/api/v1/search/profiles?q=焊工", headers=make.token(w["cw_there"]))
    assert names(r) == {"李顺城"}


def test_the_people_search_pages_are_scoped_the_same_way(app, make, two_districts):
    w = two_districts
    c = app.test_client()
    login(c, w["cw"])
    for url in ("/people?district=顺城区", "/people?q=焊工", "/caseworker?q=李", "/welfare/desk?q=李"):
        r = c.get(url)
        assert r.status_code == 200 and "李顺城" not in r.text, url
    assert "王望花" in c.get("/people?q=焊工").text


def test_lists_and_rankings_of_people_are_scoped(client, make, two_districts):
    w = two_districts
    h = make.token(w["cw"])
    assert "李顺城" not in {p["name"] for p in client.get("/api/v1/profiles?per_page=100", headers=h).json["items"]}
    r = client.get(f"/api/v1/postings/{w['posting_a'].id}/candidates?limit=50", headers=h)
    assert r.status_code == 200 and "李顺城" not in r.text
    r = client.get(f"/api/v1/postings/{w['posting_a'].id}/candidates?district=顺城区", headers=h)
    assert r.status_code == 200 and "李顺城" not in r.text


def test_an_employer_finds_only_consenting_people_and_its_own_applicants(client, make, two_districts):
    w = two_districts
    for who in ("hr_a", "hr_b", "agency"):
        r = client.get("/api/v1/search/profiles?q=焊工", headers=make.token(w[who]))
        assert names(r) == {"王望花", "李顺城"}, who  # both consented to be found; 赵私密 did not
    # 赵私密 applied to A: A's HR may read the application and the profile; B's may not
    assert client.get(f"/api/v1/profiles/{w['private'].id}", headers=make.token(w["hr_a"])).status_code == 200
    assert client.get(f"/api/v1/profiles/{w['private'].id}", headers=make.token(w["hr_b"])).status_code == 404
    r = client.get(f"/api/v1/postings/{w['posting_b'].id}/candidates?limit=50", headers=make.token(w["hr_b"]))
    assert r.status_code == 200 and "赵私密" not in r.text
    assert "赵私密" not in client.get("/api/v1/applications", headers=make.token(w["hr_b"])).text
    # a person searches nobody
    assert client.get("/api/v1/search/profiles?q=焊工", headers=make.token(make.user("person"))).status_code == 403


@pytest.fixture
def broken_search(app, tmp_path):
    """A real embedded index whose file is corrupted on disk: searches fall back to the
    database (a real fault, as in tests/web/test_search_api.py)."""
    good = app.extensions["runtime"]
    rt = Runtime(Config.from_env(ENV="testing", INSTANCE_DIR=str(tmp_path)))
    rt._encoder = good.encoder
    rt.backend.count("posting")
    rt.close()
    (tmp_path / "search.db").write_bytes(b"this is not a database" * 100)
    app.extensions["runtime"] = rt
    yield rt
    app.extensions["runtime"] = good


def test_the_database_fallback_of_the_search_is_scoped_too(client, make, two_districts, broken_search):
    w = two_districts
    r = client.get("/api/v1/search/profiles?district=顺城区", headers=make.token(w["cw"]))
    assert r.status_code == 200 and r.json["items"] == []
    r = client.get("/api/v1/search/profiles?q=焊工", headers=make.token(w["cw"]))
    assert r.json["degraded"] is True and names(r) == {"王望花"}


def test_exports_of_another_district_carry_none_of_its_people(app, db, make, two_districts):
    """The caseworker's claims export and the welfare dashboard's CSV: scoped like the rest."""
    w = two_districts
    org_there = make.org(name="顺城机械有限公司", district="顺城区")
    org_here = make.org(name="望花机械有限公司", district="望花区")
    claim(db, org_there, w["there"], w["hr_a"])
    claim(db, org_here, w["here"], w["hr_a"])
    c = app.test_client()
    login(c, w["cw"])
    mine = c.get("/caseworker/claims/export.csv")
    assert "王望花" in text_of(mine) and "李顺城" not in text_of(mine)
    for url in ("/api/v1/internships/claims/export?format=csv", "/caseworker/claims/export.csv",
                "/api/v1/welfare/dashboard?format=csv", "/welfare/dashboard.csv"):
        r = c.get(url, headers=make.token(w["cw"]) if url.startswith("/api/") else None)
        assert r.status_code == 200, url
        assert "李顺城" not in text_of(r), url  # (the dashboard counts districts: figures, not people)
