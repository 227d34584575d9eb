"""Input schemas (pydantic) shared by the JSON API and the HTML forms.

This is the edge: every field is checked here, so services receive clean values. Keys
(usernames, ID numbers, phones, credit codes, skills) are normalised here (NFKC,
traditional → simplified, white space collapsed); what people write (names, titles,
descriptions, notes) is kept as written (``chinese.tidy``) and normalised only where it
is searched, matched or compared.
``validate(schema, data)`` turns pydantic's errors into ``ValidationFailed`` with one
entry per field, each in Chinese and English.

Longer than the ~400 lines a module keeps to: it is the one edge every API body and form
passes, with the Chinese messages of pydantic's error types beside the types they name.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

import chinese
from marketplace import clock
from marketplace.core.hiring_conditions import HIRING_CONDITIONS
from marketplace.core.models import CATEGORIES, DISTRICTS, KINDS, ORG_TYPES, STAGES
from marketplace.core.schema_messages import errors_to_details, field_zh
from marketplace.errors import ValidationFailed
from marketplace.idcodes import credit_code_problem, id_birth_date, id_number_problem


def _norm(v):
    return chinese.normalize(v) if isinstance(v, str) else v


def _tidy(v):
    return chinese.tidy(v) if isinstance(v, str) else v


def _norm_upper(v):
    return chinese.normalize(v).upper().replace(" ", "") if isinstance(v, str) else v


def _check_id_number(v: str) -> str:
    problem = id_number_problem(v)
    if problem:
        raise PydanticCustomError(f"id_number_{problem}", {
            "format": "ID number must be 18 characters: 17 digits and a digit or X",
            "birth_date": "the birth date inside the ID number is not a real date",
            "check_digit": "the ID number's last character does not match (typo?)",
        }[problem])
    return v


def _check_credit_code(v: str) -> str:
    problem = credit_code_problem(v)
    if problem:
        raise PydanticCustomError(f"credit_code_{problem}", {
            "format": "the unified social credit code must be 18 characters of 0-9 and A-Y (no I, O, S, V, Z)",
            "check_digit": "the unified social credit code's last character does not match (typo?)",
        }[problem])
    return v


def _check_phone(v: str) -> str:
    if not (len(v) == 11 and v.isdigit() and v.startswith("1")):
        raise PydanticCustomError("phone", "phone must be an 11-digit mobile number starting with 1")
    return v


def _check_skills(v: list[str]) -> list[str]:
    return list(dict.fromkeys(s for s in v if s))


def raise_all(problems: list[tuple[str, str]]) -> None:
    """Raise every problem a model validator found at once: one is raised as itself,
    several as one ``several`` error that ``errors_to_details`` spreads back into one
    entry per problem (pydantic stops a model validator at its first raise)."""
    if len(problems) == 1:
        raise PydanticCustomError(*problems[0])
    if problems:
        raise PydanticCustomError("several", "; ".join(m for _c, m in problems), {"problems": problems})


# what people write is stored as written (chinese.tidy); keys are normalised where used
Text = lambda n, min_len=0: Annotated[str, StringConstraints(min_length=min_len, max_length=n), BeforeValidator(_tidy)]  # noqa: E731
Name = Annotated[str, StringConstraints(min_length=1, max_length=64), BeforeValidator(_tidy)]
Skill = Annotated[str, StringConstraints(min_length=1, max_length=40), BeforeValidator(_norm)]
Skills = Annotated[list[Skill], Field(max_length=30), AfterValidator(_check_skills)]
IdNumber = Annotated[str, BeforeValidator(_norm_upper), AfterValidator(_check_id_number)]
CreditCode = Annotated[str, BeforeValidator(_norm_upper), AfterValidator(_check_credit_code)]
Phone = Annotated[str, BeforeValidator(_norm_upper), AfterValidator(_check_phone)]
District = Literal[tuple(DISTRICTS)]  # type: ignore[valid-type]
Education = Annotated[int, Field(ge=0, le=7)]
Money = Annotated[int, Field(ge=0, le=1_000_000)]
Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$"), BeforeValidator(_norm)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


#: A record id in a request body: a positive 64-bit integer (the databases' id type), so a
#: larger number is a 422 naming the field, not an overflow deep in the driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Credentials(Strict):
    username: Username
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class CategoryIn(Strict):
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    since_on: dt.date | None = None
    detail: Text(100) = ""


class ProfileIn(Strict):
    name: Name
    gender: Literal["男", "女"]
    birth_on: dt.date
    id_number: IdNumber | None = None
    phone: Phone | None = None
    hukou_place: Text(100) = ""
    district: District
    education: Education = 0
    major: Text(100) = ""
    graduation_year: Annotated[int, Field(ge=1950, le=2100)] | None = None
    skills: Skills = []
    experience: Text(4000) = ""
    summary: Text(2000) = ""
    desired_jobs: Text(500) = ""
    desired_places: Annotated[list[District], Field(max_length=8)] = []
    desired_salary_min: Money | None = None
    occupation_codes: Annotated[list[Annotated[str, Field(pattern=r"^\d-\d{2}-\d{2}-\d{2}$")]], Field(max_length=10)] = []
    published: bool = False
    categories: Annotated[list[CategoryIn], Field(max_length=len(CATEGORIES))] = []

    @model_validator(mode="after")
    def _consistent(self):
        today = clock.today()
        if not (dt.date(1900, 1, 1) <= self.birth_on <= today):
            raise PydanticCustomError("birth_on_range", "birth date must be between 1900-01-01 and today")
        if self.id_number:
            if id_birth_date(self.id_number) != self.birth_on:
                raise PydanticCustomError("id_birth_mismatch", "the birth date does not match the ID number")
        if self.graduation_year and self.graduation_year < self.birth_on.year + 10:
            raise PydanticCustomError("graduation_year_early", "graduation year is before the person was 10 years old")
        names = [c.category for c in self.categories]
        if len(names) != len(set(names)):
            raise PydanticCustomError("duplicate_category", "a category is listed twice")
        return self


class DocumentIn(Strict):
    """A document an organisation names for its verification (brought to, or checked by, the caseworker)."""
    #: e.g. 就业见习基地认定文件, 国有资产产权登记证, 事业单位法人证书
    name: Text(100, 1)
    #: its number (文号, 证书编号), if it has one
    number: Text(64) = ""


class VerificationAsk(Strict):
    """What an organisation ASKS the service to verify. Nothing here is granted by asking: it is
    recorded as a request (``core.verification``) and a caseworker decides."""
    org_type: Literal[ORG_TYPES]  # type: ignore[valid-type]
    is_internship_base: bool = False
    internship_base_since_on: dt.date | None = None
    is_epidemic_supply: bool = False
    documents: Annotated[list[DocumentIn], Field(max_length=10)] = []

    @model_validator(mode="after")
    def _asked_with_documents(self):
        if self.internship_base_since_on is not None:
            if not self.is_internship_base:
                raise PydanticCustomError("base_since_without_base",
                                          "internship_base_since_on is for an organisation asking to be an internship base")
            if self.internship_base_since_on > clock.today():
                raise PydanticCustomError("base_since_future", "internship_base_since_on cannot be in the future")
        privileged = self.org_type != "enterprise" or self.is_internship_base or self.is_epidemic_supply
        if privileged and not self.documents:
            raise PydanticCustomError("documents_needed", "name the document that shows what you ask for "
                                      "(e.g. the internship-base certificate and its number)")
        return self


class OrganisationIn(VerificationAsk):
    """An organisation at registration. Its type and flags are only what it asks for (see VerificationAsk)."""
    name: Text(200, 2)
    industry: Text(64) = ""
    district: District
    credit_code: CreditCode


class VerifyIn(Strict):
    """A caseworker's verification: what was checked, and the facts it sets (each defaults to
    what the organisation asked for)."""
    checked: Text(1000, 2)
    org_type: Literal[ORG_TYPES] | None = None  # type: ignore[valid-type]
    is_internship_base: bool | None = None
    internship_base_since_on: dt.date | None = None
    is_epidemic_supply: bool | None = None


class ReasonIn(Strict):
    """A refusal or revocation, with the reason the organisation will read."""
    reason: Text(1000, 2)


class RegisterPerson(Strict):
    username: Username
    password: Password
    display_name: Name
    locale: Literal["zh", "en"] = "zh"


class RegisterEmployer(Strict):
    username: Username
    password: Password
    display_name: Name
    locale: Literal["zh", "en"] = "zh"
    organisation: OrganisationIn


class StaffIn(Strict):
    username: Username
    password: Password
    display_name: Name


class UserIn(Strict):
    """An admin creates staff accounts (caseworker, organiser, admin, agency/employer staff)."""
    username: Username
    password: Password
    display_name: Name
    role: Literal["person", "employer", "agency", "caseworker", "organiser", "admin"]
    district: District | None = None
    organisation_id: Id | None = None

    @model_validator(mode="after")
    def _role_fields(self):
        if self.role == "caseworker" and not self.district:
            raise PydanticCustomError("caseworker_district", "a caseworker account needs a district")
        if self.role in ("employer", "agency") and not self.organisation_id:
            raise PydanticCustomError("staff_organisation", "employer and agency staff need an organisation_id")
        return self


class UserPatch(Strict):
    """An admin's edit of an account: only the fields given change (``district`` and
    ``organisation_id`` may be set to null)."""
    is_active: bool | None = None
    district: District | None = None
    display_name: Name | None = None
    role: Literal["person", "employer", "agency", "caseworker", "organiser", "admin"] | None = None
    organisation_id: Id | None = None


class PasswordChange(Strict):
    old_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    new_password: Password


class PasswordReset(Strict):
    """An admin's temporary password, to be changed at the next login."""
    password: Password


