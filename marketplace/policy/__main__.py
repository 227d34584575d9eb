"""Command line: ``python -m marketplace.policy internship [FILE]`` (POLICY.md section 6).

Reads one case or a JSON list of cases (from FILE or standard input) and writes
one answer or a list in input order. Exit status: 0 when every case was
answered, 1 when any case gave ``{"error": ...}`` (the others are still
answered), 2 when the input could not be read as JSON at all.
``python -m marketplace.policy sets`` lists the policy sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from marketplace.policy.calculator import calculate_internship_json
from marketplace.policy.errors import PolicySetError
from marketplace.policy.policy_set import list_policy_sets, load_policy_set


def _write(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def _internship(args: argparse.Namespace) -> int:
    try:
        raw = open(args.file, "rb").read() if args.file else sys.stdin.buffer.read()
        data = json.loads(raw.decode("utf-8"))
    except OSError as exc:
        _write({"error": f"cannot read {args.file}: {exc.strerror}"})
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _write({"error": f"input is not valid JSON: {exc}"})
        return 2
    result, ok = calculate_internship_json(data, args.sets_dir)
    _write(result)
    return 0 if ok else 1


def _sets(args: argparse.Namespace) -> int:
    out, ok = [], True
    for name in list_policy_sets(args.sets_dir):
        try:
            out.append(load_policy_set(name, args.sets_dir).describe())
        except PolicySetError as exc:
            out.append({"name": name, "error": str(exc)})
            ok = False
    _write(out)
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m marketplace.policy",
                                     description="Fushun employment policy rules (POLICY.md)")
    parser.add_argument("--sets-dir", help="extra directory of policy set files, searched first")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("internship", help="internship-subsidy calculator (POLICY.md section 6)")
    cmd.add_argument("file", nargs="?", help="JSON case file (default: standard input)")
    cmd.set_defaults(run=_internship)
    cmd = sub.add_parser("sets", help="list the policy sets and check that each loads")
    cmd.set_defaults(run=_sets)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
