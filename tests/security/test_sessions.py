"""Finding 9 of issue 13: sessions and credentials. Logging out ends the session on the
server (a replayed cookie downloaded the full data export); a password change, "log out
everywhere" and an admin end the others and revoke API tokens; an admin's reset forces a
new password at the next login; the admin's account pages search, filter and edit, audited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace.core.models import AuditEntry, User, WebSession
from tests.web.test_pages import login


def _person_with_profile(make):
    person = make.user("person")
    make.profile(user=person, name="周敏")
    return person


def _export(client):
    return client.get("/me/data?download=1")


def test_a_cookie_replayed_after_logout_gets_nothing(app, client, make):
    person = _person_with_profile(make)
    login(client, person)
    assert _export(client).status_code == 200 and "周敏" in _export(client).text
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    r = _export(thief)
    assert r.status_code == 302 and "/login" in r.headers["Location"] and "周敏" not in r.text
    client.set_cookie("session", stolen)  # the same browser, the old cookie put back
    assert _export(client).status_code == 302


def test_logging_out_one_browser_leaves_the_others_signed_in(app, client, make):
    person = _person_with_profile(make)
    other = app.test_client()
    login(client, person)
    login(other, person)
    client.post("/logout")
    assert _export(other).status_code == 200


def test_changing_the_password_needs_the_old_one_and_ends_other_sessions_and_every_token(app, client, db, make):
    person = _person_with_profile(make)
    token = make.token(person)
    phone, laptop = app.test_client(), client
    login(phone, person)
    login(laptop, person)
    r = laptop.post("/me/password", data={"old_password": "wrong-pass", "new_password": "new-secret-2",
                                          "confirm_password": "new-secret-2"})
    assert r.status_code == 422 and "当前密码不正确" in r.text
    assert _export(phone).status_code == 200 and laptop.get("/api/v1/me", headers=token).status_code == 200
    r = laptop.post("/me/password", data={"old_password": "secret-pass-1", "new_password": "new-secret-2",
                                          "confirm_password": "new-secret-2"})
    assert r.status_code == 302
    assert _export(laptop).status_code == 200           # this browser stays signed in
    assert _export(phone).status_code == 302            # the other one is signed out
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": person.username,
                                                   "password": "secret-pass-1"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": person.username,
                                                   "password": "new-secret-2"}).status_code == 201
    assert db.scalar(select(AuditEntry).where(AuditEntry.entity_id == person.id,
                                              AuditEntry.action == "change_password")) is not None


def test_changing_the_password_through_the_api_revokes_every_token_and_gives_a_new_one(client, make):
    person = make.user("person")
    first, second = make.token(person), make.token(person)
    r = client.post("/api/v1/auth/password", headers=first, json={"old_password": "nope", "new_password": "new-secret-2"})
    assert r.status_code == 422 and r.json["error"]["field"] == "old_password"
    r = client.post("/api/v1/auth/password", headers=first,
                    json={"old_password": "secret-pass-1", "new_password": "new-secret-2"})
    assert r.status_code == 200
    for old in (first, second):
        assert client.get("/api/v1/me", headers=old).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json['token']}"}).status_code == 200


def test_log_out_everywhere_ends_every_session_and_token(app, client, make):
    person = _person_with_profile(make)
    token = make.token(person)
    other = app.test_client()
    login(client, person)
    login(other, person)
    assert client.post("/logout/everywhere").status_code == 302
    assert _export(client).status_code == 302 and _export(other).status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    # and through the API
    login(other, person)
    token = make.token(person)
    assert client.post("/api/v1/auth/logout-everywhere", headers=token).status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 401 and _export(other).status_code == 302


def test_an_admins_reset_forces_a_new_password_at_the_next_login(app, client, db, make):
    admin, person = make.user("admin"), _person_with_profile(make)
    token = make.token(person)
    browser = app.test_client()
    login(browser, person)
    r = client.post(f"/api/v1/admin/users/{person.id}/password", headers=make.token(admin),
                    json={"password": "temporary-9"})
    assert r.status_code == 200 and r.json["must_change_password"] is True
    assert client.get("/api/v1/me", headers=token).status_code == 401 and _export(browser).status_code == 302
    # the temporary password signs in, and every page leads to the password form until it is changed
    r = browser.post("/login", data={"username": person.username, "password": "temporary-9"})
    assert r.headers["Location"].endswith("/me/password")
    assert browser.get("/me/profile").headers["Location"].endswith("/me/password")
    assert _export(browser).headers["Location"].endswith("/me/password")
    tok = client.post("/api/v1/auth/token", json={"username": person.username, "password": "temporary-9"}).json["token"]
    api = {"Authorization": f"Bearer {tok}"}
    r = client.get("/api/v1/profiles/me", headers=api)
    assert r.status_code == 403 and r.json["error"]["code"] == "password_change_required"
    r = browser.post("/me/password", data={"old_password": "temporary-9", "new_password": "mine-again-3",
                                           "confirm_password": "mine-again-3"})
    assert r.status_code == 302 and _export(browser).status_code == 200
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_id == person.id, AuditEntry.action == "reset_password"))
    assert entry.actor_id == admin.id and "temporary-9" not in str(entry.after)


def test_an_admin_signs_an_account_out_everywhere(app, client, make):
    admin, hr = make.user("admin"), make.user("employer")
    token = make.token(hr)
    browser = app.test_client()
    login(browser, hr)
    assert browser.get("/employer").status_code == 200
    assert client.post(f"/api/v1/admin/users/{hr.id}/sign-out", headers=make.token(admin)).status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert browser.get("/employer").status_code == 302
    assert client.post(f"/api/v1/admin/users/{hr.id}/sign-out", headers=make.token(hr)).status_code == 403


def test_a_deactivated_account_loses_its_sessions(app, client, make):
    admin, person = make.user("admin"), _person_with_profile(make)
    login(client, person)
    r = client.patch(f"/api/v1/admin/users/{person.id}", headers=make.token(admin), json={"is_active": False})
    assert r.status_code == 200 and _export(client).status_code == 302


def test_an_expired_session_is_refused(app, client, db, make):
    person = _person_with_profile(make)
    login(client, person)
    for row in db.scalars(select(WebSession).where(WebSession.user_id == person.id)):
        row.expires_at = dt.datetime(2000, 1, 1)
    db.flush()
    assert _export(client).status_code == 302


def test_the_admin_searches_and_filters_accounts(client, make):
    admin = make.user("admin")
    org = make.org(name="抚顺搜索测试有限公司")
    hr = make.user("employer", organisation=org, display_name="赵人事")
    cw = make.user("caseworker", district="东洲区", display_name="钱经办")
    h = make.token(admin)

    def ids(**args):
        r = client.get("/api/v1/admin/users", headers=h, query_string=dict(args, per_page=100))
        assert r.status_code == 200, r.json
        return {u["id"] for u in r.json["items"]}

    assert hr.id in ids(organisation_id=org.id) and cw.id not in ids(organisation_id=org.id)
    assert cw.id in ids(district="东洲区", role="caseworker") and hr.id not in ids(district="东洲区")
    assert ids(q="赵人事") == {hr.id} and ids(q=hr.username.upper()) == {hr.id}
    assert client.get("/api/v1/admin/users?role=king", headers=h).status_code == 422
    login(client, admin)
    page = client.get("/admin/users", query_string={"organisation_id": org.id}).text
    assert hr.username in page and cw.username not in page


def test_the_admin_edits_an_account_and_it_is_audited(client, db, make):
    admin, person = make.user("admin"), make.user("person")
    org = make.org()
    login(client, admin)
    assert client.get(f"/admin/users/{person.id}").status_code == 200
    r = client.post(f"/admin/users/{person.id}", data={"display_name": "孙经办", "role": "caseworker",
                                                       "district": "", "organisation_id": "", "is_active": "1"})
    assert r.status_code == 422 and "经办人账户须指定所在区" in r.text
    assert db.get(User, person.id).role == "person"
    r = client.post(f"/admin/users/{person.id}", data={"display_name": "孙人事", "role": "employer",
                                                       "organisation_id": str(org.id), "is_active": "1"})
    assert r.status_code == 302
    db.expire_all()
    user = db.get(User, person.id)
    assert (user.display_name, user.role, user.organisation_id) == ("孙人事", "employer", org.id)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.entity_id == person.id,
                                               AuditEntry.action == "update"))
    assert entry.before["role"] == "person" and entry.after["role"] == "employer" and entry.actor_id == admin.id
    r = client.post(f"/admin/users/{admin.id}", data={"display_name": "我", "role": "person", "is_active": "1"})
    assert r.status_code == 409 and db.get(User, admin.id).role == "admin"


def test_only_admins_open_the_account_pages(client, make):
    login(client, make.user("caseworker"))
    assert client.get(f"/admin/users/{make.user('person').id}").status_code == 403


def test_an_account_made_by_an_admin_or_a_colleague_chooses_its_own_password_first(client, make):
    admin, hr = make.user("admin"), make.user("employer")
    made = [client.post("/api/v1/admin/users", headers=make.token(admin),
                        json={"username": "newcw", "password": "chosen-by-admin", "display_name": "新经办",
                              "role": "caseworker", "district": "望花区"}),
            client.post("/api/v1/organisations/me/staff", headers=make.token(hr),
                        json={"username": "newhr", "password": "chosen-by-hr1", "display_name": "新人事"})]
    assert [r.status_code for r in made] == [201, 201] and all(r.json["must_change_password"] for r in made)
    for username, password in (("newcw", "chosen-by-admin"), ("newhr", "chosen-by-hr1")):
        tok = client.post("/api/v1/auth/token", json={"username": username, "password": password}).json["token"]
        h = {"Authorization": f"Bearer {tok}"}
        assert client.get("/api/v1/applications", headers=h).json["error"]["code"] == "password_change_required"
        r = client.post("/api/v1/auth/password", headers=h, json={"old_password": password, "new_password": "my-own-pass"})
        assert client.get("/api/v1/applications", headers={"Authorization": f"Bearer {r.json['token']}"}).status_code \
            == 200
