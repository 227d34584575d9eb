"""The person's "我的数据" as a PDF: the same content as the my-data page (name, applications
with their postings and stages named in Chinese, the areas' records), from the link on that
page, for the person alone (another person: 404; staff: 403, as the JSON download), and the
download is in the audit log."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import AuditEntry
from tests.documents.test_documents import get, text_of
from tests.web.test_pages import login


def _flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def test_my_data_pdf_holds_what_the_page_shows_in_chinese(client, make, db, world):
    w = world
    login(client, w.person)
    page = client.get("/me/data").text
    link = f"/documents/my_data/{w.person.id}.pdf"
    assert link in page and "下载 PDF 文件" in page

    text = _flat(text_of(client.get(link)))
    for expected in ("我的数据", "抚顺市公共就业服务中心", "张三", w.phone_a, "望花区",
                     # the application: its posting, employer and stage, named as the page names them
                     "我的申请", "电焊工", "甲焊接有限公司", "已申请",
                     # the areas' records: the agency's introduction and its note, the registration, the fair
                     "人力资源机构的推荐", "丙人力资源有限公司", "数据录入经验", "未答复", "失业登记",
                     w.reg_a.registered_on.isoformat(), "窗口", "招聘会面试", "已确认",
                     "残疾人", "申请岗位的面试", "甲公司三楼会议室", "站内通知", "测试通知",
                     "就业见习协议", "（无）"):
        assert expected in text, expected
    # codes are named, not printed; no form field is left without its label
    for code in ("applied", "unanswered", "confirmed", "desk", "此项"):
        assert code not in text, code

    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "document_download")).all()[-1]
    assert (entry.entity, entry.entity_id, entry.actor_id, entry.after["document"]) == (
        "user", w.person.id, w.person.id, "my_data")


def test_only_the_person_gets_their_own(client, make, world):
    w = world
    other = make.user("person")
    make.profile(user=other, name="赵敏")
    # another person asking for this person's paper: not found (its existence is not revealed)
    r = get(client, make, other, "my_data", w.person.id)
    assert r.status_code == 404
    # the other person's own paper is theirs, not this person's
    text = text_of(get(client, make, other, "my_data", other.id))
    assert "赵敏" in text and "张三" not in text
    # staff cannot download a person's data, as the JSON download refuses them (403)
    for who in ("cw_x", "admin", "hr_a"):
        assert get(client, make, w.users[who], "my_data", w.person.id).status_code == 403, who
        assert client.get("/api/v1/me/data", headers=make.token(w.users[who])).status_code == 403, who
    # through the page route too: a caseworker signed in gets 403 (the export's refusal)
    login(client, w.users["cw_x"])
    assert client.get(f"/documents/my_data/{w.person.id}.pdf").status_code == 403
    client.post("/logout")
    login(client, other)
    assert client.get(f"/documents/my_data/{w.person.id}.pdf").status_code == 404
