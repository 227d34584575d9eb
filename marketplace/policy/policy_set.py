"""Policy sets: every amount, rate, cohort, threshold and window, as data.

A policy set is a JSON file in `marketplace/policy/sets/` (or in a directory the
caller passes), named ``<name>.json``. A city changes the rules by editing or
adding a set; no code changes. The loader validates a set completely and refuses
a bad one with an error that names the file and the JSON path of the fault.

Each rule entry under ``rules`` is either one object (one version) or a list of
versions with non-overlapping ``window``s. A rule's ``window`` is
``{"from": "YYYY-MM-DD" | null, "to": "YYYY-MM-DD" | null}``, both ends inclusive;
``null`` is open on that side, and a version without a window is always in force.
An event is judged by the version whose window contains the event's date
(POLICY.md section 0); when none does, the rule is "not in force" on that date and
the calling rule falls back or refuses, saying so.

Parameters of a rule version are exposed as frozen dataclasses (`R4Params`, ...).

(Over 400 lines on purpose: the parameter types, the validating reader and one parser a
rule are one schema of the JSON sets, read top to bottom; split, a rule's type and its
parser would sit in two files.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from marketplace.policy.dates import OPEN_WINDOW, Window, parse_iso_date
from marketplace.policy.errors import PolicySetError

SETS_DIR = Path(__file__).resolve().parent / "sets"

FULL_PERIOD = "full_period"
SERVED = "served"
#: R7: introductions an HR agency may record per day when the set does not say
DEFAULT_INTRODUCTION_DAILY_LIMIT = 20
R4_SIDES = (FULL_PERIOD, SERVED)
#: Evidence a claim may have to carry (top-level ``claim_evidence`` of a set), with its names.
EVIDENCE_KINDS = {"attendance": ("考勤记录", "attendance records"),
                  "labour_contract": ("劳动合同", "labour contract"),
                  "social_insurance": ("社会保险缴费记录", "social-insurance payment record")}
#: Claim kinds a set's ``claim_evidence`` may name.
CLAIM_KIND_CODES = ("internship", "hiring_r6", "epidemic_r7", "referral_r7", "hubei_graduate")
#: What a set that does not list ``claim_evidence`` requires: nothing. The sets written before
#: uploads existed keep their meaning (claims in progress under them are not blocked after the
#: fact); a city that requires papers lists them, e.g. ``{"internship": ["attendance"],
#: "hiring_r6": ["labour_contract", "social_insurance"]}`` (sets/README.md).
DEFAULT_CLAIM_EVIDENCE: Mapping[str, tuple[str, ...]] = MappingProxyType({})


# ---------------------------------------------------------------- parameter types

@dataclass(frozen=True)
class Code:
    """A coded item of a list in a set (a cohort, a reason, a fund), with its names."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Cohort(Code):
    """An R1 cohort and the facts of a person's records that place them in it (every
    fact given must hold; a cohort that gives none places nobody)."""

    added_by_plan: bool = False
    #: a category the person's record holds (e.g. graduating_year_graduate)
    category: str | None = None
    #: the category counts only once a caseworker confirmed it
    confirmed: bool = False
    #: the year the person's highest education was completed
    graduation_year: int | None = None
    #: lowest education level (the profiles' scale: 4 = 大专, 5 = 本科, ...)
    min_education_level: int | None = None
    #: at most this many months since leaving school on the start date
    months_since_leaving: int | None = None
    #: (month, day) the school year ends, taken as the day a graduate left school
    leaves_school_on: tuple[int, int] = (7, 1)
    #: age on the start date, inclusive bounds
    age_min: int | None = None
    age_max: int | None = None

    def has_membership_facts(self) -> bool:
        return any(v is not None for v in (self.category, self.graduation_year, self.min_education_level,
                                           self.months_since_leaving, self.age_min, self.age_max))


@dataclass(frozen=True)
class InterruptionReason(Code):
    extends: bool = False


@dataclass(frozen=True)
class TargetGroup(Code):
    """An R14 target group: its city-wide cap of places (None: uncapped) and the facts of a
    person's records that place them in it: a profile ``category`` (confirmed by a caseworker
    unless ``confirmed`` is false), an optional minimum education level (``min_education``,
    the profile's level code) and an optional year the category began (``since_year``:
    the category's since-date falls in that year)."""

    cap: int | None = 0
    category: str = ""
    confirmed: bool = True
    min_education: int | None = None
    since_year: int | None = None


