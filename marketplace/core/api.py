"""The core's JSON API (accounts, profiles, postings, applications, search, recommendations)
on the shared ``/api/v1`` blueprint. Thin views: parse, call an operation, serialise. Past 400 lines
because it is one thin view per endpoint of the core (saved searches added the last three)."""
from __future__ import annotations

from flask import request

import chinese
from marketplace import clock, policies
from marketplace.core import (
    accounts,
    applications,
    eligibility,
    postings,
    profiles,
    recommend,
    saved_searches,
    searching,
    verification,
)
from marketplace.core import id_duplicates as id_duplicates_ops
from marketplace.core.models import CATEGORIES, DISTRICTS, KINDS, ORG_TYPES, ROLES, STAGES
from marketplace.core.schemas import (
    ApplicationIn,
    Credentials,
    DuplicateResolution,
    PasswordChange,
    PasswordReset,
    PostingIn,
    ProfileIn,
    ReasonIn,
    RegisterEmployer,
    RegisterPerson,
    ReopenIn,
    StaffIn,
    StageIn,
    Strict,
    UserIn,
    UserPatch,
)
from marketplace.errors import DomainError, NotFound, ValidationFailed
from marketplace.policy import PolicySetError, calculate_internship_json
from marketplace.web import cipher, client_address, db, login_limits, runtime, settings
from marketplace.web.api import bp, choice_arg, page_args, paged
from marketplace.web.apispec import ANYONE, SIGNED_IN, api_route

EMPLOYER = ("employer", "agency")


# --- accounts -------------------------------------------------------------------------

@api_route(bp, "/auth/register/person", ["POST"], ANYONE, "Register a job seeker account", body=RegisterPerson)
def register_person(actor, data):
    user = accounts.register_person(db(), data)
    return accounts.user_to_dict(user), 201


@api_route(bp, "/auth/register/employer", ["POST"], ANYONE, "Register an organisation and its first HR account",
           body=RegisterEmployer)
def register_employer(actor, data):
    """The organisation starts unverified: its type and flags in the body are recorded as its
    request (``verification``), and a caseworker of its district sets them."""
    user = accounts.register_employer(db(), data)
    return {"user": accounts.user_to_dict(user), "organisation": accounts.organisation_to_dict(user.organisation),
            "verification": verification.my_status(db(), user)}, 201


@api_route(bp, "/auth/token", ["POST"], ANYONE, "Exchange username and password for a bearer token", body=Credentials)
def token(actor, data):
    try:
        user = accounts.authenticate(db(), data.username, data.password, client_address(), login_limits())
    except DomainError:
        accounts.keep_failed_login(db())  # the failure counts must survive the refusal (throttling)
        raise
    tok, expires = accounts.issue_token(db(), user, settings().TOKEN_TTL_HOURS)
    return {"token": tok, "expires_at": expires.isoformat() + "Z", "user": accounts.user_to_dict(user)}, 201


@api_route(bp, "/auth/token", ["DELETE"], SIGNED_IN, "Revoke the token used for this request")
def revoke(actor):
    accounts.revoke_token(db(), request.headers["Authorization"][7:].strip())
    return {"revoked": True}


@api_route(bp, "/auth/password", ["POST"], SIGNED_IN,
           "Change my password (the current one required); ends my other sessions and revokes all my tokens, "
           "this one too: the answer carries a new token", body=PasswordChange)
def change_password(actor, data):
    try:
        accounts.change_password(db(), actor, data.old_password, data.new_password, client_address(), login_limits())
    except DomainError:
        accounts.keep_failed_login(db())
        raise
    tok, expires = accounts.issue_token(db(), actor, settings().TOKEN_TTL_HOURS)
    return {"changed": True, "token": tok, "expires_at": expires.isoformat() + "Z"}


@api_route(bp, "/auth/logout-everywhere", ["POST"], SIGNED_IN,
           "Log out everywhere: end all my browser sessions and revoke all my API tokens, this one too")
def logout_everywhere(actor):
    accounts.log_out_everywhere(db(), actor)
    return {"signed_out": True}


@api_route(bp, "/me", roles=SIGNED_IN, summary="The signed-in account")
def me(actor):
    d = accounts.user_to_dict(actor)
    if actor.organisation is not None:
        d["organisation"] = accounts.organisation_to_dict(actor.organisation)
    return d


@api_route(bp, "/organisations/me/staff", ["POST"], EMPLOYER, "Add an HR staff account to my organisation",
           body=StaffIn)
