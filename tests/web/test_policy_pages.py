"""The policy administrator's pages: sets and versions, a draft edited in a form (a bad value
is shown beside its field with the rule and field named, nothing saved), the preview with the
differences highlighted, activation from a past date refused without a justification; a
training set in force is labelled on every page."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from marketplace.core import policy_versions


@pytest.fixture
def admin_client(client, make):
    user = make.user("admin")
    assert client.post("/login", data={"username": user.username, "password": "secret-pass-1"}).status_code == 302
    return client


def test_an_admin_edits_previews_and_activates_a_draft_in_the_pages(admin_client, app):
    c = admin_client
    app.config["MARKETPLACE"].extra["TODAY"] = "2020-06-01"
    try:
        page = c.get("/admin/policy").text
        assert 'data-set="fushun-2020"' in page and "data-test=\"city-default\"" in page
        r = c.post("/admin/policy/fushun-2020/copy", data={"from_version": "1"})
        url = r.location
        form = c.get(url).text
        assert "见习补贴标准（元/月）" in form and "R4 对距见习协议确定的见习期不足1/3时" in form
        r = c.post(url, data={"R2.monthly_rate": "-5", "R4.window.from": "2020-01-01"})
        assert r.status_code == 422
        assert re.search(r'data-error="R2.monthly_rate">[^<]*rules.R2.monthly_rate', r.text)
        assert 'value="1500.00"' in c.get(url).text  # nothing saved
        r = c.post(url, data={"R4.window.from": "2021-01-01"})  # from after to
        assert r.status_code == 422 and 'data-error="R4.window.from"' in r.text
        assert c.post(url, data={"R2.monthly_rate": "1800.00"}).status_code == 302
        preview = c.get(url + "/preview?effective_from=2020-06-02").text
        assert "rules.R2.monthly_rate" in preview and 'class="changed"' in preview and "10800.00" in preview
        r = c.post(url + "/activate", data={"effective_from": "2020-05-01"})
        assert r.status_code == 422 and 'data-error="justification"' in r.text
        assert c.post(url + "/activate", data={"effective_from": "2020-06-02"}).status_code == 302
        assert "已生效 effective" in c.get(url).text
    finally:
        app.config["MARKETPLACE"].extra.pop("TODAY", None)


def test_a_training_set_in_force_is_labelled_on_every_page(admin_client, db, city_set):
    policy_versions.install_training(db, dt.date(2026, 12, 1), make_default=False)
    city_set(policy_versions.TRAINING_SET)
    for url in ("/", "/postings", "/admin/policy"):
        text = admin_client.get(url).text
        assert "演示/培训用，非本市现行政策" in text and "demo/training" not in text, url  # no English on a Chinese page
    assert "demo/training policy set" in admin_client.get("/?lang=en").text
