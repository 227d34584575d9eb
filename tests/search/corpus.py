"""A small Chinese corpus for the contract tests (postings and profiles)."""
from __future__ import annotations

import datetime as dt

from search import Document

D = dt.date

# id, title, text, skills, fields, updated_on
POSTINGS = [
    ("p-weld", "电焊工", "负责钢结构件的焊接作业，持特种作业操作证优先，两班倒。", ["二氧化碳保护焊", "氩弧焊", "识图"],
     {"kind": "job", "district": "望花区", "education_min": 2, "salary_min": 5000, "salary_max": 7500,
      "employer_type": "enterprise", "status": "published", "open_on": D(2026, 9, 1), "close_on": D(2026, 12, 31),
      "target_group": None, "occupation_code": "6-18-02-04"}, D(2026, 9, 1)),
    ("p-acct", "会计", "负责公司日常做账、报税，编制月度财务报表。", ["用友财务软件", "Excel", "初级会计职称"],
     {"kind": "job", "district": "顺城区", "education_min": 4, "salary_min": 4000, "salary_max": 5500,
      "employer_type": "enterprise", "status": "published", "open_on": D(2026, 8, 15), "close_on": D(2026, 11, 30),
      "target_group": None, "occupation_code": "2-06-03-00"}, D(2026, 8, 15)),
    ("p-soft", "软件工程师", "Java后端开发，参与系统设计和接口联调。", ["Java", "Spring Boot", "MySQL"],
     {"kind": "job", "district": "沈抚示范区", "education_min": 5, "salary_min": 7000, "salary_max": 12000,
      "employer_type": "enterprise", "status": "published", "open_on": D(2026, 10, 1), "close_on": D(2027, 1, 31),
      "target_group": None, "occupation_code": "2-02-10-03"}, D(2026, 10, 1)),
    ("p-recp", "酒店接待员", "负责大堂接待客人、办理入住和退房手续。", ["礼仪", "普通话"],
     {"kind": "internship", "district": "新抚区", "education_min": 3, "salary_min": 2200, "salary_max": 3000,
      "employer_type": "enterprise", "status": "published", "open_on": D(2026, 7, 1), "close_on": D(2026, 10, 31),
      "target_group": "graduate_2026", "occupation_code": "4-03-01-01"}, D(2026, 7, 1)),
    ("p-driv", "驾驶员", "负责公司班车驾驶和车辆日常保养，持B2驾照。", ["B2驾照", "车辆保养"],
     {"kind": "job", "district": "东洲区", "education_min": 2, "salary_min": 4500, "salary_max": 6000,
      "employer_type": "soe", "status": "published", "open_on": D(2026, 9, 10), "close_on": D(2026, 12, 10),
      "target_group": None, "occupation_code": "4-02-01-01"}, D(2026, 9, 10)),
    ("p-clean", "清洁工", "负责办公楼公共区域的日常清洁。", ["吃苦耐劳"],
     {"kind": "public_welfare", "district": "顺城区", "education_min": 0, "salary_min": 1900, "salary_max": 1900,
      "employer_type": "public_institution", "status": "published", "open_on": D(2026, 6, 1), "close_on": D(2026, 12, 31),
      "target_group": "registered_unemployed", "occupation_code": "4-09-08-01"}, D(2026, 6, 1)),
    ("p-cnc", "数控车床操作工", "按图纸加工汽车零件，会对刀和简单修改程序。", ["数控车床", "FANUC系统", "游标卡尺"],
     {"kind": "job", "district": "望花区", "education_min": 3, "salary_min": 5500, "salary_max": 8000,
      "employer_type": "enterprise", "status": "published", "open_on": D(2026, 9, 20), "close_on": D(2026, 12, 20),
      "target_group": None, "occupation_code": "6-18-01-01"}, D(2026, 9, 20)),
    ("p-dcs", "化工装置DCS内操", "石化装置DCS内操，监控工艺参数，四班两倒。", ["DCS操作", "化工工艺"],
     {"kind": "job", "district": "东洲区", "education_min": 4, "salary_min": 6000, "salary_max": 9000,
      "employer_type": "soe", "status": "published", "open_on": D(2026, 8, 1), "close_on": D(2026, 11, 1),
      "target_group": None, "occupation_code": "6-11-01-00"}, D(2026, 8, 1)),
    ("p-care", "养老护理员", "为失能长者提供生活照料、协助进食和翻身，夜班有补贴。", ["生活照料", "养老护理员证"],
     {"kind": "job", "district": "新抚区", "education_min": 2, "salary_min": 3500, "salary_max": 4500,
      "employer_type": "social_org", "status": "published", "open_on": D(2026, 9, 5), "close_on": D(2026, 12, 5),
      "target_group": None, "occupation_code": "4-10-01-05"}, D(2026, 9, 5)),
    ("p-kind", "幼儿教师", "负责幼儿园小班教学与一日保育。", ["教师资格证", "钢琴"],
     {"kind": "job", "district": "抚顺县", "education_min": 4, "salary_min": 3000, "salary_max": 4000,
      "employer_type": "public_institution", "status": "published", "open_on": D(2026, 8, 20), "close_on": D(2026, 10, 20),
      "target_group": None, "occupation_code": "2-08-04-00"}, D(2026, 8, 20)),
    ("p-exp", "快递员", "负责片区包裹派送和揽收。", ["电动三轮车"],
     {"kind": "job", "district": "望花区", "education_min": 0, "salary_min": 5000, "salary_max": 8000,
      "employer_type": "enterprise", "status": "closed", "open_on": D(2026, 5, 1), "close_on": D(2026, 8, 1),
      "target_group": None, "occupation_code": "4-02-07-08"}, D(2026, 5, 1)),
    ("p-acct-intern", "财务助理（见习）", "协助会计整理凭证、核对账目，适合应届毕业生。", ["Excel"],
     {"kind": "internship", "district": "新抚区", "education_min": 4, "salary_min": 1900, "salary_max": 2500,
      "employer_type": "soe", "status": "draft", "open_on": D(2026, 10, 15), "close_on": D(2027, 4, 15),
      "target_group": "graduate_2026", "occupation_code": "2-06-03-00"}, D(2026, 10, 15)),
]