def add_staff(actor, data):
    return accounts.user_to_dict(accounts.add_staff(db(), actor, data)), 201


@api_route(bp, "/admin/users", roles=("admin",), summary="List accounts", paginated=True,
           query={"role": ("string", "filter by role"), "organisation_id": ("integer", "filter by organisation"),
                  "district": ("string", "filter by district"), "q": ("string", "words in the username or name")})
def admin_users(actor):
    stmt = accounts.admin_list_users(db(), actor, choice_arg("role", ROLES), _int_arg("organisation_id", 1, 2**63 - 1),
                                     choice_arg("district", DISTRICTS), chinese.normalize(request.args.get("q", ""))[:64])
    return paged(stmt, accounts.user_to_dict)


@api_route(bp, "/admin/users", ["POST"], ("admin",), "Create a staff account", body=UserIn)
def admin_create(actor, data):
    return accounts.user_to_dict(accounts.admin_create_user(db(), actor, data)), 201


@api_route(bp, "/admin/users/<int:user_id>", ["PATCH"], ("admin",),
           "Edit an account: name, role, district, organisation, active (audited)", body=UserPatch)
def admin_update(actor, user_id, data):
    return accounts.user_to_dict(accounts.admin_update_user(db(), actor, user_id, data))


@api_route(bp, "/admin/users/<int:user_id>/password", ["POST"], ("admin",),
           "Set a temporary password, to be changed at the next login; ends the account's sessions and tokens",
           body=PasswordReset)
def admin_reset_password(actor, user_id, data):
    return accounts.user_to_dict(accounts.admin_reset_password(db(), actor, user_id, data.password))


@api_route(bp, "/admin/users/<int:user_id>/sign-out", ["POST"], ("admin",),
           "End every session and revoke every API token of an account")
def admin_sign_out(actor, user_id):
    return accounts.user_to_dict(accounts.admin_sign_out(db(), actor, user_id))


# --- profiles -------------------------------------------------------------------------

@api_route(bp, "/profiles/me", roles=("person",), summary="My profile")
def my_profile(actor):
    p = profiles.my_profile(db(), actor)
    if p is None:
        raise NotFound("个人档案（请先创建）", "profile (create it first)")
    return profiles.profile_to_dict(p, cipher(), actor)


@api_route(bp, "/profiles/me", ["PUT"], ("person",), "Create or replace my profile", body=ProfileIn)
def put_my_profile(actor, data):
    p = profiles.save_my_profile(db(), cipher(), actor, data)
    return profiles.profile_to_dict(p, cipher(), actor)


@api_route(bp, "/profiles", roles=("caseworker", "admin"), summary="Profiles in my district", paginated=True,
           query={"q": ("string", "name contains")})
def list_profiles(actor):
    stmt = profiles.district_profiles(actor, request.args.get("q", "")[:64])
    return paged(stmt, lambda p: profiles.profile_to_dict(p, cipher(), actor))


@api_route(bp, "/profiles", ["POST"], ("caseworker", "admin"), "Register a person at the desk", body=ProfileIn)
def create_profile(actor, data):
    p = profiles.caseworker_save_profile(db(), cipher(), actor, None, data)
    return profiles.profile_to_dict(p, cipher(), actor), 201


@api_route(bp, "/profiles/<int:profile_id>", roles=SIGNED_IN, summary="One profile, if visible to me")
def get_profile(actor, profile_id):
    return profiles.profile_to_dict(profiles.get_profile(db(), actor, profile_id), cipher(), actor)


@api_route(bp, "/profiles/<int:profile_id>", ["PUT"], ("caseworker", "admin"),
           "Correct a profile in my district", body=ProfileIn)
def correct_profile(actor, profile_id, data):
    p = profiles.caseworker_save_profile(db(), cipher(), actor, profile_id, data,
                                         reason=request.args.get("reason", "")[:500])
    return profiles.profile_to_dict(p, cipher(), actor)


@api_route(bp, "/profiles/<int:profile_id>/categories/<category>/confirm", ["POST"], ("caseworker", "admin"),
           "Confirm a benefit-granting category")
def confirm_category(actor, profile_id, category):
    row = profiles.confirm_category(db(), actor, profile_id, category)
    return {"category": row.category, "confirmed_by_id": row.confirmed_by_id,
            "confirmed_at": row.confirmed_at.isoformat()}


