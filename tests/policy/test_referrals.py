"""R7 introductions (policy.referrals): an introduction counts only once accepted, before the
person's first approach; the first accepted is credited; the agencies' daily limit is a
parameter of the set."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from marketplace.policy import (
    CaseError,
    IntroductionFacts,
    PolicySetError,
    credited_introduction,
    introduction_counts,
    introduction_limit,
)

AT = datetime(2020, 3, 2, 9, 0)


def intro(answer="accepted", answered=datetime(2020, 3, 2, 10, 0), approach=datetime(2020, 3, 3, 9, 0),
          introduced=AT) -> IntroductionFacts:
    return IntroductionFacts(introduced, answer, answered if answer != "unanswered" else None, approach)


def test_accepted_before_the_first_approach_counts():
    d = introduction_counts(intro())
    assert d.allowed and d.rule == "R7" and "2020-03-02" in d.reason_zh
    assert introduction_counts(intro(approach=None)).allowed  # not approached yet: it would count
    assert introduction_counts(intro(approach=datetime(2020, 3, 2, 10, 0))).allowed  # the same moment is in time


@pytest.mark.parametrize("facts, code, words", [
    (intro(answer="unanswered"), "accepted", "never accepted"),
    (intro(answer="declined"), "accepted", "declined"),
    (intro(answered=datetime(2020, 3, 4, 9, 0)), "before_first_approach", "after the person's own first approach"),
])
def test_what_does_not_count_says_why(facts, code, words):
    d = introduction_counts(facts)
    assert not d.allowed and d.rule == "R7" and [c.code for c in d.failed()] == [code]
    assert d.reason_en.startswith("R7 refused") and words in d.reason_en


def test_bad_facts_are_refused():
    with pytest.raises(CaseError, match="answer"):
        introduction_counts(intro(answer="maybe"))
    with pytest.raises(CaseError, match="answered_at"):
        introduction_counts(IntroductionFacts(AT, "accepted", None, None))


def test_the_first_accepted_is_credited_not_the_first_recorded():
    squatter = intro(answer="unanswered", introduced=datetime(2020, 3, 1, 8, 0))
    late = intro(introduced=datetime(2020, 3, 1, 9, 0), answered=datetime(2020, 3, 2, 12, 0))
    early = intro(introduced=datetime(2020, 3, 1, 10, 0), answered=datetime(2020, 3, 2, 11, 0))
    assert credited_introduction([squatter, late, early]) == 2
    assert credited_introduction([squatter]) is None
    assert credited_introduction([]) is None


def test_the_daily_limit_is_a_parameter_of_the_set(fushun, variant):
    assert introduction_limit(fushun, date(2020, 3, 2), 19).allowed
    d = introduction_limit(fushun, date(2020, 3, 2), 20)
    assert not d.allowed and d.rule == "R7" and "the limit is 20 a day" in d.reason_en
    # outside R7's window the latest version's limit still applies
    assert not introduction_limit(fushun, date(2026, 12, 6), 20).allowed

    def set_limit(value):
        def edit(doc):
            doc["rules"]["R7"]["introduction_daily_limit"] = value
        return edit
    assert introduction_limit(variant(set_limit(5)), date(2020, 3, 2), 5).details["limit"] == 5
    assert variant(lambda doc: doc["rules"]["R7"].pop("introduction_daily_limit")).rule(
        "R7", date(2020, 3, 2)).introduction_daily_limit == 20  # the documented default
    for bad, message in ((0, "must be between 1"), ("ten", "expected an integer"), (True, "expected an integer")):
        with pytest.raises(PolicySetError, match=rf"R7\.introduction_daily_limit: {message}"):
            variant(set_limit(bad))
