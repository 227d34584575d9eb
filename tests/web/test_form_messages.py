"""Every form, as each role meets it, refused in Chinese and in English (issue 16, section 3).

The demo world is loaded into a fresh database; for each role the pages it can reach are
crawled from its landing page (links followed, one page of each kind), and every
form found on them is posted twice in each language: all fields empty, then all fields
filled with wrong values. Whatever the page then says (the summary above the form, the
message beside a field, a flash, an error page) must:

- never be a 500;
- never name a field by its code (``salary_min``, ``id_number``, ``organisation.name``)
  or show any other code (``validation_failed``, ``not_eligible``);
- in Chinese hold no English sentence, and in English no Chinese one (names of records the
  person is looking at may be Chinese: only messages are checked, with such names removed);
- say 请填写… / "please fill in …" for an empty required field, each reason once.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from marketplace import create_app
from marketplace.app import load_demo_extras
from marketplace.cli import upgrade_database
from marketplace.core import demo

ROLES = ["graduate", "employer", "agency", "caseworker", "organiser", "newhr", None, "admin"]
SKIP_ACTIONS = re.compile(r"/logout|/toggle$|/sign-out$|/me/data$")  # would end the walk or the account
SKIP_LINKS = re.compile(r"\.(csv|xlsx|pdf)$|/events$|/static/|/logout|lang=")
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b(?:validation_failed|not_eligible)\b")
ENGLISH = re.compile(r"[A-Za-z]{3,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: letters a Chinese message may carry: formats and names of things, not English sentences
ALLOWED_LATIN = {"YYYY", "JSON", "Excel", "PDF", "CSV", "XLSX"}


class _Page(HTMLParser):
    """Links, forms (with their fields) and the texts that carry messages."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self.messages = [], [], []
        self._form = None
        self._msg_depth = 0
        self._msg = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if self._msg_depth:
            self._msg_depth += 1
        elif ("flash" in cls or "err" in cls or a.get("data-test") == "error-message"
              or (tag == "section" and "error" in cls)):
            self._msg_depth, self._msg = 1, []
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            field = {"name": a["name"], "tag": tag, "type": (a.get("type") or "text").lower(),
                     "value": a.get("value") or "", "options": []}
            self._form["fields"].append(field)
            if tag == "select":
                self._select = field
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None
        if self._msg_depth:
            self._msg_depth -= 1
            if not self._msg_depth:
                self.messages.append(" ".join("".join(self._msg).split()))

    def handle_data(self, data):
        if self._msg_depth:
            self._msg.append(data)


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(path).path)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path_factory.mktemp("forms")),
                      "SECRET_KEY": "form-walk-secret"})
    app.config["WTF_CSRF_ENABLED"] = False
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        load_demo_extras(s, app.extensions["cipher"])
    yield app
    app.extensions["db"].engine.dispose()


def _crawl(client, start: list[str], limit: int = 45):
    """Pages reachable from ``start`` (one of each shape), and their forms."""
    seen_shapes: dict[str, int] = {}
    queue, visited, forms = list(start), set(), {}
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        r = client.get(url)
        assert r.status_code < 500, f"{url}: {r.status_code}"
        if r.status_code != 200 or "text/html" not in r.content_type:
            continue
        page = parse(r.text)
        for f in page.forms:
            action = urljoin(url, f["action"] or url)
            key = (_shape(action), tuple(sorted(x["name"] for x in f["fields"])))
            forms.setdefault(key, (url, action, f["fields"]))
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or SKIP_LINKS.search(target):
                continue
            path = parts.path + ("?" + parts.query if parts.query else "")
            shape = _shape(path)
            if path not in visited and seen_shapes.get(shape, 0) < 1:
                seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
                queue.append(path)
    return list(forms.values())


_BAD = {"date": "2021-02-30", "number": "-5", "email": "x", "tel": "12", "password": "x"}