@api_route(bp, "/caseworker/id-duplicates", roles=("caseworker", "admin"), paginated=True,
           summary="ID numbers typed by a person of my district that another profile holds, to resolve")
def id_duplicates(actor):
    return paged(id_duplicates_ops.open_duplicates(db(), actor),
                 lambda d: id_duplicates_ops.duplicate_to_dict(d, cipher(), actor))


@api_route(bp, "/caseworker/id-duplicates/<int:duplicate_id>/resolve", ["POST"], ("caseworker", "admin"),
           "Resolve a duplicate ID number after seeing the ID card (audited)", body=DuplicateResolution)
def resolve_id_duplicate(actor, duplicate_id, data):
    dup = id_duplicates_ops.resolve(db(), cipher(), actor, duplicate_id, data.resolution, data.note)
    return id_duplicates_ops.duplicate_to_dict(dup, cipher(), actor)


# --- postings -------------------------------------------------------------------------

@api_route(bp, "/postings", roles=ANYONE, summary="Published postings, newest first", paginated=True,
           query={"kind": ("string", "job, internship or public_welfare"), "district": ("string", "district"),
                  "q": ("string", "words in title or description")})
def list_postings(actor):
    stmt = postings.public_postings(kind=choice_arg("kind", KINDS), district=choice_arg("district", DISTRICTS),
                                    q=request.args.get("q", "")[:100] or None)
    return paged(stmt, postings.posting_to_dict)


@api_route(bp, "/postings", ["POST"], EMPLOYER, "Create a posting (as a draft)", body=PostingIn)
def create_posting(actor, data):
    return postings.posting_to_dict(postings.create_posting(db(), actor, data)), 201


@api_route(bp, "/postings/mine", roles=EMPLOYER, summary="My organisation's postings", paginated=True)
def my_postings(actor):
    return paged(postings.org_postings(actor), postings.posting_to_dict)


@api_route(bp, "/postings/<int:posting_id>", roles=ANYONE, summary="One posting")
def get_posting(actor, posting_id):
    return postings.posting_to_dict(postings.get_posting(db(), actor, posting_id))


@api_route(bp, "/postings/<int:posting_id>", ["PUT"], EMPLOYER, "Replace a posting's fields",
           body=PostingIn)
def update_posting(actor, posting_id, data):
    return postings.posting_to_dict(postings.update_posting(db(), actor, posting_id, data,
                                                            reason=request.args.get("reason", "")[:500]))


@api_route(bp, "/postings/<int:posting_id>/publish", ["POST"], EMPLOYER, "Publish a draft posting")
def publish_posting(actor, posting_id):
    return postings.posting_to_dict(postings.publish_posting(db(), actor, posting_id))


@api_route(bp, "/postings/<int:posting_id>/close", ["POST"], EMPLOYER, "Close a posting")
def close_posting(actor, posting_id):
    return postings.posting_to_dict(postings.close_posting(db(), actor, posting_id))


@api_route(bp, "/postings/<int:posting_id>/reopen", ["POST"], EMPLOYER,
           "Extend a published posting or reopen a closed one with a new closing date (not in the past)",
           body=ReopenIn)
def reopen_posting(actor, posting_id, data):
    return postings.posting_to_dict(postings.reopen_posting(db(), actor, posting_id, data.close_on, data.reason))


# --- applications ---------------------------------------------------------------------

@api_route(bp, "/postings/<int:posting_id>/applications", ["POST"], ("person",), "Apply to a posting",
           body=ApplicationIn)
def apply(actor, posting_id, data):
    return applications.application_to_dict(applications.apply(db(), actor, posting_id, data.note)), 201


@api_route(bp, "/postings/<int:posting_id>/applications", roles=EMPLOYER, summary="Applications to my posting",
           paginated=True, query={"stage": ("string", "filter by stage")})
def posting_applications(actor, posting_id):
    postings.own_posting(db(), actor, posting_id)
    stmt = applications.applications_for(actor, posting_id, choice_arg("stage", STAGES))
    return paged(stmt, applications.application_to_dict)


@api_route(bp, "/applications", roles=("person", "employer", "agency", "caseworker", "admin"),
           summary="Applications I may see (mine, or to my organisation's postings)", paginated=True,
           query={"stage": ("string", "filter by stage")})
def list_applications(actor):
    return paged(applications.applications_for(actor, None, choice_arg("stage", STAGES)),
                 applications.application_to_dict)


