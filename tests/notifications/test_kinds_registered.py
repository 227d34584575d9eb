"""Every notification kind the code emits is registered with the service (issue 15): its
title has a Chinese and an English label (a reader never sees a bare kind name such as
``posting_changed``) and it has default channels. The kinds are read from the source: every
call of ``notify`` (and of the areas' small helpers that pass a kind on to it), whether the
kind is written in the call, chosen by a conditional, or held in a local variable."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from marketplace.notifications import notify, registry
from tests.sources import parse

ROOT = Path(__file__).resolve().parents[2] / "marketplace"
#: function name -> the position of its kind argument
EMITTERS = {"notify": 2, "_tell_person": 3, "_tell": 2}
KIND = re.compile(r"^[a-z][a-z0-9_]{2,31}$")


def _strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.IfExp):  # the kinds are the branches, not the condition's operands
        return _strings(node.body) | _strings(node.orelse)
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and KIND.match(n.value)}


def emitted_kinds() -> dict[str, str]:
    """kind -> where it is emitted (file:line)."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        tree = parse(path)
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = {a.arg for a in fn.args.args}
            assigned: dict[str, set[str]] = {}
            for n in ast.walk(fn):
                if isinstance(n, ast.Assign):
                    for t in n.targets:
                        if isinstance(t, ast.Name):
                            assigned.setdefault(t.id, set()).update(_strings(n.value))
            for call in ast.walk(fn):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in EMITTERS):
                    continue
                pos = EMITTERS[call.func.id]
                if len(call.args) <= pos:
                    continue
                arg = call.args[pos]
                where = f"{path.relative_to(ROOT.parent)}:{call.lineno}"
                if isinstance(arg, ast.Name):
                    if arg.id in params and fn.name in EMITTERS:
                        continue  # a helper passing its own kind on: its callers are read instead
                    kinds = assigned.get(arg.id, set())
                    assert kinds, f"{where}: the kind {arg.id} is neither written there nor assigned from literals"
                else:
                    kinds = _strings(arg)
                    assert kinds, f"{where}: a notification kind that is not a literal"
                for k in kinds:
                    found.setdefault(k, where)
    return found


def test_the_source_scan_finds_the_known_emitters():
    kinds = emitted_kinds()
    # one from each area and from each helper style (literal, conditional, variable, helper)
    for k in ("application_received", "organisation_refused", "interview_proposed", "interview_reminder",
              "posting_closed", "claim_state", "follow_up_due", "fair_booth_cancelled", "policy_outreach"):
        assert k in kinds, k


def test_every_emitted_kind_is_registered_with_labels_and_channels(app):
    kinds = emitted_kinds()
    known = registry.registered()
    missing = {k: w for k, w in kinds.items() if k not in known}
    assert not missing, f"notification kinds used but not registered: {missing}"
    for k in kinds:
        kind = known[k]
        assert kind.zh and kind.zh != k and re.search(r"[\u4e00-\u9fff]", kind.zh), k
        assert kind.en and kind.en != k, k
        assert kind.channels and set(kind.channels) <= set(registry.CHANNELS), k


def test_a_correction_notice_shows_its_chinese_title(client, make, db):
    """What a person sees: the title is the registered label in their language, not the kind's name."""
    person = make.user(role="person")
    notify(db, person.id, "posting_closed", "t:1", "您申请的岗位“电焊工”已停止招聘", "The posting closed", "/postings/1")
    notify(db, person.id, "fair_slot_removed", "t:2", "面试时段已取消", "slot removed", "/me/fairs/1")
    db.flush()
    zh = client.get("/api/v1/notifications", headers=make.token(person)).json["items"]
    assert [i["title"] for i in zh] == ["招聘会面试时段已取消", "申请岗位已停止招聘"]
    en = client.get("/api/v1/notifications?lang=en", headers=make.token(person)).json["items"]
    assert [i["title"] for i in en] == ["Fair interview slot removed", "A posting you applied to closed"]
