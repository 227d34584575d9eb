"""Matching as employers and people notice it: the right people first, hard filters
respected, every place with its reasons; and only for those entitled to see it."""
from __future__ import annotations

import pytest

from marketplace import clock
from marketplace.core import recommend
from marketplace.core.matchdata import posting_data, profiles_data
from marketplace.core.models import Posting, Profile, User
from marketplace.internships import agreements
from matching import Ranker


def _user(make, profile):
    return make.s.get(User, profile.user_id)


def test_skilled_local_eligible_candidate_ranks_first_with_reasons(client, make):
    org = make.org(district="望花区")
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr, title="电焊工", district="望花区", education_min=3,
                        description="负责钢结构和压力管道焊接，按图纸施工，需持焊工证。", skills=["电焊", "氩弧焊", "焊工证"],
                        requirements="高中/中专及以上，持焊工证")
    make.profile(name="王强", district="望花区", education=3, skills=["电焊", "氩弧焊", "焊工证"],
                 desired_jobs="电焊工", summary="做了八年电焊，有焊工证")
    make.profile(name="李伟", district="清原满族自治县", education=3, skills=["电焊"], desired_jobs="电焊工",
                 summary="会电焊")
    make.profile(name="赵刚", district="望花区", education=2, skills=["电焊", "氩弧焊"], desired_jobs="电焊工",
                 summary="电焊学徒三年")
    make.profile(name="孙丽", district="望花区", education=3, skills=["炒菜", "面点"], desired_jobs="厨师",
                 summary="会做家常菜")
    r = client.get(f"/api/v1/postings/{post.id}/candidates?per_page=10&include_ineligible=1", headers=make.token(hr))
    assert r.status_code == 200, r.json
    names = [i["profile"]["name"] for i in r.json["items"]]
    assert names[0] == "王强"
    assert names.index("孙丽") > names.index("李伟")
    top = r.json["items"][0]
    assert "电焊" in top["matched_skills"] and "技能匹配" in top["reasons"]["zh"] and "skills" in top["reasons"]["en"]
    assert "education_meets" in top["reason_codes"]
    low = next(i for i in r.json["items"] if i["profile"]["name"] == "赵刚")
    assert low["rank"] > 1 and ("education_below" in low.get("gap_codes", []) or not low["eligible"])


def test_a_college_person_is_not_top_for_a_bachelor_only_post(client, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr, title="总账会计", education_min=5, district="新抚区",
                        description="负责总账、报表和纳税申报。", skills=["总账", "纳税申报", "财务报表"],
                        requirements="本科及以上学历，会计相关专业")
    make.profile(name="大专生", district="新抚区", education=4, skills=["总账", "纳税申报", "财务报表"],
                 desired_jobs="会计", major="会计")
    make.profile(name="本科生", district="新抚区", education=5, skills=["总账", "财务报表"], desired_jobs="会计",
                 major="会计学")
    r = client.get(f"/api/v1/postings/{post.id}/candidates?include_ineligible=1", headers=make.token(hr))
    assert r.json["items"][0]["profile"]["name"] == "本科生"


def test_recommendations_for_a_person_respect_internship_eligibility(client, make):
    org = make.org(internship_base=True)

    make.posting(organisation=org, kind="internship", title="会计见习生", education_min=4, skills=["记账"],
                 description="协助会计整理凭证和账簿，学习纳税申报。")
    make.posting(organisation=org, kind="job", title="出纳", education_min=3, skills=["记账", "收付款"],
                 description="负责现金收付和银行对账。")
    old_grad = make.profile(education=5, graduation_year=2012, skills=["记账", "出纳"], desired_jobs="会计 出纳")
    r = client.get(f"/api/v1/profiles/{old_grad.id}/recommendations", headers=make.token(_user(make, old_grad)))
    assert r.status_code == 200
    # docs/eligibility.md: the internship is not ranked; it follows the ranked posts, refused with R1's reason
    titles = [i["posting"]["title"] for i in r.json["items"] if i["eligible"]]
    assert "出纳" in titles and "会计见习生" not in titles
    assert all(i["reasons"]["zh"] for i in r.json["items"] if i["eligible"])
    refused = next(i for i in r.json["items"] if i["posting"]["title"] == "会计见习生")
    assert refused["eligible"] is False and refused["eligibility"]["refused_by"] == ["R1"]
    assert "R1" in refused["eligibility"]["reason"]["zh"] and refused["eligibility"]["alternatives"] == ["job"]


