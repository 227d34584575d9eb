"""The kinds of document and the plain data a document is laid out as (built by the areas,
drawn by ``render``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Every kind the service serves (``GET /api/v1/documents/<kind>/<id>.pdf``), with its paper title.
KINDS = {
    "internship_agreement": "就业见习协议书",
    "internship_claim": "就业见习补贴申领表",
    "hire_claim": "吸纳就业补贴申领表",
    "referral_letter": "职业介绍信",
    "placement_notice": "公益性岗位安置通知",
    "unemployment_certificate": "失业登记证明",
    "fair_report": "招聘会总结报告",
    "my_data": "我的数据",
}
#: The issuing office printed at the head of every document.
HEADING = "抚顺市公共就业服务中心"


@dataclass
class Fields:
    """A titled block of label/value rows."""
    title: str
    rows: list[tuple[str, str]]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    #: relative column widths (equal when empty)
    widths: list[float] = field(default_factory=list)


@dataclass
class Text:
    text: str


@dataclass
class Document:
    """One paper, as data: the title, its number and date, the blocks in order, and the
    signature lines of each party (e.g. ``"见习单位（盖章）"``)."""
    kind: str
    title: str
    number: str
    issued_on: dt.date
    blocks: list = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    #: a verification code (see ``codes``), printed with a QR code of the check page's address
    verify_code: str | None = None
    #: what the audit entry names (entity, id): the record the document was made from
    record: tuple[str, int] | None = None

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.number.replace('/', '-')}.pdf"


def mask_name(name: str) -> str:
    """``赵**``: the family name (first character) and one star for each other character,
    all a public check page may show of a person."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "*"