@dataclass(frozen=True)
class Ratio:
    """A threshold such as 1/3, compared in integers: a/b < n/d  <=>  a*d < n*b."""

    numerator: int
    denominator: int

    def below(self, part: int, whole: int) -> bool:
        return part * self.denominator < self.numerator * whole

    def at_least(self, part: int, whole: int) -> bool:
        return not self.below(part, whole)

    def text(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class RateUplift:
    """Raise the internship rate by `rate_factor` when a unit keeps >= `min_retained` of its interns."""

    min_retained: Ratio
    rate_factor: Decimal


@dataclass(frozen=True)
class R1Params:
    window: Window
    cohorts: tuple[Cohort, ...]

    def cohort(self, code: str) -> Cohort | None:
        return next((c for c in self.cohorts if c.code == code), None)


@dataclass(frozen=True)
class R2Params:
    window: Window
    monthly_rate: Decimal
    min_period_months: int
    max_period_months: int


@dataclass(frozen=True)
class R3Params:
    window: Window
    reasons: tuple[InterruptionReason, ...]

    def reason(self, code: str) -> InterruptionReason | None:
        return next((r for r in self.reasons if r.code == code), None)


@dataclass(frozen=True)
class R4Params:
    window: Window
    threshold: Ratio
    below_threshold: str
    otherwise: str
    retention_uplift: RateUplift | None


@dataclass(frozen=True)
class R5Params:
    window: Window
    claim_deadline: date


@dataclass(frozen=True)
class R6Params:
    window: Window
    contribution_months: int
    min_contract_months: int
    min_unemployed_months: int
    graduate_kinds: tuple[Code, ...]


@dataclass(frozen=True)
class R7Params:
    window: Window
    min_contract_months: int
    hire_amount: Decimal
    referral_amount: Decimal
    referral_cap_per_agency: Decimal
    epidemic_declared_end: date | None
    application_months: int
    funding_sources: tuple[Code, ...]
    #: introductions an HR agency may record per day (optional key, default DEFAULT_INTRODUCTION_DAILY_LIMIT)
    introduction_daily_limit: int = DEFAULT_INTRODUCTION_DAILY_LIMIT


@dataclass(frozen=True)
class R8Params:
    window: Window
    categories: tuple[Code, ...]
    min_unemployed_months: int
    min_failed_referrals: int


@dataclass(frozen=True)
class R9Params:
    window: Window
    retirement_years: int


@dataclass(frozen=True)
class R10Params:
    window: Window
    district_quotas: Mapping[str, int]
    temporary_min_months: int
    temporary_max_months: int
    extension_window: Window
    extension_months: int
    max_extensions: int
    max_placements: int
    retirement_years: int
    protected_fund: Code
    other_funds: tuple[Code, ...]


@dataclass(frozen=True)
class R13Params:
    window: Window


@dataclass(frozen=True)
class R14Params:
    window: Window
    groups: tuple[TargetGroup, ...]

    def group(self, code: str) -> TargetGroup | None:
        return next((g for g in self.groups if g.code == code), None)


@dataclass(frozen=True)
class R15Params:
    window: Window
    amount: Decimal
    graduation_year: int
    origin_province: str


# ---------------------------------------------------------------- the set

@dataclass(frozen=True)
class PolicySet:
    name: str
    version: str
    title_zh: str
    title_en: str
    source: str
    notes: tuple[str, ...]
    rules: Mapping[str, tuple[Any, ...]]
    #: evidence each claim kind must carry before it is submitted (``claim_evidence``)
    claim_evidence: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_CLAIM_EVIDENCE)

    def evidence_required(self, claim_kind: str) -> tuple[str, ...]:
        """The evidence codes (``EVIDENCE_KINDS``) a claim of ``claim_kind`` must carry."""
        return self.claim_evidence.get(claim_kind, ())

    def versions(self, rule: str) -> tuple[Any, ...]:
        try:
            return self.rules[rule]
        except KeyError:
            raise PolicySetError(f"policy set {self.name!r} has no rule {rule}") from None

    def rule(self, rule: str, on: date | None = None) -> Any:
        """The version of `rule` in force on `on`, or None when none is.

        Without a date the rule must have exactly one version (parameters that
        do not depend on an event date, such as the list of interruption reasons).
        """
        versions = self.versions(rule)
        if on is None:
            if len(versions) != 1:
                raise PolicySetError(f"{rule} has {len(versions)} versions: a date is needed")
            return versions[0]
        return next((v for v in versions if v.window.contains(on)), None)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version,
                "title_zh": self.title_zh, "title_en": self.title_en}


# ---------------------------------------------------------------- validation helpers