class DuplicateResolution(Strict):
    """A caseworker's decision on an ID number typed by two people, after seeing the ID card."""
    resolution: Literal["kept_holder", "moved_to_profile"]
    note: Text(500, 2)


class PostingIn(Strict):
    kind: Literal[KINDS]  # type: ignore[valid-type]
    title: Text(100, 2)
    description: Text(5000, 10)
    requirements: Text(3000) = ""
    skills: Skills = []
    education_min: Education = 0
    salary_min: Money | None = None
    salary_max: Money | None = None
    headcount: Annotated[int, Field(ge=1, le=10000)] = 1
    district: District
    #: a target group of the active policy set (R14; checked by core.postings against the set)
    target_group: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    #: conditions of hiring picked from core.hiring_conditions.HIRING_CONDITIONS
    hiring_conditions: Annotated[list[Literal[tuple(HIRING_CONDITIONS)]],  # type: ignore[valid-type]
                                 Field(max_length=len(HIRING_CONDITIONS))] = []
    #: aimed at college graduates (面向高校毕业生)
    for_graduates: bool = False
    open_on: dt.date | None = None
    close_on: dt.date | None = None
    period_months: Annotated[int, Field(ge=3, le=12)] | None = None
    stipend: Annotated[Decimal, Field(ge=0, le=100000, max_digits=8, decimal_places=2)] | None = None
    temporary: bool | None = None
    term_months: Annotated[int, Field(ge=1, le=60)] | None = None
    occupation_code: Annotated[str, Field(pattern=r"^\d-\d{2}-\d{2}-\d{2}$")] | None = None

    @model_validator(mode="after")
    def _consistent(self):
        # every problem at once (a salary error must not hide the period error)
        problems = []
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            problems.append(("salary_range", "salary_min must not exceed salary_max"))
        self.hiring_conditions = list(dict.fromkeys(self.hiring_conditions))
        if self.open_on and self.close_on and self.open_on > self.close_on:
            problems.append(("date_range", "open_on must not be after close_on"))
        if self.kind == "internship":
            if self.period_months is None:
                problems.append(("internship_period", "an internship needs period_months (3-12)"))
            if self.stipend is None:
                problems.append(("internship_stipend", "an internship needs a monthly stipend"))
        elif self.period_months is not None or self.stipend is not None:
            problems.append(("not_internship", "period_months and stipend are for internships only"))
        if self.kind == "public_welfare":
            if self.temporary is None:
                problems.append(("pw_temporary", "a public-welfare post must say whether it is temporary"))
            if self.temporary and not (self.term_months and 3 <= self.term_months <= 6):
                problems.append(("pw_term", "a temporary public-welfare post has a term of 3-6 months"))
            if not self.temporary and self.term_months is None:
                problems.append(("pw_term_missing", "a public-welfare post needs term_months"))
        elif self.temporary is not None or self.term_months is not None:
            problems.append(("not_public_welfare", "temporary and term_months are for public-welfare posts only"))
        raise_all(problems)
        return self


