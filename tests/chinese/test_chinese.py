"""Unit tests of the shared Chinese text helpers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chinese


@pytest.mark.parametrize("raw, expected", [
    ("軟件工程師", "软件工程师"),
    ("會計　招聘", "会计 招聘"),          # ideographic space collapses
    ("ＪＡＶＡ開發１２３", "JAVA开发123"),   # full width → ASCII
    ("  多个   空格\t\n ", "多个 空格"),
    ("養老護理員", "养老护理员"),
    (None, ""),
    ("", ""),
])
def test_normalize(raw, expected):
    assert chinese.normalize(raw) == expected


def test_normalize_drops_control_characters():
    assert chinese.normalize("会\x00计\x07") == "会计"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("軟件工程師会计ＡＢab１2 　\t，,。焊工電腦\u3000") + ["\u00e9", "ﬁ"]), max_size=30))
def test_normalize_is_idempotent(text):
    once = chinese.normalize(text)
    assert chinese.normalize(once) == once


def test_bigrams():
    assert chinese.bigrams("会计招聘") == ["会计", "计招", "招聘"]
    assert chinese.bigrams("焊工") == ["焊工"]
    assert chinese.bigrams("焊") == ["焊"]
    assert chinese.bigrams("Java开发, C++") == ["java", "开发", "c++"]
    assert chinese.bigrams("电焊工", tail=True) == ["电焊", "焊工", "工"]
    assert chinese.bigrams("，。！") == []


def test_two_character_word_is_a_bigram_of_longer_text():
    assert "会计" in chinese.bigrams(chinese.normalize("招聘會計一名"))


def test_words_use_the_job_dictionary():
    assert "数控车床" in chinese.words("数控车床操作工")
    assert "养老护理员" in chinese.words("招聘养老护理员")
    assert "dcs内操" in chinese.words("DCS内操")
    assert chinese.cut("数控车床操作工") == ["数控车床", "操作工"]


def test_synonyms():
    assert "接待" in chinese.synonyms("前台")
    assert chinese.canonical("驾驶员") == "司机"
    assert chinese.synonyms("不存在的词") == ("不存在的词",)
    assert "清洁" in chinese.expand("招聘保洁")
