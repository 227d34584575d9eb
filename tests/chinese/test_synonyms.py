"""The job-word dictionary (chinese/data/synonyms.txt): one loader for search and matching,
official classification names in their groups, colloquial words people use."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import chinese
from matching import pools
from search.analysis import analyze_query

ROOT = Path(__file__).resolve().parents[2]
OCCUPATIONS = ROOT / "marketplace" / "data" / "occupations-2022.jsonl"


def lines():
    text = (ROOT / "chinese" / "data" / "synonyms.txt").read_text(encoding="utf-8")
    return [ln.split() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize("colloquial, official", [
    ("售货员", "营业员"), ("售货员", "导购"), ("店员", "商品营业员"),
    ("看大门", "保安"), ("看大门", "门卫"), ("扫大街", "环卫工"), ("开车", "司机"), ("开车", "驾驶员"),
    ("盯画面", "中控"), ("盯画面", "内操"), ("伺候老人", "养老护理员"), ("伺候老人", "养老护理"),
    ("看车", "停车管理员"), ("扛大包", "装卸工"), ("修车", "汽车维修工"), ("卖衣服", "服装销售"),
    ("喂鸡", "饲养员"), ("理疗师", "康复治疗师"), ("伺候月子", "月嫂"),
])
def test_colloquial_words_share_a_group_with_the_job(colloquial, official):
    assert official in chinese.synonyms(colloquial)
    assert chinese.canonical(colloquial) == chinese.canonical(official)


def test_groups_are_clean_and_seeded_from_the_classification():
    groups = lines()
    words = [w for g in groups for w in g]
    assert len(groups) >= 70
    assert len(words) == len(set(words)), "a word in two groups: only the first would count"
    assert all(len(w) >= 2 for w in words), "one-character words: one-character queries are prefix searches"
    names = {json.loads(ln)["name"] for ln in OCCUPATIONS.read_text(encoding="utf-8").splitlines() if ln.strip()}
    official = [w for w in words if w in names]
    assert len(official) >= 25  # the classification's names are in the groups (商品营业员, 保安员, ...)
    for name in ("商品营业员", "保安员", "中式烹调师", "装卸搬运工", "停车管理员", "养老护理员", "化工总控工"):
        assert name in names and name in words


def test_queries_expand_colloquial_words_and_drop_their_wrapping():
    [term] = analyze_query("开车的活").terms
    assert term.text == "开车" and "司机" in term.alternatives and "驾驶员" in term.alternatives
    [term] = analyze_query("我想找个看大门的工作").terms
    assert term.text == "看大门" and "保安" in term.alternatives
    [term] = analyze_query("售货员").terms
    assert {"营业员", "导购"} <= set(term.alternatives)
    assert [t.text for t in analyze_query("焊").terms] == ["焊"]  # one character stays a prefix search


def test_matching_expands_with_the_same_dictionary():
    text = pools.expanded("以前在小区看大门，也能扫大街")
    assert {"保安", "门卫", "环卫工"} <= set(text.split())
