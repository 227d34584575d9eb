"""The person's "我的数据" as a paper (``marketplace.documents`` kind ``my_data``; wired in
``marketplace.app.connect_hooks``): the same content as the "my data" page and its JSON
download (``operations.export``, drawn through ``readable``), for the person alone.

The record id in the address is the person's own account id: only the person themself gets
it (anyone else signed in as a person gets 404 for another's id; staff get the export's 403,
as the JSON download gives them). The documents service audits the download against the
account (``user``). Its labels are Chinese, as every paper of the documents service is."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import User
from marketplace.documents import Document, Fields, Table, Text
from marketplace.errors import Forbidden, NotFound
from marketplace.privacy import operations as privacy
from marketplace.privacy.readable import readable
from marketplace.web import cipher

#: a list of records shown as a table up to this many columns; wider ones as one block each
MAX_COLUMNS = 6


def number(user: User, today) -> str:
    return f"GRSJ{today:%Y%m%d}-{user.id:06d}"


def _flat(node, sep: str = "\n") -> str:
    """A node as the text of one cell: nested records on their own lines."""
    if node["kind"] == "text":
        return node["text"]
    if node["kind"] == "fields":
        return sep.join(f"{label}：{_flat(v, '，')}" for label, v in node["items"])
    return "\n".join(_flat(row, "，") for row in node["items"]) or "—"


def _width(text: str) -> int:
    """How wide a cell's longest line is, a Chinese character counting as two."""
    return max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.split("\n"))


def _records(label: str, rows: list) -> list:
    """A list of records: one table when the records are narrow enough, else one labelled
    block per record (an interview's dozen facts do not fit across A4)."""
    header: list[str] = []
    for row in rows:
        for name, _v in (row["items"] if row["kind"] == "fields" else []):
            if name not in header:
                header.append(name)
    if not header or any(row["kind"] != "fields" for row in rows):
        return [Fields(label, [(str(i), _flat(row)) for i, row in enumerate(rows, 1)])]
    if len(header) > MAX_COLUMNS:
        return [Fields(f"{label}（{i}）", [(name, _flat(v)) for name, v in row["items"]]) for i, row in enumerate(rows, 1)]
    cells = [[_flat(dict(row["items"]).get(name, {"kind": "text", "text": "—"})) for name in header] for row in rows]
    # columns as wide as what they hold (a history of moves needs more room than a stage)
    widths = [min(max(_width(r[c]) for r in cells + [header]), 40) + 4 for c in range(len(header))]
    return [Table(label, header, cells, widths)]


def my_data(session: Session, actor: User, record_id: int) -> Document:
    if actor.role != "person":
        raise Forbidden("只有求职者本人可以下载个人数据", "only the person can download their own data")
    if record_id != actor.id:
        raise NotFound("个人数据", "personal data")
    data = privacy.export(session, cipher(), actor)
    tree = readable(data, "zh")
    today = clock.today()
    name = (data.get("profile") or {}).get("name") or actor.display_name
    blocks: list = [Text(f"本文件列出抚顺市公共就业服务平台保存的关于{name}的全部个人数据，内容与“我的数据”页面及数据文件相同，"
                         f"由本人于{today.isoformat()}下载。其中含身份证号和手机号，请妥善保管。")]
    loose: list[tuple[str, str]] = []
    for (_key, raw), (label, node) in zip(data.items(), tree["items"]):
        if isinstance(raw, list) and not raw:
            blocks.append(Table(label, [], []))  # drawn as the section with "（无）"
        elif node["kind"] == "text":
            loose.append((label, node["text"]))
        elif node["kind"] == "fields":
            rows = [(lab, _flat(v)) for lab, v in node["items"]]
            blocks.append(Fields(label, rows))
        else:
            blocks.extend(_records(label, node["items"]))
    if loose:
        blocks.insert(1, Fields("", loose))
    return Document("my_data", "我的数据", number(actor, today), today, blocks, record=("user", actor.id))
