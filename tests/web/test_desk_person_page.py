"""Issue 16 at the caseworker's desk: ONE page per person (profile, categories and
verification, applications, internships and claims, contact and follow-up, corrections), the
old addresses sent there (302) with every action still working; and the walk-in form meeting
an ID number already on file: a link to the person where the caseworker may see them, else
only the district to contact, nothing created, the typed form kept."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from marketplace import clock
from marketplace.core.models import Application, AuditEntry, Profile
from marketplace.idcodes import id_number_problem
from marketplace.internships.models import SubsidyClaim
from marketplace.welfare.models import Registration
from tests.welfare.helpers import registered


def login(client, user):
    client.post("/logout")
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert r.status_code == 302, r.text


def _id(birth: str, seq: int) -> str:
    body = f"210402{birth}{seq:03d}"
    return next(body + c for c in "0123456789X" if not id_number_problem(body + c))


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="panel" id="([a-z-]+)" data-section', html)


def test_one_page_per_person_with_every_section(client, db, make):
    cw = make.user("caseworker", district="望花区")
    p, reg = registered(db, make, cw, clock.today(), name="王一页", categories=("zero_employment_family",))
    posting = make.posting(title="仓库管理员")
    db.add(Application(posting_id=posting.id, profile_id=p.id, stage="applied"))
    org = posting.organisation
    db.add(SubsidyClaim(kind="hiring_r6", organisation_id=org.id, profile_id=p.id, state="submitted",
                        amount="3150.00", created_by_id=cw.id, facts={}))
    db.flush()
    login(client, cw)
    r = client.get(f"/caseworker/people/{p.id}")
    assert r.status_code == 200
    html = r.text
    assert _sections(html) == ["profile", "categories", "registration", "applications", "referrals", "placements",
                               "internships", "contact", "corrections"]
    nav = html[html.index('data-test="person-sections"'):]
    for title in ("档案", "人员类别与核实", "失业登记", "申请", "见习与补贴申领", "联系与跟踪", "更正记录"):
        assert f">{title}</a>" in nav[:nav.index("</nav>")]
    assert 'data-test="profile-form"' in html and f'action="/caseworker/profiles/{p.id}"' in html
    assert 'data-test="hte-status"' in html  # the status sits with the categories
    apps = html[html.index('data-test="applications"'):]
    assert "仓库管理员" in apps[:apps.index("</table>")] and "已申请" in apps[:apps.index("</table>")]
    assert re.search(r"申领#\d+：一次性吸纳就业补贴（R6），3150.00元，已提交", html)
    contact = html[html.index('id="contact"'):html.index('id="corrections"')]
    assert f'action="/caseworker/profiles/{p.id}/phone"' in contact and "每月跟踪服务" in contact  # with follow-up
    assert "1980-05-01" not in html  # staff see an age, never the birth date
    en = client.get(f"/caseworker/people/{p.id}?lang=en").text
    assert "Contact and follow-up" in en and "Internships and subsidy claims" in en


def test_the_old_addresses_send_bookmarks_to_the_one_page(client, db, make):
    cw = make.user("caseworker", district="望花区")
    p, _reg = registered(db, make, cw, clock.today())
    login(client, cw)
    r = client.get(f"/caseworker/profiles/{p.id}")
    assert r.status_code == 302 and r.headers["Location"] == f"/caseworker/people/{p.id}"
    r = client.get(f"/welfare/people/{p.id}?post_q=仓库")
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/caseworker/people/{p.id}?post_q=")
    # links of the other pages go straight to the one page
    assert f'href="/caseworker/people/{p.id}"' in client.get("/caseworker").text
    assert f'href="/caseworker/people/{p.id}"' in client.get("/welfare/desk?q=张三").text
    # another district's caseworker learns nothing, at the old addresses either
    login(client, make.user("caseworker", district="新抚区"))
    for url in (f"/caseworker/people/{p.id}", f"/caseworker/profiles/{p.id}", f"/welfare/people/{p.id}"):
        assert client.get(url).status_code == 404
    for role in ("person", "employer", "agency"):
        login(client, make.user(role))
        assert client.get(f"/caseworker/people/{p.id}").status_code == 403


def test_the_actions_on_the_page_still_work_and_come_back_to_it(client, db, make):
    cw = make.user("caseworker", district="望花区")
    p = make.profile(name="李更正", categories=())
    login(client, cw)
    form = {"name": "李更正", "gender": "男", "district": "望花区", "education": "5", "reason": "核对了毕业证",
            "category": "graduating_year_graduate"}
    r = client.post(f"/caseworker/profiles/{p.id}", data=form)
    assert r.status_code == 302 and r.headers["Location"] == f"/caseworker/people/{p.id}#profile"
    db.refresh(p)
    assert p.education == 5
    page = client.get(f"/caseworker/people/{p.id}").text
    assert 'data-test="correction"' in page and "核对了毕业证" in page
    # a refused correction shows the one page again, with the typed form and the error by its field
    r = client.post(f"/caseworker/profiles/{p.id}", data=dict(form, name="", major="机械设计"))
    assert r.status_code == 422 and 'data-test="person-sections"' in r.text
    assert 'value="机械设计"' in r.text and 'data-error="name"' in r.text
    # the welfare forms on the page come back to it, at their section
    r = client.post(f"/welfare/people/{p.id}/register", data={"basis": "residence", "district": "望花区",
                                                               "registered_on": clock.today().isoformat()})
    assert r.status_code == 302 and r.headers["Location"] == f"/caseworker/people/{p.id}#registration"
    assert db.scalar(select(func.count(Registration.id)).where(Registration.profile_id == p.id)) == 1
    assert 'data-test="registration"' in client.get(f"/caseworker/people/{p.id}").text


# --- the walk-in form and an ID number already on file ------------------------------------

def _holder(make, cipher, district: str, name: str, number: str) -> Profile:
    p = make.profile(name=name, district=district)
    p.id_number_enc, p.id_number_hash = cipher.encrypt(number), cipher.blind_index(number)
    make.s.flush()
    return p


def _walk_in(number: str) -> dict:
    return {"name": "赵来访", "gender": "女", "birth_on": "1990-01-01", "id_number": number, "district": "望花区",
            "education": "3", "major": "会计", "phone": "13800138000"}


def test_an_id_number_of_someone_in_the_district_links_to_their_page(client, db, make, cipher):
    number = _id("19900101", 321)
    holder = _holder(make, cipher, "望花区", "赵已登记", number)
    login(client, make.user("caseworker", district="望花区"))
    before = db.scalar(select(func.count(Profile.id)))
    r = client.post("/caseworker/profiles/new", data=_walk_in(number))
    assert r.status_code == 409
    err = r.text[r.text.index('data-test="error-message"'):]
    err = err[:err.index("</p>")]
    assert "赵已登记" in err and f'href="/caseworker/people/{holder.id}"' in err and 'data-test="existing-person"' in err
    assert 'value="会计"' in r.text and 'value="13800138000"' in r.text and 'value="赵来访"' in r.text  # kept
    assert db.scalar(select(func.count(Profile.id))) == before  # nothing created
    assert not db.scalar(select(AuditEntry.id).where(AuditEntry.entity == "profile", AuditEntry.action == "create",
                                                     AuditEntry.entity_id > holder.id))


def test_an_id_number_of_another_district_names_only_the_district(client, db, make, cipher):
    number = _id("19900101", 654)
    holder = _holder(make, cipher, "顺城区", "孙外区", number)
    login(client, make.user("caseworker", district="望花区"))
    before = db.scalar(select(func.count(Profile.id)))
    r = client.post("/caseworker/profiles/new", data=_walk_in(number))
    assert r.status_code == 409
    assert "已在顺城区登记" in r.text and "请联系顺城区公共就业服务机构" in r.text
    assert "孙外区" not in r.text and f"/caseworker/people/{holder.id}" not in r.text
    assert f"#{holder.id}" not in r.text and 'data-test="existing-person"' not in r.text
    assert 'value="会计"' in r.text and db.scalar(select(func.count(Profile.id))) == before
    # the same answer through the API, for the desk's other clients
    api = client.post("/api/v1/profiles", json={"name": "赵来访", "gender": "女", "birth_on": "1990-01-01",
                                                "id_number": number, "district": "望花区", "education": 3},
                      headers=make.token(make.user("caseworker", district="望花区")))
    err = api.json["error"]
    assert api.status_code == 409 and err["code"] == "id_number_registered" and err["details"][0] == {
        "field": "id_number", "code": "id_number_registered", "district": "顺城区",
        "message": err["details"][0]["message"]}


def test_employers_and_people_cannot_probe_id_numbers(client, db, make, cipher):
    number = _id("19900101", 987)
    _holder(make, cipher, "望花区", "周持有", number)
    for role in ("employer", "agency", "person"):
        user = make.user(role)
        login(client, user)
        assert client.get("/caseworker/profiles/new").status_code == 403
        r = client.post("/caseworker/profiles/new", data=_walk_in(number))
        assert r.status_code == 403 and "周持有" not in r.text and "已登记" not in r.text
        r = client.post("/api/v1/profiles", json={"name": "x", "gender": "女", "birth_on": "1990-01-01",
                                                  "id_number": number, "district": "望花区", "education": 3},
                        headers=make.token(user))
        assert r.status_code == 403
    # the person's own registration answers a taken number as a new one (the oracle rule, unchanged)
    person = make.user("person")
    login(client, person)
    r = client.post("/me/profile", data={"name": "冒名", "gender": "女", "birth_on": "1990-01-01",
                                         "district": "望花区", "education": "4", "id_number": number})
    assert r.status_code == 302 and "已登记" not in client.get("/me/profile").text