class _Reader:
    """Typed access to a JSON object, raising PolicySetError with the JSON path."""

    def __init__(self, obj: Any, path: str, origin: str):
        if not isinstance(obj, dict):
            raise PolicySetError(f"{origin}: {path}: expected an object")
        self.obj, self.path, self.origin = obj, path, origin
        self.seen: set[str] = set()

    def fail(self, key: str, message: str) -> PolicySetError:
        return PolicySetError(f"{self.origin}: {self.path}.{key}: {message}")

    def raw(self, key: str, *, optional: bool = False, default: Any = None) -> Any:
        self.seen.add(key)
        if key not in self.obj:
            if optional:
                return default
            raise self.fail(key, "missing")
        return self.obj[key]

    def str(self, key: str, *, optional: bool = False) -> str:
        value = self.raw(key, optional=optional, default="")
        if not isinstance(value, str):
            raise self.fail(key, "expected a string")
        return value

    def bool(self, key: str, *, default: bool) -> bool:
        value = self.raw(key, optional=True, default=default)
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def int(self, key: str, *, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "expected an integer")
        if value < minimum or (maximum is not None and value > maximum):
            raise self.fail(key, f"must be between {minimum} and {maximum if maximum is not None else '∞'}")
        return value

    def money(self, key: str) -> Decimal:
        value = self.raw(key)
        if not isinstance(value, str):
            raise self.fail(key, "expected a decimal string such as \"1500.00\"")
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise self.fail(key, f"not a decimal number: {value!r}") from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(key, "must be a finite amount >= 0")
        return amount

    def date(self, key: str, *, nullable: bool = False) -> date | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def child(self, key: str) -> "_Reader":
        return _Reader(self.raw(key), f"{self.path}.{key}", self.origin)

    def items(self, key: str) -> list["_Reader"]:
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "expected a non-empty list")
        return [_Reader(v, f"{self.path}.{key}[{i}]", self.origin) for i, v in enumerate(value)]

    def window(self, key: str = "window") -> Window:
        if self.raw(key, optional=True) is None:
            return OPEN_WINDOW
        w = self.child(key)
        window = Window(w.date("from", nullable=True), w.date("to", nullable=True))
        w.done()
        if window.start and window.end and window.start > window.end:
            raise self.fail(key, "window 'from' is after 'to'")
        return window

    def done(self) -> None:
        extra = sorted(set(self.obj) - self.seen)
        if extra:
            raise PolicySetError(f"{self.origin}: {self.path}: unknown key(s) {', '.join(extra)}")


def _codes(r: _Reader, key: str, make: Callable[[_Reader], Code] | None = None) -> tuple[Any, ...]:
    out = []
    for item in r.items(key):
        code = make(item) if make else Code(item.str("code"), item.str("zh"), item.str("en"))
        item.done()
        out.append(code)
    codes = [c.code for c in out]
    if len(set(codes)) != len(codes) or not all(codes):
        raise r.fail(key, "codes must be non-empty and unique")
    return tuple(out)


def _ratio(r: _Reader, key: str) -> Ratio:
    t = r.child(key)
    ratio = Ratio(t.int("numerator", minimum=0), t.int("denominator", minimum=1))
    t.done()
    return ratio


def _side(r: _Reader, key: str) -> str:
    value = r.str(key)
    if value not in R4_SIDES:
        raise r.fail(key, f"must be one of {', '.join(R4_SIDES)}")
    return value


def _opt_int(r: _Reader, key: str, *, minimum: int = 0) -> int | None:
    return None if r.raw(key, optional=True) is None else r.int(key, minimum=minimum)


def _month_day(r: _Reader, key: str) -> tuple[int, int]:
    value = r.raw(key, optional=True, default="07-01")
    try:
        month, day = (int(x) for x in str(value).split("-"))
        date(2000, month, day)
    except ValueError:
        raise r.fail(key, f"expected \"MM-DD\", not {value!r}") from None
    return month, day


def _cohort(i: _Reader) -> Cohort:
    category = i.str("category", optional=True) or None
    cohort = Cohort(i.str("code"), i.str("zh"), i.str("en"), i.bool("added_by_plan", default=False),
                    category, i.bool("confirmed", default=False), _opt_int(i, "graduation_year"),
                    _opt_int(i, "min_education_level"), _opt_int(i, "months_since_leaving"),
                    _month_day(i, "leaves_school_on"), _opt_int(i, "age_min"), _opt_int(i, "age_max"))
    if cohort.age_min is not None and cohort.age_max is not None and cohort.age_min > cohort.age_max:
        raise i.fail("age_min", "is greater than age_max")
    return cohort