def test_only_the_entitled_see_rankings(client, make):
    org_a, org_b = make.org(), make.org()
    hr_a, hr_b = make.user("employer", organisation=org_a), make.user("employer", organisation=org_b)
    post = make.posting(organisation=org_a, created_by=hr_a)
    person, other = make.profile(), make.profile()
    assert client.get(f"/api/v1/postings/{post.id}/candidates", headers=make.token(hr_b)).status_code == 404
    assert client.get(f"/api/v1/profiles/{person.id}/recommendations",
                      headers=make.token(_user(make, other))).status_code == 404
    assert client.get(f"/api/v1/profiles/{person.id}/recommendations", headers=make.token(hr_a)).status_code == 403


def test_unpublished_people_are_not_offered_to_employers(client, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr, skills=["焊接"])
    make.profile(name="不公开", skills=["焊接"], published=False)
    names = [i["profile"]["name"] for i in client.get(f"/api/v1/postings/{post.id}/candidates",
                                                      headers=make.token(hr)).json["items"]]
    assert "不公开" not in names


def test_invite_then_the_person_accepts(client, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr)
    person = make.profile()
    h = make.token(hr)
    r = client.post(f"/api/v1/postings/{post.id}/invitations", json={"profile_id": person.id}, headers=h)
    assert r.status_code == 201 and r.json["stage"] == "invited"
    assert client.post(f"/api/v1/postings/{post.id}/invitations", json={"profile_id": person.id},
                       headers=h).status_code == 409
    app_id = r.json["id"]
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "interview"}, headers=h).status_code == 409
    me = make.token(_user(make, person))
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "applied"}, headers=me).json["stage"] == "applied"
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "interview"}, headers=h).status_code == 200
    hidden = make.profile(published=False)
    assert client.post(f"/api/v1/postings/{post.id}/invitations", json={"profile_id": hidden.id},
                       headers=h).status_code == 404


def test_r1_the_policy_sets_cohorts_decide_who_is_offered_internships(client, make):
    """R1: matching offers internships by the engine's cohort decision, from the active set's
    cohorts (the same reading the internships area uses when an agreement is made)."""
    org = make.org(internship_base=True)
    make.posting(organisation=org, kind="internship", title="行政见习生", education_min=0, skills=["办公软件"],
                 description="协助整理档案和会务。")
    grad = make.profile(education=4, graduation_year=2021, categories=("graduating_year_graduate",),
                        skills=["办公软件"], desired_jobs="行政")
    older = make.profile(education=4, graduation_year=2015, skills=["办公软件"], desired_jobs="行政")
    today = clock.today()
    assert agreements.cohorts_of(grad, today) == ["graduating_2021"] and agreements.cohorts_of(older, today) == []

    def titles(person):
        r = client.get(f"/api/v1/profiles/{person.id}/recommendations", headers=make.token(_user(make, person)))
        assert r.status_code == 200, r.json
        return {i["posting"]["title"]: i for i in r.json["items"] if i["eligible"]}

    offered = titles(grad)
    assert "行政见习生" in offered
    assert "R1 属于见习补贴范围人员" in offered["行政见习生"]["reasons"]["zh"]
    assert "internship_eligible" in offered["行政见习生"]["reason_codes"]
    assert "行政见习生" not in titles(older)


