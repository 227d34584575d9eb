"""Ranking behaviour a caseworker, an employer or a job seeker would notice."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from marketplace import policy as pol
from matching import (
    PostingData,
    ProfileData,
    Ranker,
    embed_postings,
    embed_profiles,
    rank_postings_for_profile,
    rank_profiles_for_posting,
)
from matching.devset import with_decisions
from matching.features import experience_years, parse_desired_salary, parse_limits
from matching.retrieval import posting_document, search_candidates
from search import get_backend
from tests.matching.conftest import TODAY, decided, posting, profile

WELDER_POST = posting(
    id="weld", title="二保焊电焊工", district="望花区", education_min="初中", salary_min=5500, salary_max=8000,
    description="负责钢结构件二氧化碳气体保护焊焊接，按图纸施焊。",
    requirements="初中及以上，男，55周岁以下；持有效熔化焊接与热切割作业证；能看懂钢结构图纸。",
    skills=["二保焊", "焊工证", "钢结构看图"],
)


def test_eligible_skilled_local_welder_ranks_above_an_ineligible_one(encoder):
    good = profile(id="good", birth_year=1988, district="望花区", education="中专", skills=["焊工证（熔化焊接与热切割）", "二保焊", "手工电弧焊"],
                   experience="在钢结构厂干了6年电焊，二保焊为主。", desired="电焊工；望花区；6000左右")
    too_old = profile(id="old", birth_year=1960, district="望花区", education="中专", skills=["焊工证", "二保焊", "钢结构看图"],
                      experience="干了30年电焊。", desired="电焊工；望花区；5000以上")
    woman = profile(id="woman", gender="女", birth_year=1990, district="望花区", education="中专", skills=["焊工证", "二保焊"],
                    experience="在厂里干了5年电焊。", desired="电焊工；望花区")
    page = rank_profiles_for_posting(WELDER_POST, [too_old, woman, good], today=TODAY, encoder=encoder, include_ineligible=True)
    ids = [it.id for it in page.items]
    assert ids[0] == "good" and page.items[0].eligible
    assert page.total == 1 and page.excluded == 2
    reasons = {it.id: {r["code"] for r in it.ineligible} for it in page.items}
    assert reasons["old"] == {"age"} and reasons["woman"] == {"gender"}
    # without include_ineligible the ineligible are not shown at all
    assert [it.id for it in rank_profiles_for_posting(WELDER_POST, [too_old, woman, good], today=TODAY, encoder=encoder).items] == ["good"]


def test_junior_college_graduate_is_not_top_for_a_bachelor_only_post(encoder):
    post = posting(id="java", title="Java开发工程师", district="沈抚示范区", education_min="本科", salary_min=6000, salary_max=10000,
                   description="负责后端接口开发和维护。", requirements="本科及以上，计算机相关专业；熟悉Spring Boot、MySQL。",
                   skills=["Java", "Spring Boot", "MySQL"])
    dazhuan = profile(id="dazhuan", education="大专", major="软件技术", district="沈抚示范区", skills=["Java", "Spring Boot", "MySQL", "Redis"],
                      experience="做了3年Java后端开发。", desired="Java开发；沈抚示范区；7000以上", summary="Java后端写了三年，Spring Boot很熟。")
    benke = profile(id="benke", education="本科", major="计算机科学与技术", district="望花区", skills=["Java", "MySQL", "Git"],
                    experience="做了2年Java开发。", desired="Java后端开发；沈抚或市区；6000以上", summary="计算机本科，做Java开发。")
    page = rank_profiles_for_posting(post, [dazhuan, benke], today=TODAY, encoder=encoder)
    assert [it.id for it in page.items][0] == "benke"
    low = next(it for it in page.items if it.id == "dazhuan")
    assert "education_below" in {g["code"] for g in low.explanation.gaps}
    assert "学历低于要求" in low.explanation.gaps_zh and "education below" in low.explanation.gaps_en


def test_2017_graduate_is_excluded_from_a_2020_2021_internship(encoder):
    intern = posting(id="intern", kind="internship", title="施工技术见习员", district="东洲区", education_min="大专",
                     salary_min=2000, salary_max=2800, period_months=6, stipend=2000,
                     requirements="大专及以上，土木工程专业，2020、2021届毕业生；会CAD。", skills=["AutoCAD", "施工图识读"])
    old = decided(profile(id="g2017", categories=["graduate_other_year", "registered_unemployed"], education="本科",
                          graduation_year=2017, major="土木工程", skills=["AutoCAD", "施工图识读"], desired="施工员；东洲区",
                          district="东洲区"))
    new = decided(profile(id="g2020", categories=["graduate_2020"], education="大专", graduation_year=2020,
                          major="建筑工程技术", skills=["AutoCAD", "施工图识读"], desired="施工员；东洲区", district="东洲区",
                          birth_year=1998))
    page = rank_profiles_for_posting(intern, [old, new], today=TODAY, encoder=encoder, include_ineligible=True)
    assert [it.id for it in page.items if it.eligible] == ["g2020"]
    assert "R1" in page.items[0].explanation.reasons_zh  # the engine's reason: in an eligible cohort
    refused = page.items[1].ineligible[0]
    assert refused["code"] == "internship" and "不属于见习补贴范围人员" in refused["zh"]
    # seen from the 2017 graduate: the internship is not recommended at all
    assert rank_postings_for_profile(old, [intern], today=TODAY, encoder=encoder).items == []


def test_matching_follows_the_engines_decisions_and_never_its_own(encoder):
    pw = posting(id="pw", kind="public_welfare", title="公园保洁员（公益性岗位）", skills=["保洁"])
    intern = posting(id="in", kind="internship", title="行政见习生", skills=["保洁"])
    # a zero-employment-family member the engine was not asked about: no decision, not eligible
    undecided = profile(id="u", categories=["zero_employment_family"], skills=["保洁"])
    # a person with no category at all whom the engine found eligible for both
    granted = profile(id="g", categories=[], skills=["保洁"], public_welfare_eligible=True,
                      public_welfare_reason=("R8 已登记为就业困难人员", "R8 registered hard-to-employ"), priority_tier=1,
                      priority_reason=("R9 第1优先层级：零就业家庭成员", "R9 priority tier 1"),
                      internship_eligible=True, internship_reason=("R1 属于见习补贴范围人员", "R1 in an eligible cohort"))
    r = Ranker([pw, intern], [undecided, granted], encoder=encoder, today=TODAY)
    assert r.rank_postings("u").items == []
    items = r.rank_postings("g").items
    assert {it.id for it in items} == {"pw", "in"}
    pw_item = next(it for it in items if it.id == "pw")
    assert "R8 已登记为就业困难人员" in pw_item.explanation.reasons_zh
    assert "R9 第1优先层级" in pw_item.explanation.reasons_zh


def test_public_welfare_post_only_for_hard_to_employ_people_and_tier1_first(encoder):
    pw = posting(id="pw", kind="public_welfare", title="环卫保洁员（公益性岗位）", district="望花区", salary_min=1700, salary_max=1800,
                 requirements="不限学历，就业困难人员，女50周岁以下、男60周岁以下。", skills=["道路清扫", "垃圾清运"])
    common = dict(skills=["打扫卫生"], desired="保洁；望花区；1800以上", district="望花区", experience="做过5年保洁。")
    zero = decided(profile(id="zero", categories=["zero_employment_family", "registered_unemployed"],
                           unemployed_since=dt.date(2021, 5, 1), **common))
    longterm = decided(profile(id="long", categories=["registered_unemployed"], unemployed_since=dt.date(2019, 1, 1),
                               **common))
    recent = decided(profile(id="recent", categories=["registered_unemployed"], unemployed_since=dt.date(2021, 6, 1),
                             **common))
    page = rank_profiles_for_posting(pw, [recent, longterm, zero], today=TODAY, encoder=encoder)
    assert [it.id for it in page.items] == ["zero", "long"]  # R9 tier 1 first; short-term unemployed excluded
    assert "r9_tier1" in {r["code"] for r in page.items[0].explanation.reasons}


def test_reasons_list_the_matched_skills_in_both_languages(encoder):
    person = profile(id="w", skills=["焊工证（熔化焊接与热切割）", "二保焊"], experience="钢结构厂干了6年电焊，会看钢结构图纸。",
                     desired="电焊工；望花区；6000左右", district="望花区", education="中专")
    page = rank_postings_for_profile(person, [WELDER_POST], today=TODAY, encoder=encoder)
    ex = page.items[0].explanation
    assert set(ex.matched_skills) == {"二保焊", "焊工证", "钢结构看图"}
    assert ex.reasons_zh.startswith("技能匹配: 二保焊, 焊工证, 钢结构看图")
    assert "skills matched: 二保焊, 焊工证, 钢结构看图" in ex.reasons_en
    assert "学历符合" in ex.reasons_zh and "同区" in ex.reasons_zh and "same district" in ex.reasons_en
    assert ex.missing_skills == []
    # a person without the licence sees it as a gap
    novice = profile(id="n", skills=["手工活"], desired="普工；望花区", district="顺城区")
    ex2 = rank_postings_for_profile(novice, [WELDER_POST], today=TODAY, encoder=encoder).items[0].explanation
    assert "二保焊" in ex2.missing_skills and "缺少技能" in ex2.gaps_zh and "missing skills" in ex2.gaps_en


def test_far_county_and_low_pay_are_gaps_and_rank_lower(encoder):
    city = posting(id="city", title="超市收银员", district="望花区", salary_min=2300, salary_max=2800, skills=["收银", "点钞"])
    county = posting(id="county", title="超市收银员", district="清原满族自治县", salary_min=2300, salary_max=2800, skills=["收银", "点钞"])
    person = profile(id="c", skills=["收银", "点钞"], experience="超市收银6年。", desired="收银员；望花区；2500以上", district="望花区")
    page = rank_postings_for_profile(person, [county, city], today=TODAY, encoder=encoder)
    assert [it.id for it in page.items] == ["city", "county"]
    assert "far_district" in {g["code"] for g in page.items[1].explanation.gaps}
    rich = profile(id="r", skills=["收银"], desired="收银员；望花区；6000以上", district="望花区")
    gaps = rank_postings_for_profile(rich, [city], today=TODAY, encoder=encoder).items[0].explanation.gaps
    assert "salary_below" in {g["code"] for g in gaps}


def test_pagination_is_consistent_both_ways(encoder):
    posts = [posting(id=f"p{i}", title=t, skills=[t]) for i, t in enumerate(["保洁员", "保安员", "收银员", "快递员", "厨师", "电工"])]
    people = [profile(id=f"s{i}", skills=[t], desired=t) for i, t in enumerate(["保洁", "保安", "收银", "快递", "炒菜"])]
    r = Ranker(posts, people, encoder=encoder, today=TODAY)
    full = [it.id for it in r.rank_postings("s1", limit=100).items]
    paged = [it.id for k in range(0, 6, 2) for it in r.rank_postings("s1", offset=k, limit=2).items]
    assert full == paged and len(full) == 6 and full[0] == "p1"
    page = r.rank_profiles("p0", offset=1, limit=2)
    assert page.total == 5 and [it.rank for it in page.items] == [2, 3]
    assert r.rank_profiles("p0", limit=1).items[0].id == "s0"


def test_requirement_text_parsing_is_general():
    lim = parse_limits(posting(requirements="高中/中专及以上，女性，45周岁以下；持健康证，有保育员证者优先。"))
    assert (lim.gender, lim.age_max) == ("女", 45) and lim.licences == ["健康"]
    lim = parse_limits(posting(requirements="不限学历，就业困难人员，女50周岁以下、男60周岁以下；男女不限的说法不在此处。"))
    assert lim.gender is None and lim.age_max_by_gender == {"女": 50, "男": 60}
    lim = parse_limits(posting(requirements="初中及以上，18-45周岁，男女不限；3年以上仓储经验；持叉车证者优先。"))
    assert (lim.age_min, lim.age_max, lim.gender, lim.exp_years, lim.licences) == (18, 45, None, 3.0, [])
    lim = parse_limits(posting(requirements="高中及以上；有5年以上养殖经验者学历可放宽至初中。"))
    assert lim.waiver is not None and lim.waiver[0] == 5 and lim.waiver[2] == 2
    assert parse_desired_salary("收银员；顺城区；2000到3000") == 2000
    assert parse_desired_salary("工资不挑") is None
    assert experience_years("干了十多年车工，之前在部队3年") == 10
    assert experience_years("2016年入伍") == 0


def test_education_waiver_for_experience(encoder):
    post = posting(id="mush", title="食用菌种植技术员", district="清原满族自治县", education_min="高中/中专",
                   requirements="高中/中专及以上；有3年以上食用菌种植经验者学历可放宽至初中。", skills=["出菇管理", "菌棒制作"])
    grower = profile(id="g", education="初中", district="清原满族自治县", skills=["香菇菌棒制作", "出菇管理", "黑木耳种植"],
                     experience="跟着合作社种了5年香菇和黑木耳。", desired="蘑菇技术员；清原本地")
    item = rank_postings_for_profile(grower, [post], today=TODAY, encoder=encoder).items[0]
    assert item.features["edu_below"] == 0
    assert "education_waived" in {r["code"] for r in item.explanation.reasons}


def test_candidates_from_the_search_backend_are_reranked(encoder):
    posts = [WELDER_POST,
             posting(id="cashier", title="超市收银员", skills=["收银", "点钞"], description="超市收银，服务顾客。"),
             posting(id="guard", title="小区保安员", skills=["门岗值守", "巡逻"], description="小区门岗和夜间巡逻。")]
    person = profile(id="w", skills=["焊工证", "二保焊"], experience="干了6年电焊。", desired="电焊工；望花区", education="中专")
    pv, sv = embed_postings(posts, encoder), embed_profiles([person], encoder)
    be = get_backend("embedded")
    be.index([posting_document(p, pv[i]) for i, p in enumerate(posts)])
    cands = search_candidates(be, "posting", person.desired, sv[0], k=2)
    be.close()
    assert "weld" in cands and len(cands) == 2
    r = Ranker(posts, [person], encoder=encoder, today=TODAY, posting_vectors=pv, profile_vectors=sv)
    page = r.rank_postings("w", candidates=cands, include_ineligible=True)
    assert page.items[0].id == "weld" and {it.id for it in page.items} == set(cands)
    assert page.total + page.excluded == 2


def test_a_long_lived_index_ranks_documents_it_does_not_hold(encoder):
    posts = [WELDER_POST, posting(id="cashier", title="超市收银员", skills=["收银", "点钞"], description="超市收银。")]
    r = Ranker(posts, [], encoder=encoder, today=TODAY)  # postings only, as a web worker would keep them
    person = profile(id="new", skills=["收银", "点钞", "生僻技能词"], experience="超市收银6年。", desired="收银员；望花区")
    page = r.rank_postings_for(person, limit=5)
    assert page.items[0].id == "cashier" and "收银" in page.items[0].explanation.matched_skills
    vocab_size = len(r.vocab)
    r.rank_postings_for(person)
    assert len(r.vocab) == vocab_size  # one-off queries do not grow the shared index
    people = Ranker([], [profile(id="w", skills=["焊工证", "二保焊"], experience="电焊6年。", desired="电焊工", education="中专")],
                    encoder=encoder, today=TODAY)
    assert people.rank_profiles_for(WELDER_POST).items[0].id == "w"


def test_targeted_and_closed_posts_are_filtered_with_reasons(encoder):
    targeted = posting(id="vet", title="事业单位管理岗", target_group="veteran_college_2020", skills=["公文写作"])
    closed = posting(id="closed", title="仓库管理员", is_open=False, skills=["仓库管理"])
    soon_closed = posting(id="expired", title="仓管", closes_on=dt.date(2021, 8, 31), skills=["仓库管理"])
    # the engine's R14 decision: the set's group the person's records place them in
    vet = profile(id="v", categories=["veteran"], skills=["公文写作", "仓库管理"], target_groups=["veteran_college_2020"])
    civ = profile(id="c", categories=["registered_unemployed"], skills=["公文写作", "仓库管理"])
    r = Ranker([targeted, closed, soon_closed], [vet, civ], encoder=encoder, today=TODAY)
    assert [it.id for it in r.rank_postings("v").items] == ["vet"]
    page = r.rank_postings("c", include_ineligible=True)
    assert page.total == 0
    why = {it.id: [x["code"] for x in it.ineligible] for it in page.items}
    assert why == {"vet": ["target_group"], "closed": ["open"], "expired": ["open"]}
    json.dumps(page.to_dict(), ensure_ascii=False)  # the API can serialise it as is


def test_empty_pools_give_empty_pages():
    none = np.zeros((0, 384), dtype=np.float32)
    r = Ranker([], [], posting_vectors=none, profile_vectors=none, today=TODAY)
    unit = np.full(384, 384 ** -0.5, dtype=np.float32)
    assert r.rank_postings_for(ProfileData(id="x"), vector=unit).to_dict()["items"] == []
    page = r.rank_profiles_for(PostingData(id="y"), vector=unit)
    assert (page.items, page.total, page.excluded) == ([], 0, 0)


def test_r1_cohorts_are_the_policy_sets_parameters():
    """A city that edits its set's cohorts (here: the graduating year moved to 2017) changes
    who is offered internships, with no code change: the cohort years, ages and months are data."""
    bundled = pol.list_policy_sets()[0]
    data = json.loads((Path(pol.__file__).parent / "sets" / f"{bundled}.json").read_text(encoding="utf-8"))
    for c in data["rules"]["R1"]["cohorts"]:
        if c.get("graduation_year") == 2020:
            c["graduation_year"] = 2017
    edited = pol.parse_policy_set(data)
    person = profile(id="g2017", categories=["graduate_2017"], education="本科", graduation_year=2017)
    assert decided(person).internship_eligible is False
    assert with_decisions(edited, person, {}, TODAY).internship_eligible is True
    bad = json.loads(json.dumps(data))
    bad["rules"]["R1"]["cohorts"][1]["age_min"] = 30
    with pytest.raises(pol.PolicySetError, match="age_min"):
        pol.parse_policy_set(bad)