def _r1(r: _Reader) -> R1Params:
    return R1Params(r.window(), _codes(r, "cohorts", _cohort))


def _r2(r: _Reader) -> R2Params:
    params = R2Params(r.window(), r.money("monthly_rate"),
                      r.int("min_period_months", minimum=1), r.int("max_period_months", minimum=1))
    if params.min_period_months > params.max_period_months:
        raise r.fail("min_period_months", "is greater than max_period_months")
    return params


def _r3(r: _Reader) -> R3Params:
    return R3Params(r.window(), _codes(r, "interruption_reasons", lambda i: InterruptionReason(
        i.str("code"), i.str("zh"), i.str("en"), i.bool("extends", default=False))))


def _r4(r: _Reader) -> R4Params:
    uplift = None
    if r.raw("retention_uplift", optional=True) is not None:
        u = r.child("retention_uplift")
        uplift = RateUplift(_ratio(u, "min_retained"), u.money("rate_factor"))
        u.done()
    return R4Params(r.window(), _ratio(r, "threshold"), _side(r, "below_threshold"),
                    _side(r, "otherwise"), uplift)


def _r5(r: _Reader) -> R5Params:
    return R5Params(r.window(), r.date("claim_deadline"))


def _r6(r: _Reader) -> R6Params:
    return R6Params(r.window(), r.int("contribution_months", minimum=1),
                    r.int("min_contract_months", minimum=1), r.int("min_unemployed_months"),
                    _codes(r, "graduate_kinds"))


def _r7(r: _Reader) -> R7Params:
    return R7Params(r.window(), r.int("min_contract_months", minimum=1), r.money("hire_amount"),
                    r.money("referral_amount"), r.money("referral_cap_per_agency"),
                    r.date("epidemic_declared_end", nullable=True),
                    r.int("application_months", minimum=1), _codes(r, "funding_sources"),
                    _opt_int(r, "introduction_daily_limit", minimum=1) or DEFAULT_INTRODUCTION_DAILY_LIMIT)


def _r8(r: _Reader) -> R8Params:
    return R8Params(r.window(), _codes(r, "reference_categories"),
                    r.int("min_unemployed_months"), r.int("min_failed_referrals"))


def _r9(r: _Reader) -> R9Params:
    return R9Params(r.window(), r.int("retirement_years", minimum=1))


def _r10(r: _Reader) -> R10Params:
    quotas_raw = r.raw("district_quotas")
    if not isinstance(quotas_raw, dict) or not quotas_raw:
        raise r.fail("district_quotas", "expected a non-empty object of district: count")
    for district, count in quotas_raw.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise r.fail(f"district_quotas.{district}", "expected an integer >= 0")
    ext = r.child("extension")
    extension = (ext.window(), ext.int("months", minimum=1), ext.int("max_extensions"))
    ext.done()
    fund = r.child("protected_fund")
    protected = Code(fund.str("code"), fund.str("zh"), fund.str("en"))
    fund.done()
    params = R10Params(r.window(), MappingProxyType(dict(quotas_raw)), r.int("temporary_min_months", minimum=1),
                       r.int("temporary_max_months", minimum=1), *extension,
                       r.int("max_placements", minimum=1), r.int("retirement_years", minimum=1),
                       protected, _codes(r, "other_funds"))
    if params.temporary_min_months > params.temporary_max_months:
        raise r.fail("temporary_min_months", "is greater than temporary_max_months")
    return params


def _r13(r: _Reader) -> R13Params:
    return R13Params(r.window())