def test_r14_a_targeted_post_is_not_offered_outside_its_group_and_says_why(client, make):
    """R14: the post's group is the policy set's; a person the engine does not place in it
    is filtered out with R14's reason (matching keeps no category map of its own)."""
    org = make.org()
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr, title="事业单位管理岗", target_group="veteran_college_2020",
                        skills=["公文写作"], description="负责公文和档案。")
    person = make.profile(name="普通求职者", categories=("registered_unemployed",), skills=["公文写作"], desired_jobs="文秘")
    r = client.get(f"/api/v1/postings/{post.id}/candidates?include_ineligible=1", headers=make.token(hr))
    assert r.status_code == 200, r.json
    item = next(i for i in r.json["items"] if i["profile"]["name"] == "普通求职者")
    assert item["eligible"] is False
    refusal = next(x for x in item["ineligible"] if x["code"] == "target_group")
    assert "R14" in refusal["zh"] and "R14" in refusal["en"]
    mine = client.get(f"/api/v1/profiles/{person.id}/recommendations", headers=make.token(_user(make, person)))
    assert "事业单位管理岗" not in [i["posting"]["title"] for i in mine.json["items"] if i["eligible"]]


_JOBS = [("电焊工", ["电焊", "氩弧焊"]), ("厨师", ["炒菜", "面点"]), ("保安员", ["巡逻", "监控"]),
         ("会计", ["总账", "纳税申报"]), ("快递员", ["派件", "驾驶"]), ("护理员", ["照护", "喂饭"])]


def test_production_rankings_carry_the_same_hub_discount_as_the_evaluation(client, make):
    # issue 17, item 3: the evaluated system is the one users get. The app's rankers hold one
    # side only; each takes its hub scores from a sample of the other side, so a person's
    # recommendations and a posting's candidates score exactly as matching.evaluate's
    # two-sided ranker over the same records scores them, hub discount included.
    org = make.org(district="望花区")
    hr = make.user("employer", organisation=org)
    for i in range(20):  # both sides need at least matching.ranker.HUB_MIN_OTHERS documents
        title, skills = _JOBS[i % 6]
        make.posting(organisation=org, created_by=hr, title=title, skills=skills, district=("望花区", "新抚区")[i % 2],
                     description=f"招聘{title}，{'、'.join(skills)}。")
    generic = make.posting(organisation=org, created_by=hr, title="储备干部（多岗位轮岗）", skills=["沟通", "吃苦耐劳", "团队合作"],
                           description="多岗位轮岗，沟通能力强，吃苦耐劳，有团队合作精神，电焊、厨房、保安、会计、快递、护理均可。")
    people = [make.profile(name=f"人{i}", desired_jobs=_JOBS[i % 6][0], skills=_JOBS[i % 6][1],
                           summary=f"做过{_JOBS[i % 6][0]}") for i in range(24)]
    today = clock.today()
    s = make.s
    posts = [posting_data(p, today) for p in s.query(Posting).order_by(Posting.id) if p.is_open(today)]
    profs = profiles_data(s, list(s.query(Profile).order_by(Profile.id)), today)
    both = Ranker(posts, profs, encoder=make.runtime.encoder, today=today)   # what matching.evaluate builds
    assert both.postings.hub.any() and both.profiles.hub.any()

    prod_posts = recommend._postings_ranker(s, make.runtime, today)
    prod_people = recommend._profiles_ranker(s, make.runtime, today)
    assert prod_posts.postings.hub == pytest.approx(both.postings.hub, abs=1e-4)
    assert prod_people.profiles.hub == pytest.approx(both.profiles.hub, abs=1e-4)

    person = people[0]
    r = client.get(f"/api/v1/profiles/{person.id}/recommendations", headers=make.token(_user(make, person)))
    assert r.status_code == 200, r.json
    expected = both.rank_postings(str(person.id), limit=20, explain=False).items
    assert [i["posting"]["id"] for i in r.json["items"]] == [int(e.id) for e in expected]
    assert [i["score"] for i in r.json["items"]] == pytest.approx([e.score for e in expected], abs=1e-3)
    hub_of_generic = dict(zip(both.postings.ids, both.postings.hub))[str(generic.id)]
    assert hub_of_generic != 0.0  # the generic post's score carries its discount in production too

    r = client.get(f"/api/v1/postings/{generic.id}/candidates?per_page=30", headers=make.token(hr))
    assert r.status_code == 200, r.json
    expected = both.rank_profiles(str(generic.id), limit=30, explain=False).items
    assert [i["profile"]["id"] for i in r.json["items"]] == [int(e.id) for e in expected]
    assert [i["score"] for i in r.json["items"]] == pytest.approx([e.score for e in expected], abs=1e-3)
