"""The authorisation matrix, written out by hand: for every API endpoint, what each of nine
principals gets when the record named in the URL belongs to organisation A, district X
(望花区) and person A.

tests/web/test_authorisation.py derives its expectations from each endpoint's declared roles,
so a wrongly declared role list passes there. Here every row was written after reading the
view and its service, and the world has two of everything that is scoped (two employers'
HR, two districts' caseworkers), so a check that forgets the organisation or the district
fails. A new endpoint without a row, or a row whose endpoint is gone, fails
``test_every_endpoint_has_a_row``.

The principals, in the columns of MATRIX: anon (no token), pers (person A), hr_a / hr_b (employer
HR of organisation A / B), agcy (an HR agency's staff: its own organisation, like an employer's),
cw_x / cw_y (caseworkers of 望花区 / 新抚区), orgr (the fair's organiser), admn (an admin).

Outcomes:

* ``o`` ok: authorised; any status but 401/403/404 (a 409/422 from a business rule is fine).
  Where the row names a listed record, the response is 200 and lists it.
* ``d`` deny: 401 without a token, 403 with one.
* ``h`` hide: 404; the record is another organisation's, district's or person's, and its
  existence is not revealed.
* ``e`` empty: 200, but the row's record (organisation A's, district X's, person A's) is not
  in the list.
* ``r`` refuse: 409 or 422; allowed to call, but the service refuses what the body names
  because it belongs to someone else (e.g. bringing another organisation's posting to a booth).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

import marketplace.app  # noqa: F401  (registers every area's routes)
from marketplace import clock
from marketplace.core.models import (
    Application,
    ApplicationEvent,
    ApplicationInterview,
    IdNumberDuplicate,
    OrganisationVerification,
    ProfileCategory,
    SavedSearch,
    utcnow,
)
from marketplace.fairs.models import Booth, Fair, FairRegistration, Interview
from marketplace.idcodes import credit_code_check_char
from marketplace.internships import agreements as internships
from marketplace.internships import claims as internship_claims
from marketplace.internships import evidence
from marketplace.internships.models import (
    ClaimEvidence,
    InternshipInterruption,
    Introduction,
    Overpayment,
    SubsidyClaim,
)
from marketplace.notifications.models import Notification
from marketplace.policy import add_months
from marketplace.web.apispec import ROUTES
from marketplace.welfare import hard_to_employ, registrations
from marketplace.welfare.models import FollowUp, Placement, Referral

PRINCIPALS = ("anon", "person", "hr_a", "hr_b", "agency", "cw_x", "cw_y", "organiser", "admin")
OUTCOMES = {"o": "ok", "d": "deny", "h": "hide", "e": "empty", "r": "refuse"}
TODAY = clock.today()
INTERNSHIPS_TODAY = dt.date(2020, 6, 1)  # the internships API judges 2020 rules on a pinned 2020 business date

# What a URL parameter names unless the row says otherwise (attributes of the world below).
DEFAULT_IDS = {"posting_id": "posting_a", "profile_id": "prof_a", "application_id": "app_a", "user_id": "person",
               "fair_id": "fair", "booth_id": "booth_a", "interview_id": "iv_a", "agreement_id": "ag_a",
               "interruption_id": "it_a",
               "claim_id": "claim_a", "notification_id": "note_a", "registration_id": "reg_a",
               "status_id": "hte_a", "referral_id": "ref_a", "placement_id": "pl_a", "follow_up_id": "fu_a",
               "introduction_id": "intro_a", "organisation_id": "org_p", "duplicate_id": "dup_a",
               "evidence_id": "ev_a"}


def row(codes: str, body=None, bodies=None, ids=None, lists=None) -> dict:
    """One endpoint's row: ``codes`` gives the outcome for each of PRINCIPALS in order.

    body: ``lambda w: {...}``, a valid request body (so the ownership check is what decides,
    not validation); bodies: per-principal bodies where the same action differs by who acts;
    ids: URL parameters naming other records than DEFAULT_IDS; lists: ``(record, key, field)``
    for list endpoints, the record whose id "ok" must list and "empty" must not (key "csv":
    the first column of a CSV download)."""
    parts = codes.split()
    assert len(parts) == len(PRINCIPALS) and set(parts) <= set(OUTCOMES), codes
    return {"expect": {p: OUTCOMES[c] for p, c in zip(PRINCIPALS, parts)}, "body": body, "bodies": bodies or {},
            "ids": ids or {}, "lists": lists}


def _credit_code(n: int) -> str:
    body = f"9121040{n:010d}"
    return body + credit_code_check_char(body)


PROFILE_BODY = {"name": "张三", "gender": "男", "birth_on": "1998-05-01", "district": "望花区", "education": 4,
                "skills": ["焊接"]}
POSTING_BODY = {"kind": "job", "title": "电焊工", "description": "负责钢结构焊接，按图纸施工。", "district": "望花区",
                "skills": ["焊接"], "headcount": 2}
CALCULATOR_CASE = {"policy_set": "fushun-2020", "start": "2020-03-01", "period_months": 6, "monthly_rate": "1500.00",
                   "interruptions": [], "outcome": {"kind": "finished"}}
FUND = "employment_subsidy_fund"

MATRIX: dict[str, dict] = {
    # -------------------- accounts
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "GET /health":                                      row("o    o    o    o    o    o    o    o    o"),
    "POST /auth/register/person":                       row("o    o    o    o    o    o    o    o    o",
        body=lambda w: {"username": "newperson", "password": "secret-pass-9", "display_name": "新用户"}),
    "POST /auth/register/employer":                     row("o    o    o    o    o    o    o    o    o",
        body=lambda w: {"username": "newhr", "password": "secret-pass-9", "display_name": "新单位人事", "organisation": {
            "name": "抚顺新成立有限公司", "org_type": "enterprise", "district": "顺城区",
            "credit_code": _credit_code(9_000_000_001)}}),
    "POST /auth/token":                                 row("o    o    o    o    o    o    o    o    o",
        body=lambda w: {"username": w.person.username, "password": "secret-pass-1"}),
    "DELETE /auth/token":                               row("d    o    o    o    o    o    o    o    o"),
    "POST /auth/password":                              row("d    o    o    o    o    o    o    o    o",
        body=lambda w: {"old_password": "secret-pass-1", "new_password": "secret-pass-2"}),
    "POST /auth/logout-everywhere":                     row("d    o    o    o    o    o    o    o    o"),
    "GET /me":                                          row("d    o    o    o    o    o    o    o    o"),
    "POST /organisations/me/staff":                     row("d    d    o    o    o    d    d    d    d",
        body=lambda w: {"username": "newstaff", "password": "secret-pass-9", "display_name": "新人事"}),
    "GET /admin/users":                                 row("d    d    d    d    d    d    d    d    o",
        lists=("person",)),
    # verification of organisations: each organisation's staff ask for their own; the caseworker of the
    # organisation's district (望花区: org_p, registered and awaiting verification) and admins decide
    "GET /organisations/me/verification":               row("d    d    o    o    o    d    d    d    d"),
    "POST /organisations/me/verification":              row("d    d    o    o    o    d    d    d    d",
        body=lambda w: {"org_type": "enterprise"}),
    "GET /organisations/verifications":                 row("d    d    d    d    d    o    e    d    o",
        lists=("vr_p",)),
    "GET /organisations/<int:organisation_id>/verification":
                                                        row("d    d    d    d    d    o    h    d    o"),
    "POST /organisations/<int:organisation_id>/verification/verify":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"checked": "营业执照原件"}),
    "POST /organisations/<int:organisation_id>/verification/refuse":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"reason": "材料不全"}),
    # organisation A is verified: its district's caseworker and admins may withdraw it
    "POST /organisations/<int:organisation_id>/verification/revoke":
                                                        row("d    d    d    d    d    o    h    d    o",
        ids={"organisation_id": "org_a"}, body=lambda w: {"reason": "认定文件系伪造"}),
    "POST /admin/users":                                row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"username": "newcw", "password": "secret-pass-9", "display_name": "新经办", "role": "caseworker",
                        "district": "望花区"}),
    "PATCH /admin/users/<int:user_id>":                 row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"display_name": "改名"}),
    "POST /admin/users/<int:user_id>/password":         row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"password": "temporary-9"}),
    "POST /admin/users/<int:user_id>/sign-out":         row("d    d    d    d    d    d    d    d    o"),
    "GET /me/data":                                     row("d    o    d    d    d    d    d    d    d"),
    "POST /me/delete":                                  row("d    o    d    d    d    d    d    d    d",
        body=lambda w: {"password": "secret-pass-1"}),
    "GET /notifications":                               row("d    o    e    e    e    e    e    e    e",
        lists=("note_a",)),
    "POST /notifications/<int:notification_id>/read":   row("d    o    h    h    h    h    h    h    h"),
    "POST /notifications/read-all":                     row("d    o    o    o    o    o    o    o    o"),
    "GET /notifications/settings":                      row("d    o    o    o    o    o    o    o    o"),
    "PUT /notifications/settings":                      row("d    o    o    o    o    o    o    o    o",
        body=lambda w: {"sms": False, "email": False}),
    "POST /notifications/contacts":                     row("d    o    o    o    o    o    o    o    o",
        body=lambda w: {"channel": "email", "address": "someone@example.com"}),
    "POST /notifications/contacts/confirm":             row("d    o    o    o    o    o    o    o    o",
        body=lambda w: {"channel": "email", "code": "000000"}),
    # saved searches are a job seeker's own
    "GET /saved-searches":                              row("d    o    d    d    d    d    d    d    d",
        lists=("saved_a",)),
    "POST /saved-searches":                             row("d    o    d    d    d    d    d    d    d",
        body=lambda w: {"q": "保洁"}),
    "DELETE /saved-searches/<int:saved_id>":            row("d    o    d    d    d    d    d    d    d",
        ids={"saved_id": "saved_a"}),

    # -------------------- profiles (person A's: 望花区, not published, applied to organisation A's job)
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "GET /profiles/me":                                 row("d    o    d    d    d    d    d    d    d"),
    "PUT /profiles/me":                                 row("d    o    d    d    d    d    d    d    d",
        body=lambda w: PROFILE_BODY),
    "GET /profiles":                                    row("d    d    d    d    d    o    e    d    o",
        lists=("prof_a",)),
    # a desk registration in 望花区: the 新抚区 caseworker may not register people outside their district (403)
    "POST /profiles":                                   row("d    d    d    d    d    o    d    d    o",
        body=lambda w: dict(PROFILE_BODY, name="李四")),
    "GET /profiles/<int:profile_id>":                   row("d    o    o    h    h    o    h    h    o"),
    "PUT /profiles/<int:profile_id>":                   row("d    d    d    d    d    o    h    d    o",
        body=lambda w: PROFILE_BODY),
    "POST /profiles/<int:profile_id>/categories/<category>/confirm":
                                                        row("d    d    d    d    d    o    h    d    o"),
    "GET /profiles/<int:profile_id>/recommendations":   row("d    o    d    d    d    o    h    d    o"),
    # person A typed an ID number that another profile holds: the queue of 望花区's caseworkers
    "GET /caseworker/id-duplicates":                    row("d    d    d    d    d    o    e    d    o",
        lists=("dup_a",)),
    "POST /caseworker/id-duplicates/<int:duplicate_id>/resolve":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"resolution": "kept_holder", "note": "看过身份证原件"}),

    # -------------------- postings and applications (organisation A's)
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "GET /postings":                                    row("o    o    o    o    o    o    o    o    o",
        lists=("posting_a",)),
    "POST /postings":                                   row("d    d    o    o    o    d    d    d    d",
        body=lambda w: POSTING_BODY),
    "GET /postings/mine":                               row("d    d    o    e    e    d    d    d    d",
        lists=("posting_a",)),
    # a draft: its organisation's staff, caseworkers and admins see it; nobody else learns it exists
    "GET /postings/<int:posting_id>":                   row("h    h    o    h    h    o    o    h    o",
        ids={"posting_id": "draft_a"}),
    "PUT /postings/<int:posting_id>":                   row("d    d    o    h    h    d    d    d    d",
        body=lambda w: POSTING_BODY),
    "POST /postings/<int:posting_id>/publish":          row("d    d    o    h    h    d    d    d    d",
        ids={"posting_id": "draft_a"}),
    "POST /postings/<int:posting_id>/reopen":           row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"close_on": None, "reason": "延长招聘"}),
    "POST /postings/<int:posting_id>/close":            row("d    d    o    h    h    d    d    d    d"),
    "POST /postings/<int:posting_id>/applications":     row("d    o    d    d    d    d    d    d    d",
        ids={"posting_id": "intern_a"}, body=lambda w: {"note": "我想申请"}),
    "GET /postings/<int:posting_id>/applications":      row("d    d    o    h    h    d    d    d    d",
        lists=("app_a",)),
    "GET /postings/<int:posting_id>/candidates":        row("d    d    o    h    h    o    e    d    o",
        lists=("prof_a", "items", "profile.id")),
    # the intern applied to organisation A, so A's HR may see and invite them
    "POST /postings/<int:posting_id>/invitations":      row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"profile_id": w.prof_i.id, "note": "欢迎应聘"}),
    "GET /applications":                                row("d    o    o    e    e    o    e    d    o",
        lists=("app_a",)),
    "GET /applications/<int:application_id>":           row("d    o    o    h    h    o    h    d    o"),
    # the employer moves it forward; the person may only withdraw
    "POST /applications/<int:application_id>/stage":    row("d    o    o    h    h    d    d    d    d",
        body=lambda w: {"stage": "screening"}, bodies={"person": lambda w: {"stage": "withdrawn"}}),
    # contact (issue 15.2): A's staff open their applicant's profile and phone through the application; the
    # caseworker of the person's district reveals a phone for a purpose; interviews and messages are the two sides'
    "GET /applications/<int:application_id>/applicant": row("d    d    o    h    h    d    d    d    d"),
    "POST /profiles/<int:profile_id>/phone":            row("d    d    d    d    d    o    h    d    d",
        body=lambda w: {"purpose": "follow_up"}),
    "GET /applications/<int:application_id>/interviews":
                                                        row("d    o    o    h    h    d    d    d    d"),
    "POST /applications/<int:application_id>/interviews":
                                                        row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"options": [w.aiv_a.options[0]], "place": "甲公司三楼会议室"}),
    "POST /applications/<int:application_id>/interviews/<int:interview_id>/answer":
                                                        row("d    o    d    d    d    d    d    d    d",
        ids={"interview_id": "aiv_a"}, body=lambda w: {"answer": "reschedule", "note": "想换个时间"}),
    "GET /applications/<int:application_id>/interviews/<int:interview_id>.ics":
                                                        row("d    o    o    h    h    d    d    d    d",
        ids={"interview_id": "aiv_a"}),
    "GET /applications/<int:application_id>/messages":  row("d    o    o    h    h    d    d    d    d"),
    "POST /applications/<int:application_id>/messages": row("d    o    o    h    h    d    d    d    d",
        body=lambda w: {"body": "您好"}),
    # 政策找人: each person and employer's staff choose for themselves; caseworkers list their district's findings
    "GET /me/outreach":                                 row("d    o    o    o    o    d    d    d    d"),
    "POST /me/outreach":                                row("d    o    o    o    o    d    d    d    d",
        body=lambda w: {"opt_out": True}),
    "GET /caseworker/outreach":                         row("d    d    d    d    d    o    o    d    o"),
    # issue 15: the employer undoes its last move, with a reason (nothing to undo on app_a: 409)
    "POST /applications/<int:application_id>/reverse":  row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"reason": "误操作"}),
    "GET /search/postings":                             row("o    o    o    o    o    o    o    o    o"),
    "GET /search/profiles":                             row("d    d    o    o    o    o    o    d    o"),
    "POST /policy/internship-subsidy":                  row("o    o    o    o    o    o    o    o    o",
        body=lambda w: CALCULATOR_CASE),
    # policy sets (the seeded fushun-2020, version 1): anyone signed in reads; only the admin changes
    # (version 1 is effective: the admin's edit/activate/retire are refused with 409, which is authorised)
    "GET /policy/sets":                                 row("d    o    o    o    o    o    o    o    o"),
    "GET /policy/sets/<name>/versions/<int:version>":   row("d    o    o    o    o    o    o    o    o"),
    "POST /policy/sets/<name>/versions":                row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"from_version": 1}),
    "PUT /policy/sets/<name>/versions/<int:version>":   row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"rules": {}}),
    "POST /policy/sets/<name>/versions/<int:version>/preview":
                                                        row("d    d    d    d    d    d    d    d    o"),
    "POST /policy/sets/<name>/versions/<int:version>/activate":
                                                        row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"effective_from": INTERNSHIPS_TODAY.isoformat()}),
    "POST /policy/sets/<name>/versions/<int:version>/retire":
                                                        row("d    d    d    d    d    d    d    d    o"),
    "POST /policy/city-default":                        row("d    d    d    d    d    d    d    d    o",
        body=lambda w: {"name": "fushun-2020"}),

    # -------------------- fairs (the organiser's fair; organisation A's approved booth; person A checked in, with a
    #                      confirmed interview there)
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "GET /fairs":                                       row("d    o    o    o    o    o    o    o    o",
        lists=("fair",)),
    "POST /fairs":                                      row("d    d    d    d    d    d    d    o    o",
        body=lambda w: {"name": "秋季双选会", "mode": "both", "held_on": TODAY.isoformat(), "venue": "抚顺市人才市场",
                        "slots": ["09:00-09:30", "09:30-10:00"]}),
    "GET /fairs/<int:fair_id>":                         row("d    o    o    o    o    o    o    o    o"),
    # issue 15: corrections before the fair (the world's fair is today: a 409 for those allowed)
    "PUT /fairs/<int:fair_id>":                         row("d    d    d    d    d    d    d    o    o",
        body=lambda w: {"name": "春季双选会", "mode": "both", "held_on": TODAY.isoformat(), "venue": "抚顺市人才市场",
                        "slots": ["09:00-09:30"], "reason": "更正"}),
    "POST /fairs/<int:fair_id>/booths/<int:booth_id>/cancel":
                                                        row("d    d    o    h    h    d    d    o    o",
        body=lambda w: {"reason": "单位无法到场"}),
    "POST /fairs/<int:fair_id>/close":                  row("d    d    d    d    d    d    d    o    o"),
    # organisation A's posting: A's HR may bring it (its booth is approved already: 409); B and the agency may not
    "POST /fairs/<int:fair_id>/booths":                 row("d    d    o    r    r    d    d    d    d",
        body=lambda w: {"posting_ids": [w.posting_a.id], "recruiters": 1, "per_slot": 1}),
    "GET /fairs/<int:fair_id>/booths":                  row("d    d    d    d    d    d    d    o    o",
        lists=("booth_a",)),
    "POST /fairs/<int:fair_id>/booths/<int:booth_id>/decision":
                                                        row("d    d    d    d    d    d    d    o    o",
        body=lambda w: {"approve": True, "place": "A1"}),
    "POST /fairs/<int:fair_id>/registration":           row("d    o    d    d    d    d    d    d    d"),
    "GET /fairs/<int:fair_id>/registration":            row("d    o    d    d    d    d    d    d    d"),
    "POST /fairs/<int:fair_id>/registration/online":    row("d    o    d    d    d    d    d    d    d"),
    "POST /fairs/<int:fair_id>/checkins":               row("d    d    d    d    d    d    d    o    o",
        body=lambda w: {"phone": w.phone_a}),
    "GET /fairs/<int:fair_id>/ranking":                 row("d    o    d    d    d    d    d    d    d"),
    "GET /fairs/<int:fair_id>/booths/<int:booth_id>/ranking":
                                                        row("d    d    o    h    h    d    d    d    d"),
    "POST /fairs/<int:fair_id>/interviews":             row("d    o    d    d    d    d    d    d    d",
        body=lambda w: {"booth_id": w.booth_a.id}),
    "POST /fairs/<int:fair_id>/booths/<int:booth_id>/invitations":
                                                        row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"profile_id": w.prof_a.id}),
    "GET /fairs/<int:fair_id>/schedule":                row("d    o    o    e    e    d    d    d    d",
        lists=("iv_a",)),
    "POST /fairs/interviews/<int:interview_id>/cancel": row("d    o    o    h    h    d    d    o    o"),
    "POST /fairs/interviews/<int:interview_id>/outcome":
                                                        row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"outcome": "intent"}),
    "POST /fairs/<int:fair_id>/allocation":             row("d    d    d    d    d    d    d    o    o",
        body=lambda w: {}),
    "POST /fairs/<int:fair_id>/slot/next":              row("d    d    d    d    d    d    d    o    o"),
    "GET /fairs/<int:fair_id>/board":                   row("d    d    d    d    d    d    d    o    o"),
    "GET /fairs/<int:fair_id>/report":                  row("d    d    d    d    d    d    d    o    o"),
    "GET /fairs/<int:fair_id>/report.csv":              row("d    d    d    d    d    d    d    o    o"),

    # -------------------- internships (organisation A, in 望花区: an agreement with a hired intern and a submitted
    #                      claim; caseworkers see them by the organisation's district)
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "GET /internships/agreements":                      row("d    d    o    e    e    o    e    d    o",
        lists=("ag_a",)),
    "POST /internships/agreements":                     row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"application_id": w.app_i.id, "start_on": "2020-03-01", "period_months": 6}),
    "GET /internships/agreements/<int:agreement_id>":   row("d    d    o    h    h    o    h    d    o"),
    # the unit records; a caseworker of the district (or an admin) corrects, with a note (issue 13, finding 5)
    "POST /internships/agreements/<int:agreement_id>/interruptions":
                                                        row("d    d    o    h    h    o    h    d    o",
        body=lambda w: {"from_on": "2020-04-01", "last_day_off": "2020-04-10", "reason": "sick_leave"}),
    # issue 15: correcting or deleting an interruption, with the reason
    "PUT /internships/agreements/<int:agreement_id>/interruptions/<int:interruption_id>":
                                                        row("d    d    o    h    h    o    h    d    o",
        body=lambda w: {"from_on": "2020-04-01", "last_day_off": "2020-04-05", "reason": "sick_leave",
                        "note": "病假条更正"}),
    "POST /internships/agreements/<int:agreement_id>/interruptions/<int:interruption_id>/delete":
                                                        row("d    d    o    h    h    o    h    d    o",
        body=lambda w: {"note": "录错了"}),
    "POST /internships/agreements/<int:agreement_id>/outcome":
                                                        row("d    d    o    h    h    o    h    d    o",
        body=lambda w: {"kind": "left", "on": "2020-05-31"}),
    "GET /internships/claims":                          row("d    d    o    e    e    o    e    d    o",
        lists=("claim_a",)),
    "POST /internships/claims":                         row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"agreement_id": w.ag_a.id, "submit": False}),
    # A's hire of an intern the agency never introduced: A claims the hiring subsidy, B may not, and the agency may
    # not claim a referral subsidy for it either (nor learn through the claim who was hired)
    "POST /internships/hire-claims":                    row("d    d    o    h    h    d    d    d    d",
        body=lambda w: {"kind": "hiring_r6", "application_id": w.app_i.id, "contract_on": "2020-03-01",
                        "contract_months": 12, "monthly_social_insurance": "800.00", "submit": False},
        bodies={"agency": lambda w: {"kind": "referral_r7", "application_id": w.app_i.id, "hire_on": "2020-03-01",
                                     "contract_months": 12, "makeup_insurance_on": "2020-07-10", "submit": False}}),
    # issue 13, finding 3: the records a claim rests on (A's intern hire), confirmed by the person they are about
    # (person A is not A's intern: hidden) or a caseworker of the district; the unit cannot confirm its own
    "POST /internships/agreements/<int:agreement_id>/confirmation":
                                                        row("d    h    d    d    d    o    h    d    o",
        body=lambda w: {"note": "核对了考勤记录"}),
    "GET /internships/hires/<int:application_id>/records":
                                                        row("d    h    o    h    h    o    h    d    o",
        ids={"application_id": "app_i"}),
    "POST /internships/hires/<int:application_id>/contract":
                                                        row("d    d    o    h    h    o    h    d    o",
        ids={"application_id": "app_i"}, body=lambda w: {"signed_on": "2020-03-01", "months": 12, "note": "核对原件"}),
    "POST /internships/hires/<int:application_id>/insurance":
                                                        row("d    d    o    h    h    o    h    d    o",
        ids={"application_id": "app_i"}, body=lambda w: {"monthly_amount": "800.00", "note": "核对缴费记录"}),
    "POST /internships/hires/<int:application_id>/confirmation":
                                                        row("d    h    d    d    d    o    h    d    o",
        ids={"application_id": "app_i"}, body=lambda w: {"record": "contract", "note": "核对合同原件"}),
    "GET /me/internship-records":                       row("d    o    d    d    d    d    d    d    d"),
    # finding 5: A's overpayment, seen by A and the district, recovered by the district's caseworker
    "GET /internships/overpayments":                    row("d    d    o    e    e    o    e    d    o",
        lists=("op_a",)),
    "POST /internships/overpayments/<int:overpayment_id>/recovery":
                                                        row("d    d    d    d    d    o    h    d    o",
        ids={"overpayment_id": "op_a"}, body=lambda w: {"action": "mark", "note": "书面通知单位退回"}),
    # R15: person A claims for themselves, a caseworker of A's district for A; the facts come from A's records
    "GET /internships/hubei-claims":                    row("d    o    d    d    d    o    o    d    o"),
    "POST /internships/hubei-claims":                   row("d    o    d    d    d    o    h    d    o",
        body=lambda w: {"profile_id": w.prof_a.id}),
    # the agency's introduction of person A to B's job: the agency and person A see it, nobody else lists it
    "GET /introductions":                               row("d    o    d    d    o    d    d    d    d",
        lists=("intro_a",)),
    "POST /introductions":                              row("d    d    d    d    o    d    d    d    d",
        body=lambda w: {"profile_id": w.prof_p.id, "posting_id": w.posting_a.id, "note": "住得近"}),
    # person A answers the introduction of themselves (nobody else can); caseworkers see every agency's figures
    "GET /me/introductions":                            row("d    o    d    d    d    d    d    d    d",
        lists=("intro_a",)),
    "POST /me/introductions/<int:introduction_id>/accept":
                                                        row("d    o    d    d    d    d    d    d    d"),
    "POST /me/introductions/<int:introduction_id>/decline":
                                                        row("d    o    d    d    d    d    d    d    d"),
    "GET /introductions/agencies":                      row("d    d    d    d    d    o    o    d    o"),
    # person A's caseworker (district X) and the admin list A's introductions and record the answer A
    # gave them by phone or in person; the agency it would pay, the employers and A themselves may not
    "GET /profiles/<int:profile_id>/introductions":     row("d    d    d    d    d    o    h    d    o",
        lists=("intro_a",)),
    "POST /introductions/<int:introduction_id>/answer": row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"answer": "accepted", "channel": "phone", "note": "电话确认，本人愿意"}),
    "GET /internships/claims/<int:claim_id>":           row("d    d    o    h    h    o    h    d    o"),
    "POST /internships/claims/<int:claim_id>/submit":   row("d    d    o    h    h    d    d    d    d"),
    # evidence: the claim's unit and its district's caseworkers; the unit uploads (claim_a is submitted: 409)
    "GET /internships/claims/<int:claim_id>/evidence":  row("d    d    o    h    h    o    h    d    o"),
    "POST /internships/claims/<int:claim_id>/evidence": row("d    d    o    h    h    d    d    d    d"),
    "GET /internships/evidence/<int:evidence_id>":      row("d    d    o    h    h    o    h    d    o"),
    "POST /internships/claims/<int:claim_id>/approve":  row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"note": "材料齐全"}),
    "POST /internships/claims/<int:claim_id>/reject":   row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"reason": "材料不全"}),
    "POST /internships/claims/<int:claim_id>/pay":      row("d    d    d    d    d    o    h    d    o"),
    "GET /internships/claims/export":                   row("d    d    d    d    d    o    e    d    o",
        lists=("claim_a", "csv")),

    # -------------------- welfare (person A registered unemployed in 望花区, hard to employ, referred, followed up
    #                      this month; a 望花区 public-welfare post with someone else placed on it)
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "POST /welfare/registrations":                      row("d    o    d    d    d    o    h    d    o",
        body=lambda w: {"profile_id": w.prof_a.id, "district": "望花区", "basis": "residence"}),
    "GET /welfare/registrations/me":                    row("d    o    d    d    d    d    d    d    d",
        lists=("reg_a", "registrations")),
    "GET /welfare/registrations":                       row("d    d    d    d    d    o    e    d    o",
        lists=("reg_a",)),
    "POST /welfare/registrations/<int:registration_id>/confirm":
                                                        row("d    d    d    d    d    o    h    d    o"),
    "POST /welfare/registrations/<int:registration_id>/end":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"reason": "employed"}),
    "POST /welfare/registrations/<int:registration_id>/correct":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"registered_on": (w.reg_a.registered_on - dt.timedelta(days=1)).isoformat(),
                        "reason": "窗口登记日期录入有误"}),
    "GET /welfare/profiles/<int:profile_id>/hard-to-employ":
                                                        row("d    d    d    d    d    o    h    d    o"),
    "POST /welfare/profiles/<int:profile_id>/hard-to-employ":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"basis": "registered", "note": "认定证明 2020-002"}),
    "POST /welfare/hard-to-employ/<int:status_id>/revoke":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"reason": "已就业"}),
    "POST /welfare/hard-to-employ/<int:status_id>/correct":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"granted_on": (w.hte_a.granted_on - dt.timedelta(days=1)).isoformat(),
                        "note": "认定证明 2020-001（更正）", "reason": "认定日期录入有误"}),
    "POST /welfare/referrals":                          row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"profile_id": w.prof_a.id, "posting_id": w.posting_a.id}),
    "GET /welfare/referrals":                           row("d    d    d    d    d    o    e    d    o",
        lists=("ref_a",)),
    "POST /welfare/referrals/<int:referral_id>/outcome":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"outcome": "not_hired"}),
    "GET /welfare/postings/<int:posting_id>/queue":     row("d    d    d    d    d    o    h    d    o",
        ids={"posting_id": "pw_a"}),
    "POST /welfare/postings/<int:posting_id>/placements":
                                                        row("d    d    d    d    d    o    h    d    o",
        ids={"posting_id": "pw_a"}, body=lambda w: {"profile_id": w.prof_a.id, "fund": FUND, "term_months": 6}),
    "GET /welfare/placements":                          row("d    d    d    d    d    o    e    d    o",
        lists=("pl_a",)),
    "POST /welfare/placements/<int:placement_id>/extend":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"fund": FUND}),
    "POST /welfare/placements/<int:placement_id>/end":  row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"reason": "term_ended"}),
    # placements a correction marked for review: each district's desk lists its own; keeping one is
    # its district's (pl_a awaits no review: 409 for those allowed)
    "GET /welfare/placements/awaiting-review":          row("d    d    d    d    d    o    o    d    o"),
    "POST /welfare/placements/<int:placement_id>/keep": row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"reason": "复核后保留"}),
    "GET /welfare/report":                              row("d    d    d    d    d    o    e    d    o",
        lists=("pw_a", "posts", "posting_id")),
    "GET /welfare/follow-ups":                          row("d    o    d    d    d    o    e    d    o",
        lists=("fu_a",)),
    "POST /welfare/follow-ups/<int:follow_up_id>/contacts":
                                                        row("d    d    d    d    d    o    h    d    o",
        body=lambda w: {"channel": "phone", "note": "电话联系，本人仍在求职"}),
    # city-wide figures without personal data: every caseworker
    "GET /welfare/dashboard":                           row("d    d    d    d    d    o    o    d    o"),

    # -------------------- documents (PDF): the record's own access rule decides (its 404 or 403)
    #                                                        anon pers hr_a hr_b agcy cw_x cw_y orgr admn
    "GET /documents/internship_agreement/<int:record_id>.pdf":
                                                        row("d    h    o    h    h    o    h    h    o",
        ids={"record_id": "ag_a"}),
    "GET /documents/internship_claim/<int:record_id>.pdf":
                                                        row("d    h    o    h    h    o    h    h    o",
        ids={"record_id": "claim_a"}),
    "GET /documents/hire_claim/<int:record_id>.pdf":    row("d    h    o    h    h    o    h    h    o",
        ids={"record_id": "hc_a"}),
    # caseworkers' letters: staff only (403 for the rest), of the person's district (404 for the other)
    "GET /documents/referral_letter/<int:record_id>.pdf":
                                                        row("d    d    d    d    d    o    h    d    o",
        ids={"record_id": "ref_a"}),
    "GET /documents/placement_notice/<int:record_id>.pdf":
                                                        row("d    d    d    d    d    o    h    d    o",
        ids={"record_id": "pl_a"}),
    # the person's own certificate, or printed for them by their district's caseworker
    "GET /documents/unemployment_certificate/<int:record_id>.pdf":
                                                        row("d    o    h    h    h    o    h    h    o",
        ids={"record_id": "reg_a"}),
    "GET /documents/fair_report/<int:record_id>.pdf":   row("d    d    d    d    d    d    d    o    o",
        ids={"record_id": "fair"}),
    # "my data" as a paper: the person alone, as the JSON download (another person's id: 404, tests/documents)
    "GET /documents/my_data/<int:record_id>.pdf":      row("d    o    d    d    d    d    d    d    d",
        ids={"record_id": "person"}),
}


REGISTERED = {f"{method} {spec.rule}": spec for spec in ROUTES for method in spec.methods}


def test_every_endpoint_has_a_row():
    missing = sorted(set(REGISTERED) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(REGISTERED))
    assert not missing and not stale, (
        "endpoints without a row in MATRIX (write what each principal gets): " + ("; ".join(missing) or "none")
        + " | rows in MATRIX for endpoints that no longer exist: " + ("; ".join(stale) or "none"))


# ------------------------------------------------------------------------- the world

@pytest.fixture
def world(app, db, make, cipher):
    """Organisation A (望花区, an internship base) with its HR, a published job, a draft, an
    internship posting with a hired intern, their agreement and a submitted claim; organisation
    B (新抚区) with its HR; an HR agency; person A (望花区) who applied to A's job, is registered
    unemployed and hard to employ, was referred, was introduced to B's job by the agency, has
    this month's follow-up and a notification, and is checked in at the organiser's fair with a
    confirmed interview at A's booth; a
    public-welfare post in 望花区 with another person placed on it. Built with the services
    where they exist (so the records are what the app itself makes), directly otherwise."""
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)
    extra["TODAY"] = INTERNSHIPS_TODAY.isoformat()

    org_a = make.org(name="甲焊接有限公司", district="望花区")
    org_b = make.org(name="乙数据有限公司", district="新抚区", internship_base=False)
    org_c = make.org(name="丙人力资源有限公司", org_type="hr_agency", district="顺城区", internship_base=False)
    org_pw = make.org(name="望花区社区服务中心", org_type="public_institution", district="望花区", internship_base=False)
    org_p = make.org(name="丁新注册有限公司", district="望花区", verified=False)
    vr_p = db.scalars(select(OrganisationVerification).where(OrganisationVerification.organisation_id == org_p.id)).one()
    person = make.user("person")
    users = {"anon": None, "person": person, "hr_a": make.user("employer", organisation=org_a),
             "hr_b": make.user("employer", organisation=org_b), "agency": make.user("agency", organisation=org_c),
             "cw_x": make.user("caseworker", district="望花区"), "cw_y": make.user("caseworker", district="新抚区"),
             "organiser": make.user("organiser"), "admin": make.user("admin")}
    hr_a, cw_x = users["hr_a"], users["cw_x"]
    phone_a = "13900000001"
    prof_a = make.profile(user=person, district="望花区", published=False, categories=("disabled",),
                          phone_enc=cipher.encrypt(phone_a), phone_hash=cipher.blind_index(phone_a))

    posting_a = make.posting(organisation=org_a, created_by=hr_a)
    draft_a = make.posting(organisation=org_a, created_by=hr_a, status="draft", title="仓库管理员")
    intern_a = make.posting(organisation=org_a, created_by=hr_a, kind="internship", title="焊接见习生")
    pw_a = make.posting(organisation=org_pw, kind="public_welfare", title="社区保洁", headcount=3, skills=["保洁"])
    posting_b = make.posting(organisation=org_b, created_by=users["hr_b"], title="数据录入员", district="新抚区")

    app_a = Application(posting_id=posting_a.id, profile_id=prof_a.id, stage="applied")
    app_a.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=person.id))
    db.add(app_a)

    # internships: a 2020 graduate (not published: only A, who hired them, may see them) hired on A's internship
    # posting, signed and claimed through the services
    prof_i = make.profile(name="李见习", education=5, graduation_year=2020, birth_on=dt.date(1998, 5, 1),
                          published=False)
    prof_i.categories.append(ProfileCategory(category="graduating_year_graduate"))
    app_i = Application(posting_id=intern_a.id, profile_id=prof_i.id, stage="hired")
    app_i.events.append(ApplicationEvent(from_stage="offer", to_stage="hired", actor_id=hr_a.id,
                                         at=dt.datetime(2020, 2, 20, 9, 0)))
    db.add(app_i)
    db.flush()
    ag_a = internships.create_agreement(db, hr_a, "fushun-2020", app_i.id, dt.date(2020, 3, 1), 6, INTERNSHIPS_TODAY)
    claim_a = internship_claims.create_internship_claim(db, hr_a, ag_a.id, INTERNSHIPS_TODAY, submit=True)
    # a hire claim (R6) of organisation A on person A's job, as a draft (for its printed form)
    hc_a = SubsidyClaim(kind="hiring_r6", organisation_id=org_a.id, profile_id=prof_a.id, application_id=app_a.id,
                        amount=Decimal("1000.00"), rule="R6", reason_zh="测试", created_by_id=hr_a.id)
    db.add(hc_a)
    with app.app_context():  # a stored paper of claim A (the instance folder is the app's)
        stored = secrets.token_hex(16)
        (evidence.folder() / stored).write_bytes(b"%PDF-1.4\n%%EOF\n")
    ev_a = ClaimEvidence(claim_id=claim_a.id, kind="attendance", stored_name=stored, original_name="考勤.pdf",
                         content_type="application/pdf", size=15, sha256="0" * 64, uploaded_by_id=hr_a.id,
                         retain_until_on=TODAY + dt.timedelta(days=365))
    db.add(ev_a)
    it_a = InternshipInterruption(agreement_id=ag_a.id, from_on=dt.date(2020, 4, 1), to_on=dt.date(2020, 4, 3),
                                  reason="sick_leave", created_by_id=hr_a.id)
    db.add(it_a)
    op_a = Overpayment(organisation_id=org_a.id, profile_id=prof_i.id, claim_id=claim_a.id, agreement_id=ag_a.id,
                       rule="R2", amount=Decimal("100.00"), outstanding=Decimal("100.00"), cause="outcome")
    db.add(op_a)

    # welfare: registered at the desk two months ago (which makes this month's follow-up), hard to employ
    reg_a = registrations.register(db, cw_x, profile_id=prof_a.id, basis="residence", district="望花区",
                                   registered_on=TODAY - dt.timedelta(days=60), today=TODAY)
    hte_a = hard_to_employ.grant_hte(db, cw_x, prof_a.id, "registered", note="认定证明 2020-001", today=TODAY)
    fu_a = db.scalars(select(FollowUp).where(FollowUp.registration_id == reg_a.id)).one()
    ref_a = Referral(profile_id=prof_a.id, posting_id=posting_b.id, referred_by_id=cw_x.id, referred_on=TODAY)
    prof_p = make.profile(name="王安置", district="望花区")
    start = TODAY - dt.timedelta(days=30)
    pl_a = Placement(profile_id=prof_p.id, posting_id=pw_a.id, district="望花区", placed_by_id=cw_x.id, start_on=start,
                     term_months=6, end_on=add_months(start, 6), temporary=True, fund=FUND)
    note_a = Notification(user_id=person.id, kind="matrix", key="matrix:1", text_zh="测试通知", text_en="a notice")
    dup_a = IdNumberDuplicate(profile_id=prof_a.id, holder_profile_id=prof_p.id)
    intro_a = Introduction(organisation_id=org_c.id, profile_id=prof_a.id, posting_id=posting_b.id,
                           created_by_id=users["agency"].id, note="数据录入经验")
    saved_a = SavedSearch(user_id=person.id, q="保洁", filters={})
    db.add_all([ref_a, pl_a, note_a, intro_a, dup_a, saved_a])

    # fairs: the organiser's fair, A's approved booth with A's job, person A checked in and interviewed
    fair = Fair(organiser_id=users["organiser"].id, name="抚顺市春季双选会", mode="both", held_on=TODAY,
                venue="抚顺市人才市场", slots=["09:00-09:30", "09:30-10:00", "10:00-10:30"], status="open")
    db.add(fair)
    db.flush()
    booth_a = Booth(fair_id=fair.id, organisation_id=org_a.id, status="approved", posting_ids=[posting_a.id],
                    place="A1", created_by_id=hr_a.id)
    db.add_all([booth_a, FairRegistration(fair_id=fair.id, profile_id=prof_a.id, checked_in_at=utcnow(),
                                          checkin_method="qr", checked_in_by_id=users["organiser"].id)])
    db.flush()
    iv_a = Interview(fair_id=fair.id, booth_id=booth_a.id, profile_id=prof_a.id, posting_id=posting_a.id,
                     requested_by="person", status="confirmed", slot=0, score=0.5)
    db.add(iv_a)
    db.flush()
    # an interview A's HR proposed on person A's application, accepted for a time next week
    next_week = (clock.now_utc() + dt.timedelta(days=7)).replace(microsecond=0)
    aiv_a = ApplicationInterview(application_id=app_a.id, options=[next_week.isoformat()], place="甲公司三楼会议室",
                                 proposed_by_id=hr_a.id, status="accepted", starts_at=next_week)
    db.add(aiv_a)
    db.flush()
    yield SimpleNamespace(aiv_a=aiv_a, users=users, person=person, phone_a=phone_a, prof_a=prof_a, prof_i=prof_i,
                          posting_a=posting_a, draft_a=draft_a, intern_a=intern_a, pw_a=pw_a, app_a=app_a,
                          app_i=app_i, ag_a=ag_a, it_a=it_a, claim_a=claim_a, hc_a=hc_a, ev_a=ev_a, op_a=op_a, reg_a=reg_a, hte_a=hte_a, fu_a=fu_a, ref_a=ref_a,
                          pl_a=pl_a, prof_p=prof_p, intro_a=intro_a, note_a=note_a, saved_a=saved_a, fair=fair, booth_a=booth_a, iv_a=iv_a,
                          org_a=org_a, org_p=org_p, vr_p=vr_p, dup_a=dup_a)
    extra.clear()
    extra.update(saved)


def _url(key: str, entry: dict, w) -> str:
    rule = key.split(" ", 1)[1]
    names = dict(DEFAULT_IDS, **entry["ids"])

    def value(m) -> str:
        if m.group(1) == "category":
            return "disabled"
        if m.group(1) in ("name", "version"):  # the seeded policy set and its first version
            return {"name": "fushun-2020", "version": "1"}[m.group(1)]
        return str(getattr(w, names[m.group(1)]).id)

    url = "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", value, rule)
    return url + ("?per_page=100" if REGISTERED[key].paginated else "")


def _listed_ids(response, lists: tuple) -> set:
    _, *where = lists
    key = where[0] if where else "items"
    field = where[1] if len(where) > 1 else "id"
    if key == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        return {int(r[0]) for r in rows[1:] if r and r[0].isdigit()}
    out = set()
    for item in response.json[key]:
        for part in field.split("."):
            item = item[part]
        out.add(item)
    return out


CASES = [(key, who) for key in sorted(set(MATRIX) & set(REGISTERED)) for who in PRINCIPALS]  # stale rows: above


@pytest.mark.parametrize("key,who", CASES, ids=[f"{k} as {p}" for k, p in CASES])
def test_matrix(client, make, world, key, who):
    entry = MATRIX[key]
    expected = entry["expect"][who]
    method = key.split(" ", 1)[0]
    user = world.users[who]
    headers = make.token(user) if user is not None else {}
    build = entry["bodies"].get(who, entry["body"])
    r = client.open(_url(key, entry, world), method=method, headers=headers,
                    json=build(world) if build is not None else None)
    said = (r.status_code, r.json if r.is_json else r.mimetype if r.mimetype == "application/pdf"
            else r.get_data(as_text=True)[:200])
    assert r.status_code < 500, said
    if expected == "deny":
        assert r.status_code == (401 if user is None else 403), said
    elif expected == "hide":
        assert r.status_code == 404, said
    elif expected == "refuse":
        assert r.status_code in (409, 422), said
    elif expected == "ok":
        assert r.status_code not in (401, 403, 404), said
        if entry["lists"]:
            assert r.status_code == 200, said
            record = getattr(world, entry["lists"][0])
            assert record.id in _listed_ids(r, entry["lists"]), f"{entry['lists'][0]} #{record.id} not listed: {said}"
    elif expected == "empty":
        assert r.status_code == 200, said
        record = getattr(world, entry["lists"][0])
        assert record.id not in _listed_ids(r, entry["lists"]), f"{entry['lists'][0]} #{record.id} leaked: {said}"


def test_rows_say_what_they_check():
    for key, entry in MATRIX.items():
        seen = set(entry["expect"].values())
        if "empty" in seen:
            assert entry["lists"], f"{key}: an 'empty' outcome needs lists=(record, ...) naming what must not be listed"
        if seen & {"hide", "empty", "refuse"}:
            # someone must reach the record, or a 404 could just mean the world lacks it
            assert "ok" in seen, f"{key}: nobody is 'ok', so 'hide'/'empty'/'refuse' prove nothing"
        assert set(entry["bodies"]) <= set(PRINCIPALS), key