@api_route(bp, "/applications/<int:application_id>", roles=("person", "employer", "agency", "caseworker", "admin"),
           summary="One application with its history")
def get_application(actor, application_id):
    return applications.application_to_dict(applications.get_application(db(), actor, application_id))


@api_route(bp, "/applications/<int:application_id>/stage", ["POST"], ("person", "employer", "agency"),
           "Move an application to another stage", body=StageIn)
def move_stage(actor, application_id, data):
    app = applications.move_stage(db(), actor, application_id, data.stage, data.note)
    return applications.application_to_dict(app)


@api_route(bp, "/applications/<int:application_id>/reverse", ["POST"], ("employer", "agency"),
           "Undo the last stage move (已入职 included) with a reason", body=ReasonIn)
def reverse_stage(actor, application_id, data):
    return applications.application_to_dict(applications.reverse_stage(db(), actor, application_id, data.reason))


# --- search ---------------------------------------------------------------------------

def _int_arg(name: str, lo: int, hi: int) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
        raise ValidationFailed(f"{name} 应为 {lo} 到 {hi} 之间的整数", f"{name} must be a whole number from {lo} to {hi}",
                               field=name)
    return int(raw)


def _search_page_dict(result, to_dict) -> dict:
    d = {"items": [to_dict(i) for i in result.items], "page": result.page, "per_page": result.per_page,
         "total": result.total, "facets": result.facets, "degraded": result.degraded}
    if getattr(result, "exact_total", None) is not None:
        d["exact_total"] = result.exact_total
    if result.notice:
        d["notice"] = {"zh": result.notice[0], "en": result.notice[1]}
    return d


@api_route(bp, "/search/postings", roles=ANYONE, summary="Search published postings (Chinese full text + meaning)",
           paginated=True, query={"q": ("string", "words, Chinese or English; traditional characters are fine"),
                                  "kind": ("string", "job, internship or public_welfare"),
                                  "district": ("string", "district"), "education": ("integer", "my education level 0-7"),
                                  "salary_min": ("integer", "pay at least this (yuan/month)"),
                                  "employer_type": ("string", "enterprise, soe, public_institution, social_org"),
                                  "sort": ("string", "relevance, date (newest) or pay (highest first)"),
                                  "facets": ("string", "counts to compute: all (the default), 0 (none: faster), or "
                                                       "names among kind, district, education_min, employer_type")})
def search_postings(actor):
    page, per_page = page_args()
    req = searching.PostingSearch(
        q=_norm_q(request.args.get("q", "")), kind=choice_arg("kind", KINDS), district=choice_arg("district", DISTRICTS),
        education_max=_int_arg("education", 0, 7), salary_min=_int_arg("salary_min", 0, 1_000_000),
        employer_type=choice_arg("employer_type", ORG_TYPES), sort=choice_arg("sort", searching.SORTS) or "relevance",
        page=page, per_page=per_page, facets=searching.facets_arg(request.args.get("facets")))
    rt = runtime()
    result = searching.search_posting_cards(db(), rt, req)
    # a person's results say whether they may apply and why not (core.eligibility, as applying decides)
    verdicts = eligibility.for_person(db(), actor, result.items, clock.today())
    return _search_page_dict(result, lambda card: dict(card, eligibility=verdicts[card["id"]]) if verdicts else card)


@api_route(bp, "/saved-searches", roles=("person",), summary="My saved posting searches")
def my_saved_searches(actor):
    return {"items": [saved_searches.to_dict(s) for s in saved_searches.saved_for(db(), actor)]}


@api_route(bp, "/saved-searches", ["POST"], ("person",),
           "Save a posting search: new matching postings are notified at most once a day", body=saved_searches.SavedSearchIn)
def save_search(actor, data):
    s = saved_searches.save(db(), actor, _norm_q(data.q), data.model_dump(exclude={"q"}))
    return saved_searches.to_dict(s), 201


@api_route(bp, "/saved-searches/<int:saved_id>", ["DELETE"], ("person",), "Stop a saved search")
def delete_saved_search(actor, saved_id):
    saved_searches.delete(db(), actor, saved_id)
    return {"deleted": True}


@api_route(bp, "/search/profiles", roles=("employer", "agency", "caseworker", "admin"),
           summary="Search published (consenting) profiles", paginated=True,
           query={"q": ("string", "words"), "district": ("string", "district"),
                  "education": ("integer", "at least this level 0-7"), "category": ("string", "a category"),
                  "facets": ("string", "counts to compute: all (the default), 0 (none: faster), or names among "
                                       "district, education, categories")})
