"""The ranker's principled signals (issue 17): occupation fit through the classification's
hierarchy, the hub discount, place preferences written in words."""
from __future__ import annotations

import numpy as np
import pytest

from matching import evaluate
from matching.features import FI, desired_districts, districts, night_refusal, parse_limits
from matching.pools import occupation_number
from matching.ranker import Ranker, occupation_fit
from tests.matching.conftest import ROOT, TODAY, posting, profile

SECOND_FILE = ROOT / "matching" / "data" / "graded-2.json"


def _names(mask: int) -> set[str]:
    return {d for i, d in enumerate(districts()["districts"]) if mask >> i & 1}


def test_a_district_name_is_not_read_as_the_group_word_inside_it():
    # 顺城区 holds 城区 (a word for all four urban districts): the wish names two districts only
    assert _names(desired_districts("新抚区或顺城区")) == {"新抚区", "顺城区"}
    assert _names(desired_districts("市区")) == {"顺城区", "新抚区", "望花区", "东洲区"}


def test_occupation_fit_follows_the_classification_hierarchy():
    post = occupation_number("4-12-01-01")            # 汽车维修工
    people = np.array([[occupation_number(c) for c in codes] + [-1] * (3 - len(codes)) for codes in (
        ["4-12-01-01"],                                 # same occupation
        ["4-12-01-02"],                                 # same minor group
        ["4-12-02-01"],                                 # same middle group (other minor)
        ["6-18-01-01"],                                 # another major group
        [],                                             # no code on the record
    )])
    assert occupation_fit(post, people).tolist() == pytest.approx([1.0, 0.7, 0.4, 0.0, 0.0])


def test_the_same_occupation_code_ranks_first_and_says_so(encoder):
    posts = [posting(id="mech", title="机修工", occupation_code="4-12-01-01", description="修理汽车。"),
             posting(id="wash", title="美容工", occupation_code="4-12-05-01", description="清洗汽车。")]
    person = profile(id="p", desired="汽车行业的活", occupation_codes=["4-12-01-01"])
    r = Ranker(posts, [person], encoder=encoder, today=TODAY)
    page = r.rank_postings("p")
    first = page.items[0]
    assert first.id == "mech" and first.features["occ_fit"] == 1.0
    assert "same_occupation" in {x["code"] for x in first.explanation.reasons}
    assert "职业分类相同" in first.explanation.reasons_zh


def test_home_based_and_lodging_wishes_are_met(encoder):
    office = posting(id="office", title="在线客服", description="在公司办公室回答顾客咨询。", district="沈抚示范区")
    home = posting(id="home", title="在线客服", description="回答顾客咨询，可居家办公。", district="沈抚示范区")
    dorm = posting(id="dorm", title="装卸工", description="物流园装卸货物，提供宿舍。", district="望花区")
    mum = profile(id="mum", desired="网上客服；居家优先；2500以上", district="东洲区")
    far = profile(id="far", desired="装卸、搬运；能提供住宿更好；4000以上", district="清原满族自治县")
    r = Ranker([office, home, dorm], [mum, far], encoder=encoder, today=TODAY)
    items = {it.id: it for it in r.rank_postings("mum", limit=3).items}
    assert items["home"].rank < items["office"].rank
    assert items["home"].features["home_lodging"] == 1.0 and items["home"].features["commute"] == 1.0
    assert "home_based" in {x["code"] for x in items["home"].explanation.reasons}
    dorm_item = next(it for it in r.rank_postings("far", limit=3).items if it.id == "dorm")
    # 清原 to 望花 is ~100 km, but the post houses the person who asked for it
    assert dorm_item.features["commute"] == 1.0
    assert "lodging" in {x["code"] for x in dorm_item.explanation.reasons}


def test_the_generic_post_is_the_hub_and_the_discount_moves_it_out_of_top_lists(dev_cache):
    d, r = evaluate.build(str(SECOND_FILE), cache=dev_cache)
    hub = dict(zip(r.postings.ids, r.postings.hub))
    # 储备干部（多岗位轮岗）: every soft-skill word, fitting nobody in particular
    assert sorted(hub, key=hub.get, reverse=True).index("E-P024") < 3

    def appearances() -> int:
        return sum("E-P024" in [it.id for it in r.rank_postings(q, limit=10, explain=False).items] for q in d["qrels"])

    with_discount = appearances()
    weights = r.weights.copy()
    r.weights[FI["hub"]] = 0.0
    without = appearances()
    r.weights = weights
    assert with_discount < without


def test_a_one_sided_ranker_gets_the_same_hub_scores_from_a_reference_sample(dev_cache):
    # the app's recommendations hold only postings: a sample of people gives them hub scores
    d, both = evaluate.build(str(SECOND_FILE), cache=dev_cache)
    only_posts = Ranker(both.postings.items, [], today=both.today, posting_vectors=both.postings.vectors,
                        profile_vectors=np.zeros((0, both.postings.vectors.shape[1]), dtype=np.float32))
    assert not only_posts.postings.hub.any()
    only_posts.set_hub_reference(profiles=both.profiles.items, profile_vectors=both.profiles.vectors)
    assert only_posts.postings.hub == pytest.approx(both.postings.hub, abs=1e-4)
    first = only_posts.rank_postings_for(both.profiles.items[0], both.profiles.vectors[0], limit=10, explain=False)
    assert [it.id for it in first.items] == [it.id for it in both.rank_postings(both.profiles.ids[0], limit=10,
                                                                               explain=False).items]


def test_a_post_that_says_it_has_no_night_shift_is_not_a_night_post():
    assert parse_limits(posting(description="门诊白班，不上夜班，每周轮休一天。")).night is False
    assert parse_limits(posting(description="长白班和两班倒可选。")).night is False
    assert parse_limits(posting(description="实行三班倒，夜班有补贴。")).night is True


def test_a_day_shift_preference_counts_half_a_ruled_out_night_shift(encoder):
    # rubric: a shift pattern ruled out lowers one step; "白班优先" is a preference, not a refusal
    assert night_refusal("护士；白班优先；3000以上") == 0.5
    assert night_refusal("孩子小，夜班实在顾不上") == 1.0
    assert night_refusal("夜班也不怕") == 0.0
    clinic = posting(id="clinic", title="口腔诊所护士", description="配合医生诊疗。门诊白班，不上夜班。")
    ward = posting(id="ward", title="住院部护士", description="临床护理，实行三班倒，夜班有补贴。")
    nurse = profile(id="n", desired="护士，诊所、门诊都行，白班优先", skills=["护士执业证"])
    r = Ranker([clinic, ward], [nurse], encoder=encoder, today=TODAY)
    feats = {it.id: it.features["shift_conflict"] for it in r.rank_postings("n", limit=2).items}
    assert feats == {"clinic": 0.0, "ward": 0.5}