class ApplicationIn(Strict):
    note: Text(1000) = ""


class ReopenIn(Strict):
    """Extend a published posting or reopen a closed one (issue 15); no date: open-ended."""
    close_on: dt.date | None = None
    reason: Text(500) = ""


class StageIn(Strict):
    stage: Literal[STAGES]  # type: ignore[valid-type]
    note: Text(1000) = ""


# --- error messages: marketplace.core.schema_messages ----------------------------------

def _refusal(exc: ValidationError) -> ValidationFailed:
    details = errors_to_details(exc)
    return ValidationFailed(
        "；".join(f"{field_zh(d['field'])}：{d['message']['zh']}" for d in details),
        "; ".join(f"{d['field']}: {d['message']['en']}" for d in details),
        field=details[0]["field"], details=details,
    )


def validate(schema: type[BaseModel], data) -> BaseModel:
    """Validate ``data`` (a dict from a form, whose values are all text) or raise
    ``ValidationFailed``. Forms are read leniently: their "4" is a number."""
    if not isinstance(data, dict):
        raise ValidationFailed("请求体应为 JSON 对象", "the request body must be a JSON object", field="body")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise _refusal(exc) from None


def validate_json(schema: type[BaseModel], raw: bytes) -> BaseModel:
    """Validate a JSON request body strictly (pydantic's strict mode): a number is a JSON
    number, never ``true`` or the text "１２"; a date is a "YYYY-MM-DD" string, never a
    timestamp; a yes/no is ``true``/``false``. The API's clients are programs: what they
    send is taken as typed or refused, naming the field."""
    try:
        return schema.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(e["type"] == "model_type" and not e["loc"] for e in exc.errors()):
            raise ValidationFailed("请求体应为 JSON 对象", "the request body must be a JSON object",
                                   field="body") from None
        raise _refusal(exc) from None