def _fill(fields, how: str) -> dict:
    data = {}
    for f in fields:
        if f["type"] in ("hidden", "submit", "button"):
            data[f["name"]] = f["value"]
        elif f["type"] in ("checkbox", "radio", "file"):
            continue
        elif how == "empty":
            data[f["name"]] = ""
        elif f["tag"] == "select":
            data[f["name"]] = "no-such-choice"
        elif f["name"] in ("id_number",):
            data[f["name"]] = "21040219900101123"
        elif f["name"] in ("birth_on", "start_on") or "_on" in f["name"]:
            data[f["name"]] = "2021-02-30"
        elif f["name"] in ("salary_min", "desired_salary_min", "headcount", "period_months", "months", "stipend",
                           "term_months", "graduation_year", "per_slot", "recruiters", "days"):
            data[f["name"]] = "-5"
        else:
            data[f["name"]] = _BAD.get(f["type"], "x")
    return data


def _problems(messages: list[str], lang: str) -> list[str]:
    out = []
    for m in messages:
        if CODE.search(m):
            out.append(f"code in {m!r}")
        if lang == "zh":
            words = [w for w in ENGLISH.findall(m) if w not in ALLOWED_LATIN]
            if words:
                out.append(f"English {words} in {m!r}")
        else:
            # names of records (Chinese) may appear in English pages only inside quotes
            bare = re.sub(r"[“\"「（(][^”\"」）)]*[”\"」）)]", "", m)
            if CHINESE.search(bare):
                out.append(f"Chinese in {m!r}")
    return out


def test_every_form_refuses_in_the_pages_language(demo_app):
    failures, walked = [], 0
    for role in ROLES:
        client = demo_app.test_client()
        if role:
            r = client.post("/login", data={"username": role, "password": demo.PASSWORD})
            assert r.status_code == 302, role
            start = [urlsplit(r.headers["Location"]).path or "/", "/"]
        else:
            start = ["/", "/login", "/register", "/register/employer"]
        forms = _crawl(client, start)
        for where, action, fields in forms:
            if SKIP_ACTIONS.search(urlsplit(action).path):
                continue
            walked += 1
            for how in ("empty", "bad"):
                for lang in ("zh", "en"):
                    sep = "&" if "?" in action else "?"
                    r = client.post(action + sep + f"lang={lang}", data=_fill(fields, how), follow_redirects=True)
                    label = f"{role} {how} {lang} {urlsplit(action).path} (form on {where})"
                    if r.status_code >= 500:
                        failures.append(f"{label}: {r.status_code}")
                        continue
                    failures += [f"{label}: {p}" for p in _problems(parse(r.text).messages, lang)]
    assert walked >= 25, f"only {walked} forms found"
    assert not failures, "\n".join(failures)


def test_an_empty_registration_names_each_field_by_its_label(demo_app):
    client = demo_app.test_client()
    zh = parse(client.post("/register?lang=zh", data={"username": "", "password": "", "display_name": ""}).text)
    summary = zh.messages[0]
    assert "请填写用户名" in summary and "请填写密码" in summary and "请填写显示名称" in summary
    assert "username" not in summary and "display_name" not in summary
    en = parse(client.post("/register?lang=en", data={"username": "ab", "password": "short", "display_name": "x"}).text)
    assert "username:" in en.messages[0].lower() or "Username" in en.messages[0] or "username" in en.messages[0]
    assert not CHINESE.search(en.messages[0])


def test_a_posting_shows_every_error_at_once(demo_app):
    client = demo_app.test_client()
    client.post("/login", data={"username": "employer", "password": demo.PASSWORD})
    r = client.post("/employer/postings/new", data={
        "kind": "internship", "title": "焊工", "description": "负责钢结构焊接工作，按图施工。", "district": "望花区",
        "salary_min": "8000", "salary_max": "5000", "education_min": "0", "headcount": "1"})
    assert r.status_code == 422
    page = parse(r.text)
    summary = page.messages[0]
    assert "最低月薪：最低薪资不能高于最高薪资" in summary
    assert "见习期（月）" in summary and "每月生活补助" in summary  # not hidden behind the salary error
    assert summary.count("最低薪资不能高于最高薪资") == 1


def test_flask_login_asks_in_the_pages_language(demo_app):
    client = demo_app.test_client()
    r = client.get("/me/profile", follow_redirects=True)
    assert "请先登录" in r.text and "Please log in to access" not in r.text
    r = client.get("/me/profile?lang=en", follow_redirects=True)
    assert "Please log in to open this page." in r.text
