"""One source of truth for every rule: each function of ``marketplace.policy`` that decides a
rule of POLICY.md is called by the app (an operation gathers the facts and asks the engine).
A rule the engine has and the app never calls is a defect (DESIGN.md)."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import marketplace.policy as policy
from tests.sources import parse

ROOT = Path(__file__).resolve().parents[1]
#: Tools of the engine, not rules: loading sets, dates, money, the calculator's JSON edge.
NOT_RULES = {"list_policy_sets", "load_policy_set", "load_policy_set_file", "parse_policy_set", "parse_iso_date",
             "add_months", "days_between", "round_money", "format_money", "parse_case", "answer_case",
             "calculate_internship_json",
             # parts of a rule's formula, which the app reaches through the rule's own function:
             # served and remaining days (R2/R3, through internship_entitlement and
             # extended_end_at), years to retirement (R11, through near_retirement)
             "served_days_at", "remaining_days_at", "years_to_retirement"}


def _names_used_by_the_app() -> set[str]:
    used: set[str] = set()
    for path in (ROOT / "marketplace").rglob("*.py"):
        if "policy" in path.relative_to(ROOT / "marketplace").parts[:1]:
            continue
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.alias):
                used.add(node.asname or node.name)
    return used


def test_every_rule_function_of_the_engine_is_called_by_the_app():
    rules = [n for n in policy.__all__ if inspect.isfunction(getattr(policy, n)) and n not in NOT_RULES]
    assert len(rules) > 30, rules
    used = _names_used_by_the_app()
    assert [n for n in rules if n not in used] == []
