"""Eligibility decided once and shown everywhere (issue 14, item 4; docs/eligibility.md).

R1 (internship cohorts), R8 (public-welfare eligibility) and R14 (target groups) give the
same answer, with the same reason, on every path: recommendations, search results, the
apply button, the application (API and page), the employer's candidate list, the hire and
the agreement. The business date is pinned to 2024: a 2021 college graduate left school on
2021-07-01 and is outside the set's "within 2 years of leaving school" cohort; a 2023
graduate is inside it until 2025-07-01; a 2022 graduate drops out of it on 2024-07-02.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from marketplace.core.models import Application
from marketplace.welfare import hard_to_employ

NOT_ELIGIBLE_INTERN = "不符合见习补贴条件"


@pytest.fixture
def day(app):
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)

    def set_day(d: str):
        extra["TODAY"] = d

    set_day("2024-03-01")
    yield set_day
    extra.clear()
    extra.update(saved)


@pytest.fixture
def w(make, day):
    """An internship base with an internship post and a job, a 2021 graduate (not eligible),
    a 2023 graduate (eligible) and a 2022 graduate (eligible until 2024-07-01)."""
    class W:
        pass
    x = W()
    x.org = make.org(internship_base=True)
    x.hr = make.user("employer", organisation=x.org)
    x.intern = make.posting(organisation=x.org, created_by=x.hr, kind="internship", title="会计见习生",
                            education_min=4, skills=["记账"], description="协助会计整理凭证和账簿。")
    x.job = make.posting(organisation=x.org, created_by=x.hr, kind="job", title="出纳", education_min=3,
                         skills=["记账"], description="负责现金收付和银行对账。")
    x.old_user, x.new_user, x.mid_user = make.user("person"), make.user("person"), make.user("person")
    x.old = make.profile(user=x.old_user, name="老毕业生", education=5, graduation_year=2021, skills=["记账"],
                         desired_jobs="会计")
    x.new = make.profile(user=x.new_user, name="新毕业生", education=5, graduation_year=2023, skills=["记账"],
                         desired_jobs="会计")
    x.mid = make.profile(user=x.mid_user, name="将满两年", education=5, graduation_year=2022, skills=["记账"],
                         desired_jobs="会计")
    return x


def _apply(client, make, user, posting):
    return client.post(f"/api/v1/postings/{posting.id}/applications", json={"note": ""}, headers=make.token(user))


def _applications(db, posting) -> int:
    return db.scalar(select(func.count()).select_from(Application).where(Application.posting_id == posting.id))


# --- recommendations -------------------------------------------------------------------

def test_recommendations_show_the_internship_refused_with_r1s_reason_not_silently_hidden(client, make, w):
    r = client.get(f"/api/v1/profiles/{w.old.id}/recommendations", headers=make.token(w.old_user))
    assert r.status_code == 200, r.json
    items = {i["posting"]["title"]: i for i in r.json["items"]}
    assert items["出纳"]["eligible"] is True and items["出纳"]["eligibility"]["allowed"] is True
    refused = items["会计见习生"]
    assert refused["eligible"] is False and refused["rank"] > items["出纳"]["rank"]  # ranked ones first
    assert refused["eligibility"]["refused_by"] == ["R1"]
    assert refused["eligibility"]["label"]["zh"] == NOT_ELIGIBLE_INTERN
    assert "R1" in refused["eligibility"]["reason"]["zh"] and "R1" in refused["eligibility"]["reason"]["en"]
    assert refused["eligibility"]["alternatives"] == ["job"]
    mine = client.get(f"/api/v1/profiles/{w.new.id}/recommendations", headers=make.token(w.new_user)).json
    assert next(i for i in mine["items"] if i["posting"]["title"] == "会计见习生")["eligible"] is True


def test_the_recommendations_page_says_why_the_internship_is_not_for_you(client, make, w):
    client.post("/login", data={"username": w.old_user.username, "password": "secret-pass-1"})
    html = client.get("/me/recommendations").get_data(as_text=True)
    assert 'data-test="ineligible"' in html and NOT_ELIGIBLE_INTERN in html and "R1" in html


# --- search ----------------------------------------------------------------------------

def test_search_results_carry_the_same_decision_for_the_person_searching(client, make, w):
    make.index(w.intern, w.job)
    r = client.get("/api/v1/search/postings?q=会计", headers=make.token(w.old_user))
    assert r.status_code == 200, r.json
    card = next(i for i in r.json["items"] if i["id"] == w.intern.id)
    assert card["eligibility"]["allowed"] is False and card["eligibility"]["refused_by"] == ["R1"]
    assert "R1" in card["eligibility"]["reason"]["zh"]
    ok = client.get("/api/v1/search/postings?q=会计", headers=make.token(w.new_user)).json
    assert next(i for i in ok["items"] if i["id"] == w.intern.id)["eligibility"]["allowed"] is True
    anonymous = client.get("/api/v1/search/postings?q=会计").json
    assert all("eligibility" not in i for i in anonymous["items"])  # shown to a signed-in person only
    client.post("/login", data={"username": w.old_user.username, "password": "secret-pass-1"})
    html = client.get("/postings?q=会计").get_data(as_text=True)
    assert f'data-posting="{w.intern.id}"' in html and NOT_ELIGIBLE_INTERN in html


# --- the apply button and the application ------------------------------------------------

def test_the_apply_button_is_replaced_by_the_reason_and_what_to_apply_for_instead(client, make, w):
    client.post("/login", data={"username": w.old_user.username, "password": "secret-pass-1"})
    html = client.get(f"/postings/{w.intern.id}").get_data(as_text=True)
    assert 'data-test="apply"' not in html and 'data-test="ineligible"' in html
    assert "R1" in html and NOT_ELIGIBLE_INTERN in html and 'data-test="alternative"' in html and "kind=job" in html
    assert 'data-test="apply"' in client.get(f"/postings/{w.job.id}").get_data(as_text=True)
    client.post("/logout")
    client.post("/login", data={"username": w.new_user.username, "password": "secret-pass-1"})
    assert 'data-test="apply"' in client.get(f"/postings/{w.intern.id}").get_data(as_text=True)


def test_applying_is_refused_with_the_rule_its_reason_and_the_alternatives(client, db, make, w):
    r = _apply(client, make, w.old_user, w.intern)
    assert r.status_code == 422, r.json
    err = r.json["error"]
    assert err["code"] == "not_eligible" and err["field"] == "posting"
    assert err["message"]["zh"].startswith("R1") and "您可以申请：普通岗位" in err["message"]["zh"]
    assert "R1" in err["message"]["en"] and "jobs" in err["message"]["en"]
    assert {d["code"] for d in err["details"]} == {"R1", "alternatives"}
    assert _applications(db, w.intern) == 0  # nothing saved
    # the page says the same and saves nothing
    client.post("/login", data={"username": w.old_user.username, "password": "secret-pass-1"})
    page = client.post(f"/postings/{w.intern.id}/apply", data={"note": ""}, follow_redirects=True)
    assert "R1" in page.get_data(as_text=True) and _applications(db, w.intern) == 0
    # an eligible graduate applies; the decision of that day is kept on the application
    r = _apply(client, make, w.new_user, w.intern)
    assert r.status_code == 201, r.json
    kept = r.json["eligibility"]["on_application"]
    assert kept["allowed"] is True and kept["on"] == "2024-03-01" and kept["rules"] == ["R1"]
    assert kept["policy_set"]


def test_an_employer_cannot_invite_someone_who_could_not_apply(client, make, w):
    r = client.post(f"/api/v1/postings/{w.intern.id}/invitations", json={"profile_id": w.old.id},
                    headers=make.token(w.hr))
    assert r.status_code == 422 and r.json["error"]["field"] == "profile" and "R1" in r.json["error"]["message"]["zh"]


def test_r8_public_welfare_post_needs_the_hard_to_employ_status_at_every_step(client, db, make, w):
    post = make.posting(organisation=w.org, created_by=w.hr, kind="public_welfare", title="保洁公益岗",
                        skills=["保洁"], description="负责社区公共区域保洁。")
    r = _apply(client, make, w.new_user, post)
    assert r.status_code == 422 and r.json["error"]["details"][0]["code"] == "R8"
    assert "R8" in r.json["error"]["message"]["zh"]
    cw = make.user("caseworker", district="望花区")
    hard_to_employ.grant_hte(db, cw, w.new.id, "registered", note="认定证明 2024-001", today=dt.date(2024, 3, 1))
    r = _apply(client, make, w.new_user, post)
    assert r.status_code == 201, r.json
    assert r.json["eligibility"]["on_application"]["rules"] == ["R8"]


def test_r14_targeted_post_refuses_outside_its_group_on_apply_and_in_search(client, make, w):
    post = make.posting(organisation=w.org, created_by=w.hr, title="残疾人专岗", target_group="disabled",
                        skills=["记账"], description="记账工作。")
    r = _apply(client, make, w.new_user, post)
    assert r.status_code == 422 and r.json["error"]["details"][0]["code"] == "R14"
    make.index(post)
    card = next(i for i in client.get("/api/v1/search/postings?q=记账", headers=make.token(w.new_user)).json["items"]
                if i["id"] == post.id)
    assert card["eligibility"]["refused_by"] == ["R14"]


# --- the employer's side, the hire, the agreement, and a change of date ------------------

def test_date_change_between_application_and_hire_is_shown_to_both_sides_and_the_hire_refused(client, db, make,
                                                                                               w, day):
    day("2024-06-20")
    r = _apply(client, make, w.mid_user, w.intern)
    assert r.status_code == 201 and r.json["eligibility"]["on_application"]["allowed"] is True
    app_id = r.json["id"]
    day("2024-07-10")  # the 2022 graduate left school more than 2 years ago
    # the API, to both sides
    for user in (w.mid_user, w.hr):
        view = client.get(f"/api/v1/applications/{app_id}", headers=make.token(user)).json["eligibility"]
        assert view["changed"] is True and view["on_application"]["allowed"] is True
        assert view["latest"]["allowed"] is False and view["latest"]["on"] == "2024-07-10"
        assert "2024-06-20" in view["change"]["zh"] and "R1" in view["change"]["zh"]
    # the person's applications page and the employer's applicants page
    client.post("/login", data={"username": w.mid_user.username, "password": "secret-pass-1"})
    html = client.get("/me/applications").get_data(as_text=True)
    assert 'data-test="eligibility-change"' in html and "R1" in html
    client.post("/logout")
    client.post("/login", data={"username": w.hr.username, "password": "secret-pass-1"})
    html = client.get(f"/employer/postings/{w.intern.id}").get_data(as_text=True)
    assert 'data-test="eligibility-change"' in html and NOT_ELIGIBLE_INTERN in html
    # the candidate list: the applicant is listed as not eligible, with the reason
    cands = client.get(f"/api/v1/postings/{w.intern.id}/candidates", headers=make.token(w.hr)).json
    assert w.mid.id not in [i["profile"]["id"] for i in cands["items"]]
    listed = next(a for a in cands["ineligible_applicants"] if a["profile"]["id"] == w.mid.id)
    assert listed["eligibility"]["label"]["zh"] == NOT_ELIGIBLE_INTERN and "R1" in listed["eligibility"]["reason"]["zh"]
    html = client.get(f"/employer/postings/{w.intern.id}/candidates").get_data(as_text=True)
    assert 'data-test="ineligible-applicant"' in html and "将满两年" in html and NOT_ELIGIBLE_INTERN in html
    # the hire is refused with the reason and the change, and takes no place
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "hired"}, headers=make.token(w.hr))
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == "stage" and "资格已变化" in r.json["error"]["message"]["zh"]
    assert "R1" in r.json["error"]["message"]["zh"]
    assert db.get(Application, app_id).stage == "applied"


def test_candidate_list_marks_refused_people_with_the_reason(client, make, w):
    r = client.get(f"/api/v1/postings/{w.intern.id}/candidates?include_ineligible=1", headers=make.token(w.hr)).json
    old = next(i for i in r["items"] if i["profile"]["id"] == w.old.id)
    assert old["eligible"] is False and old["eligibility"]["label"]["zh"] == NOT_ELIGIBLE_INTERN
    assert "R1" in old["eligibility"]["reason"]["zh"]
    new = next(i for i in r["items"] if i["profile"]["id"] == w.new.id)
    assert new["eligible"] is True and "eligibility" not in new


def test_hire_of_an_eligible_person_then_the_agreement_is_judged_again_on_its_start(client, db, make, w, day):
    day("2024-06-20")
    app_id = _apply(client, make, w.mid_user, w.intern).json["id"]
    h = make.token(w.hr)
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "hired"}, headers=h)
    assert r.status_code == 200 and r.json["stage"] == "hired"
    assert r.json["eligibility"]["latest"]["on"] == "2024-06-20"  # the hire's own decision, kept
    day("2024-07-03")
    view = client.get(f"/api/v1/applications/{app_id}", headers=h).json["eligibility"]
    assert view["latest"]["on"] == "2024-06-20" and view["changed"] is False  # a hire is not re-judged by the calendar
    # an agreement starting after the cohort lapsed is refused, saying what changed
    r = client.post("/api/v1/internships/agreements", json={"application_id": app_id, "start_on": "2024-07-05"},
                    headers=h)
    assert r.status_code == 422, r.json
    msg = r.json["error"]["message"]["zh"]
    assert "资格已变化" in msg and "2024-06-20" in msg and "2024-07-05" in msg and "R1" in msg
    # one starting while the graduate is still in the cohort is made
    r = client.post("/api/v1/internships/agreements", json={"application_id": app_id, "start_on": "2024-06-24"},
                    headers=h)
    assert r.status_code == 201, r.json
    day("2024-08-01")
    # judged again on the agreement's start, not on today: no change to report
    view = client.get(f"/api/v1/applications/{app_id}", headers=h).json["eligibility"]
    assert view["latest"]["on"] == "2024-06-24" and view["latest"]["allowed"] is True and view["changed"] is False


def test_the_same_refusal_text_on_every_path(client, make, w):
    """The person reads one reason wherever they meet it: recommendations, search, apply."""
    make.index(w.intern)
    rec = next(i for i in client.get(f"/api/v1/profiles/{w.old.id}/recommendations",
                                     headers=make.token(w.old_user)).json["items"] if i["posting"]["id"] == w.intern.id)
    card = next(i for i in client.get("/api/v1/search/postings?q=会计", headers=make.token(w.old_user)).json["items"]
                if i["id"] == w.intern.id)
    err = _apply(client, make, w.old_user, w.intern).json["error"]
    assert rec["eligibility"]["reason"] == card["eligibility"]["reason"]
    assert err["message"]["zh"].startswith(rec["eligibility"]["reason"]["zh"])


def test_an_application_from_before_the_rule_cannot_take_a_place_for_a_2021_graduate(client, db, make, w):
    """The issue's case: a 2021 graduate's application (made before applying was judged, so
    nothing was recorded) is listed as not eligible and cannot be moved to 已入职."""
    legacy = Application(posting_id=w.intern.id, profile_id=w.old.id, stage="offer")
    db.add(legacy)
    db.flush()
    h = make.token(w.hr)
    view = client.get(f"/api/v1/applications/{legacy.id}", headers=h).json["eligibility"]
    assert view["on_application"] is None and view["latest"]["allowed"] is False
    assert view["latest"]["label"]["zh"] == NOT_ELIGIBLE_INTERN
    r = client.post(f"/api/v1/applications/{legacy.id}/stage", json={"stage": "hired"}, headers=h)
    assert r.status_code == 422 and r.json["error"]["message"]["zh"].startswith("R1")
    assert db.get(Application, legacy.id).stage == "offer"
    assert any(a["profile"]["id"] == w.old.id for a in client.get(
        f"/api/v1/postings/{w.intern.id}/candidates", headers=h).json["ineligible_applicants"])


def test_accepting_an_invitation_is_the_application_judged_on_its_date(client, db, make, w, day):
    day("2024-06-20")
    r = client.post(f"/api/v1/postings/{w.intern.id}/invitations", json={"profile_id": w.mid.id},
                    headers=make.token(w.hr))
    assert r.status_code == 201, r.json
    app_id = r.json["id"]
    day("2024-07-10")
    me = make.token(w.mid_user)
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "applied"}, headers=me)
    assert r.status_code == 422 and "R1" in r.json["error"]["message"]["zh"]
    assert db.get(Application, app_id).stage == "invited"
    # the same invitation accepted in time is kept with the decision of that day
    day("2024-06-25")
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "applied"}, headers=me)
    assert r.status_code == 200 and r.json["eligibility"]["on_application"]["on"] == "2024-06-25"