PROFILES = [
    ("s-1", "求职: 电焊", "有三年电焊经验，会氩弧焊，想在望花区找工作。", ["电焊", "氩弧焊"],
     {"district": "望花区", "education": 2, "categories": ["registered_unemployed"], "graduation_year": 2015,
      "published": True, "consent": True, "desired_salary": 6000}, D(2026, 9, 1)),
    ("s-2", "会计专业应届生", "财务管理专业本科毕业，熟悉用友软件，想做会计。", ["会计", "Excel"],
     {"district": "顺城区", "education": 5, "categories": ["graduate_2026", "hubei_origin"], "graduation_year": 2026,
      "published": True, "consent": True, "desired_salary": 4500}, D(2026, 8, 1)),
    ("s-3", "退役军人", "部队汽车兵，开大车十年，找司机工作。", ["A2驾照"],
     {"district": "东洲区", "education": 3, "categories": ["veteran", "registered_unemployed"], "graduation_year": 2008,
      "published": False, "consent": True, "desired_salary": 5000}, D(2026, 7, 1)),
]


def _docs(rows, doc_type):
    return [Document(id=i, doc_type=doc_type, title=t, text=x, skills=list(s), fields=dict(f), updated_on=u)
            for i, t, x, s, f, u in rows]


def postings() -> list[Document]:
    return _docs(POSTINGS, "posting")


def profiles() -> list[Document]:
    return _docs(PROFILES, "profile")


def passage_text(d: Document) -> str:
    return f"{d.title}。{' '.join(d.skills)}。{d.text}"