def _optional_int(r: _Reader, key: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    if r.raw(key, optional=True) is None:
        return None
    return r.int(key, minimum=minimum, maximum=maximum)


def _target_group(i: _Reader) -> TargetGroup:
    category = i.str("category")
    if not category:
        raise i.fail("category", "a target group needs the profile category that places a person in it")
    return TargetGroup(i.str("code"), i.str("zh"), i.str("en"), _optional_int(i, "cap"), category,
                       i.bool("confirmed", default=True), _optional_int(i, "min_education", maximum=7),
                       _optional_int(i, "since_year", minimum=1900))


def _r14(r: _Reader) -> R14Params:
    return R14Params(r.window(), _codes(r, "groups", _target_group))


def _r15(r: _Reader) -> R15Params:
    return R15Params(r.window(), r.money("amount"), r.int("graduation_year", minimum=1900),
                     r.str("origin_province"))


RULE_PARSERS: dict[str, Callable[[_Reader], Any]] = {
    "R1": _r1, "R2": _r2, "R3": _r3, "R4": _r4, "R5": _r5, "R6": _r6, "R7": _r7,
    "R8": _r8, "R9": _r9, "R10": _r10, "R13": _r13, "R14": _r14, "R15": _r15,
}


def _versions(rules: _Reader, rule: str) -> tuple[Any, ...]:
    raw = rules.raw(rule)
    entries = raw if isinstance(raw, list) else [raw]
    if not entries:
        raise rules.fail(rule, "expected an object or a non-empty list of versions")
    versions = []
    for i, entry in enumerate(entries):
        path = f"{rules.path}.{rule}" + (f"[{i}]" if isinstance(raw, list) else "")
        reader = _Reader(entry, path, rules.origin)
        versions.append(RULE_PARSERS[rule](reader))
        reader.done()
    _check_disjoint(rules, rule, versions)
    return tuple(versions)


def _check_disjoint(rules: _Reader, rule: str, versions: list[Any]) -> None:
    lo = date.min
    hi = date.max
    spans = sorted((v.window.start or lo, v.window.end or hi) for v in versions)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start <= end:
            raise rules.fail(rule, "versions have overlapping windows")


def _claim_evidence(top: _Reader) -> Mapping[str, tuple[str, ...]]:
    """The optional top-level ``claim_evidence``: {claim kind: [evidence code, ...]}."""
    raw = top.raw("claim_evidence", optional=True, default=None)
    if raw is None:
        return DEFAULT_CLAIM_EVIDENCE
    if not isinstance(raw, dict):
        raise top.fail("claim_evidence", "expected an object {claim kind: [evidence, ...]}")
    out = {}
    for kind, codes in raw.items():
        if kind not in CLAIM_KIND_CODES:
            raise top.fail(f"claim_evidence.{kind}", f"unknown claim kind (one of {', '.join(CLAIM_KIND_CODES)})")
        if not isinstance(codes, list) or not all(c in EVIDENCE_KINDS for c in codes) or len(set(codes)) != len(codes):
            raise top.fail(f"claim_evidence.{kind}", f"expected a list of distinct codes from {', '.join(EVIDENCE_KINDS)}")
        out[kind] = tuple(codes)
    return MappingProxyType(out)


def parse_policy_set(data: Any, origin: str = "<policy set>") -> PolicySet:
    """Validate a decoded JSON document and build a PolicySet, or raise PolicySetError."""
    top = _Reader(data, "$", origin)
    name, version = top.str("name"), top.str("version")
    if not name or not version:
        raise top.fail("name", "name and version must be non-empty")
    notes = top.raw("notes", optional=True, default=[])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise top.fail("notes", "expected a list of strings")
    rules = top.child("rules")
    parsed = {rule: _versions(rules, rule) for rule in RULE_PARSERS}
    rules.done()
    evidence = _claim_evidence(top)
    policy = PolicySet(name, version, top.str("title_zh"), top.str("title_en"),
                       top.str("source", optional=True), tuple(notes), MappingProxyType(parsed), evidence)
    top.done()
    return policy


def load_policy_set_file(path: str | Path) -> PolicySet:
    """Load and validate one set file; the set's `name` must match the file name."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicySetError(f"{path.name}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PolicySetError(f"{path.name}: not valid JSON: {exc}") from None
    policy = parse_policy_set(data, path.name)
    if policy.name != path.stem:
        raise PolicySetError(f"{path.name}: name {policy.name!r} does not match the file name")
    return policy


def _directories(extra: str | Path | None) -> list[Path]:
    return ([Path(extra)] if extra is not None else []) + [SETS_DIR]


def list_policy_sets(directory: str | Path | None = None) -> list[str]:
    """Names of the available sets (bundled, plus those in `directory`), sorted."""
    names = {p.stem for d in _directories(directory) if d.is_dir() for p in d.glob("*.json")}
    return sorted(names)


def load_policy_set(name: str, directory: str | Path | None = None) -> PolicySet:
    """Load the set called `name`, looking in `directory` first, then the bundled sets.

    Bundled sets are cached (they are read-only); an unknown name raises
    PolicySetError listing the known ones.
    """
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise PolicySetError(f"not a policy set name: {name!r}")
    for d in _directories(directory):
        path = d / f"{name}.json"
        if path.is_file():
            return _load_cached(str(path.resolve()), path.stat().st_mtime_ns)
    known = ", ".join(list_policy_sets(directory)) or "none"
    raise PolicySetError(f"unknown policy set {name!r} (known: {known})")


@lru_cache(maxsize=32)
def _load_cached(path: str, _mtime_ns: int) -> PolicySet:
    return load_policy_set_file(path)
