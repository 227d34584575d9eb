"""R12 monthly follow-up: calendar months."""

from __future__ import annotations

from datetime import date

from marketplace.policy import contact_due_this_month, follow_up_order, months_without_contact


def test_overdue_months_are_ended_calendar_months_without_a_contact():
    contacts = [date(2020, 1, 31), date(2020, 3, 1)]
    assert months_without_contact(date(2020, 1, 20), contacts, date(2020, 5, 10)) == ["2020-02", "2020-04"]
    assert months_without_contact(date(2020, 5, 1), [], date(2020, 5, 31)) == []   # current month is not overdue
    assert months_without_contact(date(2020, 11, 5), [], date(2021, 1, 1)) == ["2020-11", "2020-12"]


def test_registration_that_ended():
    assert months_without_contact(date(2020, 1, 5), [], date(2020, 6, 1), ended_on=date(2020, 2, 3)) == [
        "2020-01", "2020-02"]


def test_due_this_month_and_order():
    assert contact_due_this_month(date(2020, 1, 5), [date(2020, 1, 6)], date(2020, 2, 1))
    assert not contact_due_this_month(date(2020, 1, 5), [date(2020, 2, 1)], date(2020, 2, 28))
    assert not contact_due_this_month(date(2020, 3, 5), [], date(2020, 2, 28))
    keys = sorted([(False, 3), (True, 0), (True, 2)], key=lambda p: follow_up_order(*p))
    assert keys == [(True, 2), (True, 0), (False, 3)]
