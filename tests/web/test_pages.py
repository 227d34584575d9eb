"""Pages as a person meets them: Chinese by default, English on request, a refused form
says what is wrong beside the field and saves nothing, forms carry CSRF tokens, headers
forbid inline scripts and framing."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from sqlalchemy import func, select

from marketplace import hooks
from marketplace.core.models import Posting, Profile, User

ROOT = Path(__file__).resolve().parents[2]


def login(client, user, password="secret-pass-1"):
    r = client.post("/login", data={"username": user.username, "password": password})
    assert r.status_code == 302, r.text


def test_home_is_chinese_first_and_english_on_request(client, make):
    make.posting(title="数控车床操作工")
    r = client.get("/")  # the home page lists from the database, no index needed
    assert "在抚顺找工作" in r.text and "数控车床操作工" in r.text
    r = client.get("/?lang=en")
    assert "Find work in Fushun" in r.text and "lang=en" in r.headers["Set-Cookie"]
    assert "Find work in Fushun" in client.get("/").text  # remembered


def test_posting_search_page_filters_by_kind_and_words(client, make):
    make.index(make.posting(title="会计", kind="job"), make.posting(title="会计见习生", kind="internship"))
    r = client.get("/postings?q=会计&kind=internship")
    assert "会计见习生" in r.text and ">会计</a>" not in r.text


def test_a_refused_posting_form_explains_in_chinese_and_saves_nothing(client, db, make):
    hr = make.user("employer")
    login(client, hr)
    before = db.scalar(select(func.count()).select_from(Posting))
    r = client.post("/employer/postings/new", data={
        "kind": "job", "title": "焊工", "description": "负责钢结构焊接工作，按图施工。", "district": "望花区",
        "salary_min": "8000", "salary_max": "5000", "education_min": "0", "headcount": "1"})
    assert r.status_code == 422
    assert "最低薪资不能高于最高薪资" in r.text and 'data-error="salary_min"' in r.text
    assert 'value="焊工"' in r.text  # what the person typed is kept
    assert db.scalar(select(func.count()).select_from(Posting)) == before


def test_employer_publishes_from_the_form(client, db, make):
    hr = make.user("employer")
    login(client, hr)
    r = client.post("/employer/postings/new", data={
        "kind": "internship", "title": "会计见习生", "description": "协助出纳整理凭证，学习账务处理流程。",
        "district": "新抚区", "education_min": "4", "headcount": "2", "period_months": "6", "stipend": "1500",
        "publish": "1"})
    assert r.status_code == 302
    p = db.scalar(select(Posting).where(Posting.title == "会计见习生"))
    assert p.status == "published" and p.period_months == 6 and str(p.stipend) == "1500.00"


def test_profile_form_in_english_names_the_id_problem(client, db, make):
    person = make.user("person")
    login(client, person)
    r = client.post("/me/profile?lang=en", data={"name": "王芳", "gender": "女", "birth_on": "1990-01-01",
                                                 "district": "望花区", "education": "4",
                                                 "id_number": "110105199001010011"})
    assert r.status_code == 422 and "does not match" in r.text
    assert db.scalar(select(func.count()).select_from(Profile).where(Profile.user_id == person.id)) == 0


def test_wrong_password_page_and_safe_redirects(client, make):
    user = make.user("person")
    r = client.post("/login", data={"username": user.username, "password": "nope"})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1",
                                    "next": "https://evil.example/"})
    assert r.headers["Location"] == "/me/applications"  # the person's own page, not the other site


def test_pages_refuse_roles_that_do_not_belong(client, make):
    login(client, make.user("person"))
    assert client.get("/employer").status_code == 403
    assert client.get("/caseworker").status_code == 403
    assert "无权" in client.get("/admin/users").text


def test_missing_pages_and_bad_ids_are_4xx_not_500(client):
    assert client.get("/postings/999999").status_code == 404
    assert client.get("/postings/abc").status_code == 404
    assert client.get("/postings?page=-5&kind=<script>").status_code == 200


def test_security_headers_forbid_inline_script_and_framing(client):
    h = client.get("/").headers
    assert "script-src 'self'" in h["Content-Security-Policy"] and "unsafe-inline" not in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_style():
    paths = list((ROOT / "marketplace").glob("**/templates/**/*.html"))
    assert len(paths) > 40, paths  # every area's templates and the shared ones
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path


def test_csrf_is_enforced_on_forms(app, db, make):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        user = make.user("person")
        r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
        assert r.status_code == 400 and "表单已过期" in r.text
        html = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        r = client.post("/login", data={"username": user.username, "password": "secret-pass-1", "csrf_token": token})
        assert r.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_every_page_string_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_", "-k", "gettext", "-o", str(pot), str(ROOT)], check=True, cwd=ROOT)
    wanted = set(re.findall(r'^msgid "(.+)"$', pot.read_text(encoding="utf-8"), re.M))

    have: dict = {}
    for po_path in sorted((ROOT / "marketplace").glob("*/i18n/zh_Hans_CN/LC_MESSAGES/messages.po")):
        po = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', po_path.read_text(encoding="utf-8"), re.M))
        with po_path.with_suffix(".mo").open("rb") as f:
            compiled = {m.id: m.string for m in read_mo(f) if m.id}
        assert po == compiled, f"{po_path.with_suffix('.mo')} is stale: run pybabel compile -d {po_path.parents[2]}"
        have.update(po)
    assert sorted(wanted - set(have)) == []


def test_the_applicant_list_shows_the_notes_the_areas_answer(client, make):
    """The employer's applicant list asks the areas (hooks.application_notes) for their notes:
    internships answers which agency introduced the applicant (经…推荐)."""
    posting = make.posting()
    person = make.profile()
    client.post(f"/api/v1/postings/{posting.id}/applications", json={},
                headers=make.token(make.s.get(User, person.user_id)))

    def note(session, applications, **_):
        return {a.id: {"introduced_by": "丙人力资源公司"} for a in applications}

    hooks.application_notes.connect(note)
    try:
        hr = make.user("employer", organisation=posting.organisation)
        client.post("/login", data={"username": hr.username, "password": "secret-pass-1"})
        html = client.get(f"/employer/postings/{posting.id}").get_data(as_text=True)
    finally:
        hooks.application_notes.disconnect(note)
    assert 'data-test="introduced-by"' in html and "丙人力资源公司" in html
