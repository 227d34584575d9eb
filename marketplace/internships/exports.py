"""Subsidy claims as others read them: the finance office's CSV / Excel list (ID numbers
masked, the export audited) and the JSON form of the API."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from marketplace import policy as pol
from marketplace import spreadsheets
from marketplace.core import audit
from marketplace.core.models import User
from marketplace.crypto import Cipher, mask_id_number
from marketplace.internships.models import KIND_NAMES, STATE_NAMES, SubsidyClaim

#: the claimant column of a person's own claim (R15)
PERSONAL_CLAIMANT = "本人申领"


def money(v) -> Decimal:
    return Decimal(v or 0).quantize(Decimal("0.01"))


EXPORT_HEADER = ["申领编号 claim", "补贴类别 kind", "状态 state", "申领单位 claimant", "统一社会信用代码 credit code",
                 "姓名 name", "身份证号（脱敏）ID (masked)", "金额（元）amount (yuan)", "规则 rule", "提交日期 submitted",
                 "审批时间 decided", "疑点 flags", "政策集及版本 policy set version"]


def priced_label(c: SubsidyClaim) -> str:
    """The set and version that priced a claim, as pages and exports show it."""
    return f"{c.policy_set} v{c.policy_version}" if c.policy_set and c.policy_version else ""


def export_rows(session: Session, cipher: Cipher, stmt, actor: User | None = None) -> list[list]:
    """Rows for the finance office; ID numbers masked. The export itself is audited (PIPL)."""
    rows = []
    for c in session.scalars(stmt):
        rows.append([c.id, KIND_NAMES[c.kind][0], STATE_NAMES[c.state][0], c.organisation.name if c.organisation else PERSONAL_CLAIMANT,
                     c.organisation.credit_code if c.organisation else "", c.profile.name,
                     mask_id_number(cipher.decrypt(c.profile.id_number_enc)), money(c.amount), c.rule,
                     c.submitted_on.isoformat() if c.submitted_on else "",
                     c.decided_at.strftime("%Y-%m-%d %H:%M") if c.decided_at else "",
                     "；".join(f["zh"] for f in c.flags or []), priced_label(c)])
    if actor is not None:
        audit.record(session, actor, "subsidy_claim", None, "export", after={"rows": len(rows)},
                     reason="导出申领清单（身份证号已脱敏）")
    return rows


def export_csv(rows: list[list]) -> bytes:
    """The list as CSV; text that starts like a formula is neutralised (``marketplace.spreadsheets``)."""
    fmt = lambda v: pol.format_money(v) if isinstance(v, Decimal) else v  # noqa: E731
    return spreadsheets.csv_text(EXPORT_HEADER, rows, fmt=fmt, bom=True).encode("utf-8")


def export_xlsx(rows: list[list]) -> bytes:
    """The list as Excel: amounts as numbers, every text cell stored as text (never a formula)."""
    return spreadsheets.xlsx_bytes("claims", EXPORT_HEADER, rows, number_formats={8: "#,##0.00"})


def claim_to_dict(c: SubsidyClaim) -> dict:
    return {"id": c.id, "kind": c.kind, "state": c.state, "amount": pol.format_money(c.amount),
            "organisation": {"id": c.organisation_id, "name": c.organisation.name} if c.organisation else None,
            "person": {"profile_id": c.profile_id, "name": c.profile.name},
            "agreement_id": c.agreement_id, "application_id": c.application_id,
            "period_from_on": c.period_from_on.isoformat() if c.period_from_on else None,
            "period_to_on": c.period_to_on.isoformat() if c.period_to_on else None,
            "top_up": c.top_up, "rule": c.rule, "policy_set": c.policy_set, "policy_version": c.policy_version, "reason_zh": c.reason_zh, "reason_en": c.reason_en,
            "facts": c.facts, "flags": c.flags or [],
            "withheld": pol.format_money(money(c.withheld)),
            "payable": pol.format_money(money(c.amount) - money(c.withheld)),
            "submitted_on": c.submitted_on.isoformat() if c.submitted_on else None,
            "decided_at": c.decided_at.isoformat() if c.decided_at else None, "decision_note": c.decision_note}
