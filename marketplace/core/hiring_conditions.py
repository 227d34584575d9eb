"""Conditions of hiring on a posting, and R13's screen for "a prior 实习 at the unit".

An employer picks a posting's conditions from ``HIRING_CONDITIONS`` (the structured field
``Posting.hiring_conditions``). R13 forbids an SOE's posting for graduates to make a prior
student placement at the unit a condition of hiring, whether it is picked as
``prior_internship_at_unit`` or written into the free text: ``prior_internship_phrase``
screens the requirements and the description for the ways it is written.

The screen (**[choice]**, tested in tests/web/test_r13_soe.py): the text is normalised with
``chinese.normalize`` (traditional → simplified, full-width → half-width), spaces and
punctuation are dropped, and these patterns are looked for:

* 须/需/必须 在本(我)单位/公司/企业/集团 实习 (须在本单位实习);
* 实习期满 … 合格后 … 录用/入职/签约/聘用 (实习期满考核合格后录用);
* 实习 … 合格后 … 录用/入职/签约/聘用 (实习合格后录用);
* 先实习后录用/入职/签约/聘用;
* 以 … 实习 … 为 … 录用/入职/招聘/聘用 … 前提 (以实习为录用前提).

It finds a condition, not the word 实习: "欢迎实习生" or "提供实习机会" pass.
"""
from __future__ import annotations

import re

import chinese

#: code -> (zh, en)
HIRING_CONDITIONS: dict[str, tuple[str, str]] = {
    "prior_internship_at_unit": ("须在本单位实习", "a prior student placement (实习) at the unit"),
    "health_certificate": ("健康证", "a health certificate"),
    "driving_licence": ("驾驶证", "a driving licence"),
    "vocational_certificate": ("职业资格证书", "a vocational qualification certificate"),
    "no_criminal_record": ("无犯罪记录证明", "a certificate of no criminal record"),
    "local_hukou": ("本地户籍", "a local household registration"),
}
PRIOR_INTERNSHIP = "prior_internship_at_unit"

_HIRE = "(录用|入职|签约|聘用|转正录用)"
_PATTERNS = [re.compile(p) for p in (
    r"[须需必]须?在(本|我)(单位|公司|企业|集团)(进行)?实习",
    r"实习期满.{0,8}合格后.{0,4}" + _HIRE,
    r"实习.{0,4}合格后.{0,4}" + _HIRE,
    r"先实习后" + _HIRE,
    r"以.{0,10}实习.{0,6}为.{0,4}(录用|入职|招聘|聘用).{0,2}前提",
)]
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def prior_internship_phrase(text: str | None) -> str | None:
    """The phrase of ``text`` that makes a prior placement at the unit a condition of hiring, or None."""
    flat = _DROP.sub("", chinese.normalize(text or ""))
    for pattern in _PATTERNS:
        m = pattern.search(flat)
        if m:
            return m.group(0)
    return None


def prior_internship_required(conditions, requirements: str, description: str) -> tuple[str, str] | None:
    """(field, what) when the posting requires a prior 实习 at the unit: the picked condition
    or a phrase of the requirements or description; None otherwise."""
    if PRIOR_INTERNSHIP in (conditions or ()):
        return "hiring_conditions", HIRING_CONDITIONS[PRIOR_INTERNSHIP][0]
    for field, text in (("requirements", requirements), ("description", description)):
        phrase = prior_internship_phrase(text)
        if phrase:
            return field, phrase
    return None
