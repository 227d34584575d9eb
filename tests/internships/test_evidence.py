"""Evidence for claims (issue 16, section 2): the papers the policy set lists per claim kind
(here a copy of fushun-2020 that lists 考勤 for internship claims), uploads checked by their
content, images re-encoded, files stored outside the web root under random names and served
only to the claim's unit and its caseworkers; a claim lacking a paper cannot be submitted and
says which; a refusal for a missing paper is answered by uploading it and resubmitting; the
papers outlive the person's deletion (caseworkers only) and are removed at the retention's end."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace import policy as pol
from marketplace.core import policy_versions
from marketplace.core.models import AuditEntry, PolicySetRecord, User
from marketplace.internships import evidence
from marketplace.internships.models import ClaimEvidence
from marketplace.policy import policy_set
from marketplace.privacy import operations as privacy
from tests.internships.test_claims import sign
from tests.internships.test_pages_flow import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def evidence_set(tmp_path, monkeypatch, db):
    """fushun-2020 listing 考勤 for internship claims and the contract and social-insurance
    record for R6 (as a city that requires papers writes it): as a bundled file, and as a
    version stored in the app (the one claims are judged by), rolled back with the test."""
    for src in policy_set.SETS_DIR.glob("*.json"):
        data = json.loads(src.read_text(encoding="utf-8"))
        if data["name"] == "fushun-2020":
            data["claim_evidence"] = {"internship": ["attendance"], "hiring_r6": ["labour_contract", "social_insurance"]}
            stored = {k: v for k, v in data.items() if k != "name"}
        (tmp_path / src.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(policy_set, "SETS_DIR", tmp_path)
    row = db.scalar(select(PolicySetRecord).where(PolicySetRecord.name == "fushun-2020"))
    policy_versions.add_effective(db, row, stored, "test: papers required", dt.date(2000, 1, 1))
    policy_versions.forget(db)


def png(size=(40, 30), extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue() + extra


def upload(client, make, user, claim_id, data, name="考勤.pdf", kind="attendance"):
    """A browser's multipart upload, encoded here (the test client spools a large body to a
    temporary file it never closes)."""
    b = "----evidenceboundary"
    body = (f'--{b}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    return client.post(f"/api/v1/internships/claims/{claim_id}/evidence", headers=make.token(user), data=body,
                       content_type=f"multipart/form-data; boundary={b}")


@pytest.fixture
def draft(api, world, on_day, evidence_set):
    on_day("2020-06-01")
    ag = sign(api, world)
    r = api(world.hr).post("/internships/claims", {"agreement_id": ag, "submit": False})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_policy_set_lists_evidence_and_refuses_unknown_codes(evidence_set):
    assert pol.load_policy_set("fushun-2020").evidence_required("internship") == ("attendance",)
    assert pol.load_policy_set("fushun-2020-any-early").evidence_required("internship") == ()  # the default
    base = json.loads((policy_set.SETS_DIR / "fushun-2020.json").read_text(encoding="utf-8"))
    for bad, where in (({"internship": ["photo"]}, "claim_evidence.internship"),
                       ({"holiday": ["attendance"]}, "claim_evidence.holiday"), ([], "claim_evidence")):
        with pytest.raises(pol.PolicySetError, match=where.replace(".", r"\.")):
            policy_set.parse_policy_set(dict(base, claim_evidence=bad))


def test_missing_evidence_blocks_submission_naming_it_then_the_upload_lets_it_through(api, client, make, world, draft):
    r = api(world.hr).post(f"/internships/claims/{draft}/submit")
    assert r.status_code == 409 and r.json["error"]["field"] == "evidence"
    assert "考勤记录" in r.json["error"]["message"]["zh"] and "attendance" in r.json["error"]["message"]["en"]
    assert api(world.hr).get(f"/internships/claims/{draft}").json["state"] == "draft"
    r = upload(client, make, world.hr, draft, PDF)
    assert r.status_code == 201, r.json
    assert r.json["content_type"] == "application/pdf" and r.json["kind_name"] == "考勤记录"
    assert api(world.hr).post(f"/internships/claims/{draft}/submit").json["state"] == "submitted"


def test_a_refusal_for_missing_attendance_is_answered_by_upload_and_resubmission(api, client, make, world, draft, db):
    upload(client, make, world.hr, draft, PDF, kind="labour_contract")  # the wrong paper
    assert api(world.hr).post(f"/internships/claims/{draft}/submit").status_code == 409
    # an older claim without the paper reached review (submitted before the set listed it): refused
    ev = db.scalars(select(ClaimEvidence).where(ClaimEvidence.claim_id == draft)).one()
    ev.kind = "attendance"
    db.flush()
    assert api(world.hr).post(f"/internships/claims/{draft}/submit").json["state"] == "submitted"
    ev.kind = "labour_contract"
    db.flush()
    r = api(world.cw).post(f"/internships/claims/{draft}/reject", {"reason": "缺少考勤记录"})
    assert r.json["state"] == "rejected"
    assert upload(client, make, world.hr, draft, PDF).status_code == 201  # allowed after the refusal
    r = api(world.hr).post(f"/internships/claims/{draft}/submit")
    assert r.status_code == 200 and r.json["state"] == "submitted"
    # once submitted, the papers are fixed
    r = upload(client, make, world.hr, draft, PDF)
    assert r.status_code == 409 and r.json["error"]["field"] == "state"


def test_uploads_are_judged_by_content_and_size(client, make, world, draft, app):
    r = upload(client, make, world.hr, draft, b"MZ\x90\x00 not a pdf at all", name="contract.pdf")
    assert r.status_code == 422 and r.json["error"]["field"] == "file"
    assert "PDF、JPEG 或 PNG" in r.json["error"]["message"]["zh"]
    big = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024) + b"\n%%EOF\n"
    r = upload(client, make, world.hr, draft, big)
    assert r.status_code == 422 and r.json["error"]["field"] == "file" and "10 MB" in r.json["error"]["message"]["zh"]
    # a real PNG named .pdf is a PNG: stored as one, re-encoded (the appended bytes are gone)
    r = upload(client, make, world.hr, draft, png(extra=b"<script>alert(1)</script>"), name="scan.pdf")
    assert r.status_code == 201 and r.json["content_type"] == "image/png"
    served = client.get(f"/api/v1/internships/evidence/{r.json['id']}", headers=make.token(world.hr))
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert b"<script>" not in served.data and Image.open(io.BytesIO(served.data)).size == (40, 30)
    assert "scan.pdf" not in served.headers["Content-Disposition"]
    # stored outside the web root, under a random name
    with app.app_context():
        stored = list(evidence.folder().iterdir())
    assert all(p.name != "scan.pdf" and len(p.name) == 32 for p in stored)
    static = Path(app.static_folder).resolve()
    assert all(static not in p.resolve().parents for p in stored)
    r = upload(client, make, world.hr, draft, b"\xff\xd8\xff\xe0 broken jpeg", name="a.jpg")
    assert r.status_code == 422 and r.json["error"]["field"] == "file"


def test_another_employer_and_another_district_get_404(api, client, make, world, draft):
    ev = upload(client, make, world.hr, draft, PDF).json
    for user in (world.other_hr, world.cw_far):
        h = make.token(user)
        assert client.get(f"/api/v1/internships/evidence/{ev['id']}", headers=h).status_code == 404
        assert client.get(f"/api/v1/internships/claims/{draft}/evidence", headers=h).status_code == 404
    assert upload(client, make, world.other_hr, draft, PDF).status_code == 404
    assert client.get(f"/api/v1/internships/evidence/{ev['id']}", headers=make.token(world.cw)).data == PDF
    assert [e["id"] for e in api(world.cw).get(f"/internships/claims/{draft}/evidence").json["items"]] == [ev["id"]]


def test_kept_after_the_persons_deletion_for_caseworkers_only_then_removed(api, client, make, world, draft, db, app):
    ev = upload(client, make, world.hr, draft, PDF).json
    assert dt.date.fromisoformat(ev["retain_until_on"]) == dt.date(2025, 6, 1)  # 5 years after the upload
    with app.test_request_context():
        privacy.delete_account(db, db.get(User, world.profile.user_id), "secret-pass-1")
    db.flush()
    assert client.get(f"/api/v1/internships/evidence/{ev['id']}", headers=make.token(world.hr)).status_code == 404
    assert client.get(f"/api/v1/internships/evidence/{ev['id']}", headers=make.token(world.cw)).data == PDF
    with app.app_context():
        assert evidence.purge(db, dt.date(2025, 6, 1)) == 0  # the last day of the period: kept
        assert evidence.purge(db, dt.date(2025, 6, 2)) == 1
        row = db.get(ClaimEvidence, ev["id"])
        assert row.removed_at is not None and not (evidence.folder() / row.stored_name).exists()
        assert evidence.purge(db, dt.date(2025, 6, 3)) == 0  # idempotent
    assert client.get(f"/api/v1/internships/evidence/{ev['id']}", headers=make.token(world.cw)).status_code == 404
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.entity == "claim_evidence",
                                                 AuditEntry.action == "retention_removed"))


def test_the_claims_page_names_what_is_missing_and_takes_the_upload(client, make, world, draft, db):
    login(client, world.hr)
    page = client.get("/employer/claims").text
    assert "缺少材料" in page and "考勤记录" in page and f'/employer/claims/{draft}/evidence' in page
    r = client.post(f"/employer/claims/{draft}/evidence", content_type="multipart/form-data",
                    data={"kind": "attendance", "file": (io.BytesIO(png()), "kq.png")})
    assert r.status_code == 302
    page = client.get("/employer/claims").text
    assert "材料已上传" in page and "缺少材料" not in page
    ev = db.scalars(select(ClaimEvidence).where(ClaimEvidence.claim_id == draft)).one()
    assert client.get(f"/claims/evidence/{ev.id}").mimetype == "image/png"
    client.post("/logout")
    login(client, world.other_hr)
    assert client.get(f"/claims/evidence/{ev.id}").status_code == 404


def test_the_persons_data_page_says_evidence_outlives_deletion(client, world, db):
    login(client, db.get(User, world.profile.user_id))
    page = client.get("/me/data").text
    assert "保存5年" in page and "仅经办人员可以查看" in page
