"""The fairs area's printable document (``marketplace.documents``; wired in
``marketplace.app.connect_hooks``): the post-fair report, for the fair's organiser (and
admins), from the same figures as the report page (``report.report``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import User
from marketplace.documents import Document, Fields, Table, Text
from marketplace.fairs.report import report

GROUPS = {"graduating_year_graduate": "高校毕业生", "registered_unemployed": "登记失业人员", "veteran": "退役军人",
          "disabled": "残疾人", "zero_employment_family": "零就业家庭成员", "landless_farmer": "失地农民",
          "poverty_registered": "建档立卡贫困人员", "hubei_origin": "湖北籍人员", "other": "其他"}


def fair_number(fair_id: int, held_on: dt.date) -> str:
    return f"ZPH{held_on.year}-{fair_id:06d}"


def fair_report(session: Session, actor: User, record_id: int) -> Document:
    rep = report(session, actor, record_id)  # own_fair: the organiser's own fair (404), organisers only (403)
    fair = rep["fair"]
    held_on = dt.date.fromisoformat(fair["held_on"])
    blocks = [
        Fields("招聘会", [("名称", fair["name"]), ("举办日期", fair["held_on"]), ("地点", fair["venue"]),
                       ("报名人数", str(rep["registered"])), ("签到人数", str(rep["checked_in"]))]),
        Table("各类人员参会情况", ["人员类别", "报名", "签到"],
              [[GROUPS.get(g["group"], g["group"]), str(g["registered"]), str(g["checked_in"])] for g in rep["groups"]]),
        Table(f"各展位成效（录用统计截至会后{rep['hire_window_days']}天）",
              ["单位", "展位", "面试申请", "面试", "意向", "录用通知", "录用"],
              [[b["organisation"], b["place"] or "—", str(b["requested"]), str(b["interviews"]), str(b["intents"]),
                str(b["offers"]), str(b["hires_30d"])] for b in rep["booths"]], widths=[3, 1, 1, 1, 1, 1, 1]),
        Text("本报告由系统根据报名、签到、面试和录用记录生成。"),
    ]
    return Document("fair_report", "招聘会总结报告", fair_number(fair["id"], held_on), clock.today(), blocks,
                    ["主办单位（盖章）", "报告人（签字）"], record=("fair", fair["id"]))