def search_profiles(actor):
    verification.require_verified(actor)  # the employer's entry point; scoping is searching's
    page, per_page = page_args()
    rt = runtime()
    result = searching.search_profiles(db(), rt, actor, q=_norm_q(request.args.get("q", "")),
                                       district=choice_arg("district", DISTRICTS),
                                       education_min=_int_arg("education", 0, 7),
                                       category=choice_arg("category", CATEGORIES), page=page, per_page=per_page,
                                       facets=searching.facets_arg(request.args.get("facets"), searching.PROFILE_FACETS))
    return _search_page_dict(result, lambda p: profiles.profile_to_dict(p, cipher(), actor))


def _norm_q(q: str) -> str:
    q = chinese.normalize(q)
    if len(q) > 100:
        raise ValidationFailed("搜索词最多100个字", "the search text is limited to 100 characters", field="q")
    return q


# --- policy ---------------------------------------------------------------------------

@api_route(bp, "/policy/internship-subsidy", ["POST"], ANYONE,
           "Internship-subsidy calculator (POLICY.md section 6): one case or a list of cases")
def internship_subsidy(actor):
    """Takes and returns the calculator contract's JSON. 200 when every case is answered;
    422 when any case is refused (each refused case says why; the others are answered)."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed("请求体应为 JSON 对象或列表", "the body must be a JSON object or a list of them", field="body")
    result, ok = calculate_internship_json(data, resolve=policy_resolver())
    return result, (200 if ok else 422)


def policy_resolver():
    """The app's sets for the calculator: a named set in its version in force on the case's
    outcome date, or the city's set in force then when the case names none."""
    session = db()

    def resolve(name, on):
        try:
            return policies.version_on(name, on, session) if name else policies.in_force(on, session)
        except DomainError as exc:
            raise PolicySetError(exc.message_en) from None
    return resolve


# --- matching -------------------------------------------------------------------------

class InviteIn(Strict):
    profile_id: int
    note: str = ""


def _ranked(result: dict, key: str, to_dict) -> dict:
    page, per_page = page_args()
    items = [dict({k: v for k, v in item.items() if k != key}, **{key: to_dict(item[key])})
             for item in result["items"]]
    return {"items": items, "page": page, "per_page": per_page, "total": result["total"],
            "excluded_by_hard_filters": result["excluded"]}


@api_route(bp, "/postings/<int:posting_id>/candidates", roles=("employer", "agency", "caseworker", "admin"),
           summary="People ranked for a posting, with reasons and gaps", paginated=True,
           query={"district": ("string", "only people living in this district"),
                  "include_ineligible": ("boolean", "also list people failing a hard filter, with why")})
def posting_candidates(actor, posting_id):
    page, per_page = page_args()
    result = recommend.candidates(db(), runtime(), actor, posting_id, offset=(page - 1) * per_page, limit=per_page,
                                  include_ineligible=request.args.get("include_ineligible") in ("1", "true"),
                                  district=choice_arg("district", DISTRICTS))
    out = _ranked(result, "profile", lambda p: profiles.profile_to_dict(p, cipher(), actor))
    # applicants core.eligibility refuses today: not ranked, listed with the label and reason
    out["ineligible_applicants"] = [dict(a, profile=profiles.profile_to_dict(a["profile"], cipher(), actor))
                                    for a in result["ineligible_applicants"]]
    return out


@api_route(bp, "/profiles/<int:profile_id>/recommendations", roles=("person", "caseworker", "admin"),
           summary="Open postings ranked for a person, with reasons and gaps", paginated=True,
           query={"kind": ("string", "job, internship or public_welfare")})
def profile_recommendations(actor, profile_id):
    page, per_page = page_args()
    result = recommend.recommendations(db(), runtime(), actor, profile_id, offset=(page - 1) * per_page,
                                       limit=per_page, kind=choice_arg("kind", KINDS))
    return _ranked(result, "posting", postings.posting_to_dict)


@api_route(bp, "/postings/<int:posting_id>/invitations", ["POST"], EMPLOYER,
           "Invite a person to apply (they accept or decline)", body=InviteIn)
def invite(actor, posting_id, data):
    app = applications.invite(db(), actor, posting_id, data.profile_id, chinese.tidy(data.note)[:1000])
    return applications.application_to_dict(app), 201
