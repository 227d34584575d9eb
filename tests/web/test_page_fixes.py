"""What issue 16 (section 4, section 5's landing pages) and issue 13's leftovers changed on
the pages, as a person meets it: form boxes without stray quotes, what people wrote kept
as written, a favicon, each role's own page after login, page numbers that never crash,
and the delete-account password throttled like a login."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from marketplace.core import applications
from marketplace.core.demo import _short_name
from marketplace.core.models import Posting, Profile, User
from marketplace.idcodes import id_number_check_char
from marketplace.web.forms import whole_number

ID17 = "21040219980501553"
ID = ID17 + id_number_check_char(ID17)


def login(client, user, password="secret-pass-1"):
    r = client.post("/login", data={"username": user.username, "password": password})
    assert r.status_code == 302, r.text
    return r


# --- the form macro ----------------------------------------------------------------------

def test_masked_id_and_phone_are_placeholders_without_quotes(client, make, cipher):
    user = make.user("person")
    make.profile(user=user, birth_on=dt.date(1998, 5, 1), id_number_enc=cipher.encrypt(ID),
                 id_number_hash=cipher.blind_index(ID), phone_enc=cipher.encrypt("13812345678"),
                 phone_hash=cipher.blind_index("13812345678"))
    login(client, user)
    html = client.get("/me/profile").text
    assert f'placeholder="{"*" * 14}{ID[-4:]}"' in html  # the masked ID, as an attribute
    inputs = re.findall(r"<input[^>]*>", html)
    assert not [i for i in inputs if "&#34;" in i or 'placeholder=""' in i], inputs
    assert 'autocomplete="off"' in html and 'inputmode="tel"' in html
    assert 'placeholder="138****5678"' in html


def test_a_profile_without_id_has_no_literal_placeholder(client, make):
    user = make.user("person")
    login(client, user)
    html = client.get("/me/profile").text
    inputs = re.findall(r"<input[^>]*>", html)
    assert not [i for i in inputs if "&#34;" in i or 'placeholder=""' in i], inputs


def test_number_boxes_keep_min_and_inputmode(client, make):
    agency = make.user("agency")
    login(client, agency)
    html = client.get("/agency/introductions").text
    assert 'min="1" inputmode="numeric"' in html
    assert not [i for i in re.findall(r"<input[^>]*>", html) if "&#34;" in i]


# --- what people write -------------------------------------------------------------------

def test_full_width_punctuation_is_kept_as_written(client, db, make):
    hr = make.user("employer")
    login(client, hr)
    description = "负责钢结构焊接，按图施工（夜班另计）：欢迎應屆生。"
    r = client.post("/employer/postings/new", data={
        "kind": "job", "title": "焊工（白班）", "description": description, "district": "望花区",
        "education_min": "0", "headcount": "1", "skills": "焊接，电焊"})
    assert r.status_code == 302, r.text
    p = db.scalar(select(Posting).where(Posting.created_by_id == hr.id))
    assert p.title == "焊工（白班）" and p.description == description  # not 焊工(白班), not 应届生
    assert p.skills == ["焊接", "电焊"]  # skills are keys for matching: split and normalised


def test_a_person_name_is_kept_as_written(client, db, make):
    user = make.user("person")
    login(client, user)
    r = client.post("/me/profile", data={"name": "張　曉（小）", "gender": "女", "birth_on": "1998-05-01",
                                         "district": "望花区", "education": "4"})
    assert r.status_code in (302, 303), r.text
    p = db.scalar(select(Profile).where(Profile.user_id == user.id))
    assert p.name == "張　曉（小）"


# --- the favicon -------------------------------------------------------------------------

def test_favicon_is_served(client):
    r = client.get("/favicon.ico")
    body = r.get_data()
    r.close()
    assert r.status_code == 200 and body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon"' in client.get("/").text


# --- each role lands on its own page -----------------------------------------------------

@pytest.mark.parametrize("role, landing", [
    ("person", "/me/applications"), ("employer", "/employer"), ("agency", "/agency/introductions"),
    ("caseworker", "/welfare/desk"), ("organiser", "/organiser/fairs"), ("admin", "/admin/users")])
def test_each_role_lands_on_its_own_page(client, make, role, landing):
    r = login(client, make.user(role))
    assert r.headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_the_page_asked_for_before_login_still_wins(client, make):
    user = make.user("person")
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1", "next": "/me/profile"})
    assert r.headers["Location"] == "/me/profile"


def test_the_phone_menu_is_one_checkbox_no_inline_script(client, make):
    login(client, make.user("employer"))
    html = client.get("/employer").text
    assert 'id="menu-toggle"' in html and 'for="menu-toggle"' in html and 'id="site-nav"' in html
    assert "<script>" not in html and "onclick" not in html


# --- page numbers and form integers: ASCII digits only, never a 500 ----------------------

SUPERSCRIPT = "²"
FULL_WIDTH = "１２"


@pytest.mark.parametrize("value", [SUPERSCRIPT, FULL_WIDTH, "99999999999999999999999", "-1", "abc"])
def test_strange_digits_never_crash_the_pages(client, db, make, value):
    hr = make.user("employer")
    cw = make.user("caseworker")
    person = make.user("person")
    profile = make.profile(user=person)
    login(client, hr)
    # internships: the agreement's application and period
    r = client.post("/employer/internships", data={"application_id": value, "start_on": "2020-07-01",
                                                    "period_months": value})
    assert r.status_code < 500
    # fairs: the booth's postings
    r = client.post("/employer/fairs/1/booth", data={"posting_id": value, "recruiters": "1", "per_slot": "1"})
    assert r.status_code < 500
    for path in ("/employer", "/employer/internships", "/employer/claims", "/postings"):
        assert client.get(f"{path}?page={value}").status_code < 500
    client.post("/logout")
    login(client, cw)
    # welfare: the registration's original retirement age at the desk
    r = client.post(f"/welfare/people/{profile.id}/register", data={
        "basis": "residence", "district": "望花区", "registered_on": "2020-03-01", "original_retirement_age": value})
    assert r.status_code < 500
    r = client.post("/caseworker/hubei-claims", data={"profile_id": value})
    assert r.status_code < 500
    for path in ("/welfare/desk", "/caseworker/claims", "/caseworker", "/caseworker/organisations"):
        assert client.get(f"{path}?page={value}").status_code < 500
    client.post("/logout")
    login(client, person)
    r = client.post("/welfare/me", data={"basis": "residence", "district": "望花区", "original_retirement_age": value})
    assert r.status_code < 500
    r = client.post("/me/internship-records", data={"record": "contract", "record_id": value, "verdict": "confirm"})
    assert r.status_code < 500


def test_whole_number_reads_ascii_digits_only(app):
    assert whole_number("12") == 12 and whole_number(" 7 ") == 7
    assert whole_number("１２") is None and whole_number("²") is None and whole_number("-1") is None
    assert whole_number("5", 1, 3) is None and whole_number(None) is None and whole_number("9" * 30) is None


# --- deleting an account: the password is throttled like a login -------------------------

def test_delete_account_password_guesses_are_throttled(client, db, make):
    user = make.user("person")
    login(client, user)
    answers = [client.post("/me/data", data={"password": f"guess-{i}"}).status_code for i in range(8)]
    assert answers[0] == 401 and 429 in answers, answers  # slowed down like the login page
    # even the right password waits while the delay runs: nothing was deleted
    r = client.post("/me/data", data={"password": "secret-pass-1"})
    assert r.status_code == 429
    assert db.get(User, user.id).is_active


def test_delete_account_api_password_guesses_are_throttled(client, db, make):
    user = make.user("person")
    headers = make.token(user)
    answers = [client.post("/api/v1/me/delete", json={"password": f"guess-{i}"}, headers=headers).status_code
               for i in range(8)]
    assert answers[0] == 401 and 429 in answers, answers


# --- "my data", readable -----------------------------------------------------------------

def test_my_data_page_reads_in_chinese_beside_the_download(client, db, make):
    user = make.user("person")
    p = make.profile(user=user, name="赵小明", categories=("registered_unemployed",))
    applications.apply(db, user, make.posting(title="数控车工").id, "")
    db.flush()
    login(client, user)
    html = client.get("/me/data").text
    section = html[html.index('data-test="my-data"'):]
    assert "赵小明" in section and "数控车工" in section and "出生日期" in section and "已申请" in section
    assert "登记失业人员" in section and "望花区" in section
    for code in ('"stage"', "applied", "birth_on", "registered_unemployed", "display_name"):
        assert code not in section, code
    assert 'href="/me/data?download=1"' in html  # the JSON stays beside it
    en = client.get("/me/data?lang=en").text
    assert "Date of birth" in en or "date of birth" in en
    assert p.id


# --- the caseworker's referral picker searches and sorts ---------------------------------

def test_the_referral_picker_searches_and_puts_the_persons_district_first(client, make):
    cw = make.user("caseworker")  # 望花区
    profile = make.profile(district="望花区")
    make.posting(title="仓库保管员", district="顺城区")
    make.posting(title="会计", district="望花区")
    make.posting(title="保安", district="望花区")
    login(client, cw)
    html = client.get(f"/caseworker/people/{profile.id}").text
    picker = html[html.index('name="posting_id"'):]
    picker = picker[:picker.index("</select>")]
    titles = re.findall(r">([^<·]+?) ·", picker)
    assert titles.index("会计") < titles.index("仓库保管员") and titles.index("保安") < titles.index("仓库保管员")
    html = client.get(f"/caseworker/people/{profile.id}?post_q=仓库").text
    picker = html[html.index('name="posting_id"'):]
    picker = picker[:picker.index("</select>")]
    assert "仓库保管员" in picker and "会计" not in picker


def test_demo_staff_names_are_cut_only_where_still_unambiguous():
    names = ["清原满族自治县兴旺商贸有限公司", "清原满族自治县山水旅游公司", "抚顺石化机械厂"]
    assert _short_name(names[0], names) == "清原满族自治县兴"
    assert _short_name(names[2], names) == "抚顺石化机械"
    assert _short_name("短名", ["短名"]) == "短名"


# --- the caseworker's walk-in registration -----------------------------------------------

def test_walk_in_form_is_made_for_the_desk(client, db, make):
    cw = make.user("caseworker", district="顺城区")
    login(client, cw)
    html = client.get("/caseworker/profiles/new").text
    assert 'data-test="walk-in-form"' in html
    assert re.search(r'<option value="顺城区"\s+selected', html)  # the caseworker's district by default
    assert 'name="summary"' not in html and 'name="published"' not in html  # the person's own words and consent
    r = client.post("/caseworker/profiles/new", data={"name": "钱　多（大）", "gender": "男", "birth_on": "1990-01-02",
                                                      "district": "顺城区", "education": "3"})
    assert r.status_code == 302, r.text
    p = db.scalar(select(Profile).where(Profile.name == "钱　多（大）"))
    assert p is not None and p.district == "顺城区" and not p.published


def test_employer_lands_on_what_waits_today(client, db, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, title="钳工")
    for _ in range(2):
        person = make.user("person")
        make.profile(user=person)
        applications.apply(db, person, posting.id, "")
    db.flush()
    r = login(client, hr)
    html = client.get(r.headers["Location"]).text
    today = html[html.index('data-test="employer-today"'):]
    assert "待查看的新申请" in today and "<strong>2</strong>" in today
    assert re.search(r'data-test="new-applications">.*?<span class="tag warn">2<', html)


def test_agency_picks_people_and_postings_instead_of_typing_numbers(client, make):
    agency = make.user("agency")
    make.profile(name="孙悟空", published=True)
    make.profile(name="孙尚香", published=False)  # not published: not offered
    make.posting(title="数控车工")
    login(client, agency)
    html = client.get("/agency/introductions?person_q=孙&posting_q=数控").text
    form = html[html.index('data-test="introduce-form"'):]
    form = form[:form.index("</form>")]
    assert '<select name="profile_id">' in form and "孙悟空 · 望花区" in form and "孙尚香" not in form
    assert '<select name="posting_id">' in form and "数控车工" in form
    assert 'type="number" name="profile_id"' not in form
