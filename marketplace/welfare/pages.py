"""Welfare pages: the caseworker's desk, the actions on a person's file (registration,
hard-to-employ status, referrals, placements, follow-ups; the file itself is part of the
caseworker's one page of the person, ``person_page``), public-welfare posts and their
placement queue, the monitoring dashboard with charts, and a person's own registration page.
Thin views: parse the form, call the area's operations (``registrations``,
``hard_to_employ``, ``referrals``, ``placements``, ``followups``, ``dashboard``), render.
A refused action is shown with its reason (the rule's, in the person's language) and
nothing is saved. (Over 400 lines on purpose: the one ``welfare`` blueprint, whose views
share its helpers; issue 15's corrections added two small views.)"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import clock
from marketplace.core.models import DISTRICTS
from marketplace.core.pages import _norm
from marketplace.core.profiles import my_profile
from marketplace.core.schemas import validate
from marketplace.errors import DomainError
from marketplace.web import db, runtime
from marketplace.web.forms import act_then_back, field_errors, message, require_role, whole_number
from marketplace.web.i18n import current_lang
from marketplace.welfare import common, corrections, followups, hard_to_employ, placements, referrals, registrations
from marketplace.welfare import dashboard as reports
from marketplace.welfare.rechecks import keep as keep_reviewed
from marketplace.welfare.schemas import (
    ContactIn,
    ExtensionIn,
    HardToEmployCorrectionIn,
    HardToEmployIn,
    KeepPlacementIn,
    OutcomeIn,
    PlacementEndIn,
    PlacementIn,
    ReferralIn,
    RegistrationCorrectionIn,
    RegistrationEndIn,
    RegistrationIn,
)

bp = Blueprint("welfare", __name__, url_prefix="/welfare", template_folder="templates")
STAFF = ("caseworker", "admin")

W = {
    "basis": {"hukou": ("户籍地", "household registration"), "residence": ("常住地", "usual residence")},
    "channel": {"online": ("网上登记", "online"), "desk": ("窗口登记", "at the desk")},
    "end_reason": {"hired_in_system": ("经本平台录用", "hired through this system"),
                   "placed_public_welfare": ("安置到公益性岗位", "placed on a public-welfare post"),
                   "employed": ("已就业", "found work"), "self_employed": ("自主创业/灵活就业", "self-employed"),
                   "moved_away": ("迁出本地", "moved away"), "retired": ("达到退休年龄", "reached retirement age"),
                   "other": ("其他", "other")},
    "outcome": {"hired": ("已录用", "hired"), "not_hired": ("未录用", "not hired"), "refused": ("本人拒绝", "refused")},
    "hte_basis": {"registered": ("认定为就业困难人员", "registered hard-to-employ"),
                  "reference": ("参照就业困难人员（R8）", "treated like hard-to-employ (R8)")},
    "placement_end": {"term_ended": ("期满", "term ended"), "stable_work": ("实现稳定就业", "found stable work"),
                      "left": ("本人离岗", "left"), "other": ("其他", "other")},
    "contact": {"phone": ("电话", "phone"), "visit": ("走访", "visit"), "online": ("网上", "online")},
    "group": {"hard_to_employ": ("就业困难人员", "hard to employ"),
              "zero_employment_family": ("零就业家庭成员", "zero-employment family"), "disabled": ("残疾人", "disabled"),
              "veteran": ("退役军人", "veteran"), "landless_farmer": ("失地农民", "landless farmer"),
              "model_worker": ("劳动模范", "model worker"), "graduating_year_graduate": ("高校毕业生", "graduates"),
              "near_retirement": ("距退休不足5年", "within 5 years of retirement")},
    "duration": {"lt3": ("不足3个月", "under 3 months"), "3to6": ("3—6个月", "3–6 months"),
                 "6to12": ("6—12个月", "6–12 months"), "12to24": ("1—2年", "1–2 years"), "ge24": ("2年以上", "2 years +")},
    "kind": {"job": ("招聘岗位", "jobs"), "internship": ("见习岗位", "internships"),
             "public_welfare": ("公益性岗位", "public-welfare")},
    "series": {"postings": ("发布岗位", "postings"), "hires": ("录用/安置", "hires"),
               "registrations": ("新登记失业", "new registrations"), "placements": ("公益性岗位安置", "placements")},
}
KIND_COLOURS = {"job": "#1d4ed8", "internship": "#0891b2", "public_welfare": "#db2777"}
SERIES_COLOURS = {"postings": "#1d4ed8", "hires": "#15803d", "registrations": "#b45309", "placements": "#db2777"}


def wname(group: str, key) -> str:
    zh, en = W[group].get(key, (key, key))
    return zh if current_lang() == "zh" else en


def wopts(group: str, keys=None) -> list[tuple[str, str]]:
    return [(k, wname(group, k)) for k in (keys or W[group])]


def bi(d: dict | None) -> str:
    """A {zh, en} or decision dict in the page's language."""
    if not d:
        return ""
    if "reason_zh" in d:
        return d["reason_zh"] if current_lang() == "zh" else d["reason_en"]
    return d.get("zh" if current_lang() == "zh" else "en", "")


@bp.app_context_processor
def _helpers():
    # staff see a person's age, never the birth date beside the ID (issue 13: no rebuilt ID numbers)
    return {"wname": wname, "bi": bi, "kind_colours": KIND_COLOURS, "series_colours": SERIES_COLOURS,
            "age": lambda birth_on: common.age(birth_on, clock.today())}


def _date(name: str) -> dt.date | None | str:
    raw = (request.form.get(name) or "").strip()
    return raw or None


def fund_options():
    lang = current_lang()
    return [(code, zh if lang == "zh" else en) for code, zh, en in placements.fund_codes(common.policy())]


# ------------------------------------------------------------------ desk

@bp.get("/desk")
@login_required
def desk():
    require_role(*STAFF)

    today = clock.today()
    q = _norm(request.args.get("q", ""))[:64].strip()
    found = reports.find_people(db(), current_user, q)
    return render_template("welfare/desk.html", d=reports.desk(db(), current_user, today), today=today,
                           soon=today + dt.timedelta(days=common.EXPIRING_DAYS), q=q, found=found)


# ------------------------------------------------------------------ a person's file

@bp.get("/people/<int:profile_id>")
@login_required
def person(profile_id):
    """The old address of a person's welfare file: now parts of the caseworker's one page of
    the person (issue 16; ``person_page``), where bookmarks and links are sent (302)."""
    require_role(*STAFF)
    common.staff_profile(db(), current_user, profile_id)  # 404 before any redirect
    return redirect(url_for("pages.caseworker_person", profile_id=profile_id, **request.args))


def _back(profile_id: int, section: str = "") -> str:
    return url_for("pages.caseworker_person", profile_id=profile_id) + (f"#{section}" if section else "")


@bp.post("/people/<int:profile_id>/register")
@login_required
def desk_register(profile_id):
    require_role(*STAFF)
    f = request.form

    def run():
        data = validate(RegistrationIn, {"profile_id": profile_id, "basis": f.get("basis", "residence"),
                                         "district": f.get("district", ""), "registered_on": _date("registered_on"),
                                         "original_retirement_age": whole_number(f.get("original_retirement_age"), 0, 100)})
        registrations.register(db(), current_user, profile_id=profile_id, basis=data.basis, district=data.district,
                         registered_on=data.registered_on, original_retirement_age=data.original_retirement_age)

    return act_then_back(run, _back(profile_id, "registration"), _("Registered as unemployed."))


@bp.post("/registrations/<int:registration_id>/confirm")
@login_required
def confirm_registration(registration_id):
    require_role(*STAFF)
    reg = registrations.get_registration(db(), current_user, registration_id)
    return act_then_back(lambda: registrations.confirm_registration(db(), current_user, registration_id), _back(reg.profile_id, "registration"),
                _("Registration confirmed."))


@bp.post("/registrations/<int:registration_id>/end")
@login_required
def end_registration(registration_id):
    require_role(*STAFF)
    reg = registrations.get_registration(db(), current_user, registration_id)
    f = request.form

    def run():
        data = validate(RegistrationEndIn, {"reason": f.get("reason", ""), "note": f.get("note", ""),
                                            "ended_on": _date("ended_on")})
        registrations.end_registration(db(), current_user, registration_id, data.reason, data.note, data.ended_on)

    return act_then_back(run, _back(reg.profile_id, "registration"), _("Registration ended."))


@bp.post("/registrations/<int:registration_id>/correct")
@login_required
def correct_registration(registration_id):
    """A caseworker corrects a registration's dates and status, with the reason (issue 15)."""
    require_role(*STAFF)
    reg = registrations.get_registration(db(), current_user, registration_id)
    f = request.form

    def run():
        data = validate(RegistrationCorrectionIn, {
            "registered_on": _date("registered_on"), "ended_on": _date("ended_on"),
            "end_reason": f.get("end_reason") or None, "flexible_or_self_employed": f.get("flexible") == "1",
            "reason": f.get("reason", "")})
        corrections.correct_registration(db(), current_user, registration_id, data)

    return act_then_back(run, _back(reg.profile_id, "registration"), _("Registration corrected. The person was told."))


@bp.post("/hard-to-employ/<int:status_id>/correct")
@login_required
def correct_hte(status_id):
    """A caseworker corrects a hard-to-employ status's dates and state, with the reason."""
    require_role(*STAFF)
    status = hard_to_employ.get_hte(db(), current_user, status_id)
    f = request.form

    def run():
        data = validate(HardToEmployCorrectionIn, {
            "granted_on": _date("granted_on"), "note": f.get("note", ""), "revoked_on": _date("revoked_on"),
            "revoked_reason": f.get("revoked_reason", ""), "reason": f.get("reason", "")})
        corrections.correct_hte(db(), current_user, status_id, data)

    return act_then_back(run, _back(status.profile_id, "hte"), _("Hard-to-employ status corrected. The person was told."))


@bp.post("/people/<int:profile_id>/hard-to-employ")
@login_required
def grant_hte(profile_id):
    require_role(*STAFF)
    f = request.form

    def run():
        data = validate(HardToEmployIn, {"basis": f.get("basis", ""), "note": f.get("note", "")})
        hard_to_employ.grant_hte(db(), current_user, profile_id, data.basis, data.note)

    return act_then_back(run, _back(profile_id, "hte"), _("Hard-to-employ status recorded."))


@bp.post("/people/<int:profile_id>/refer")
@login_required
def refer(profile_id):
    require_role(*STAFF)
    f = request.form

    def run():
        data = validate(ReferralIn, {"profile_id": profile_id, "posting_id": f.get("posting_id") or 0,
                                     "note": f.get("note", "")})
        referrals.refer(db(), current_user, profile_id, data.posting_id, data.note)

    return act_then_back(run, _back(profile_id, "referrals"), _("Referral recorded."))


@bp.post("/referrals/<int:referral_id>/outcome")
@login_required
def outcome(referral_id):
    require_role(*STAFF)
    f = request.form
    back = request.form.get("back") == "desk"

    def run():
        data = validate(OutcomeIn, {"outcome": f.get("outcome", ""), "note": f.get("note", "")})
        referrals.record_outcome(db(), current_user, referral_id, data.outcome, data.note)

    ref = referrals.get_referral(db(), current_user, referral_id)
    target = url_for("welfare.desk") if back else _back(ref.profile_id, "referrals")
    return act_then_back(run, target, _("Outcome recorded."))


@bp.post("/placements/<int:placement_id>/extend")
@login_required
def extend(placement_id):
    require_role(*STAFF)
    pl = placements._placement(db(), current_user, placement_id)
    f = request.form

    def run():
        data = validate(ExtensionIn, {"fund": f.get("fund", ""), "months": f.get("months") or None,
                                      "stably_employed": f.get("stably_employed") == "1"})
        placements.extend(db(), current_user, placement_id, fund=data.fund, months=data.months,
                       stably_employed=data.stably_employed)

    return act_then_back(run, _back(pl.profile_id, "placements"), _("Placement extended."))


@bp.post("/placements/<int:placement_id>/end")
@login_required
def end_placement(placement_id):
    require_role(*STAFF)
    pl = placements._placement(db(), current_user, placement_id)
    f = request.form

    def run():
        data = validate(PlacementEndIn, {"reason": f.get("reason", ""), "ended_on": _date("ended_on")})
        placements.end_placement(db(), current_user, placement_id, data.reason, data.ended_on)

    return act_then_back(run, _back(pl.profile_id, "placements"), _("Placement ended."))


@bp.post("/placements/<int:placement_id>/keep")
@login_required
def keep_placement(placement_id):
    """Keep a placement a correction marked for review, with the reason."""
    require_role(*STAFF)
    pl = placements._placement(db(), current_user, placement_id)
    reason = request.form.get("reason", "")

    def run():
        keep_reviewed(db(), current_user, placement_id, validate(KeepPlacementIn, {"reason": reason}).reason)

    return act_then_back(run, _back(pl.profile_id, "placements"), _("Placement kept. The review is recorded."))


@bp.post("/follow-ups/<int:follow_up_id>/contact")
@login_required
def contact(follow_up_id):
    require_role(*STAFF)
    task = followups.get_follow_up(db(), current_user, follow_up_id)
    f = request.form
    target = url_for("welfare.desk") if f.get("back") == "desk" else _back(task.profile_id, "follow-ups")

    def run():
        data = validate(ContactIn, {"channel": f.get("channel", ""), "note": f.get("note", ""),
                                    "contacted_on": _date("contacted_on")})
        followups.record_contact(db(), current_user, follow_up_id, data.channel, data.note, data.contacted_on)

    return act_then_back(run, target, _("Contact recorded."))


# ------------------------------------------------------------------ posts and the queue

@bp.get("/posts")
@login_required
def posts():
    require_role(*STAFF)
    return render_template("welfare/posts.html", r=reports.posts_report(db(), current_user))


@bp.get("/posts/<int:posting_id>/queue")
@login_required
def queue(posting_id):
    require_role(*STAFF)
    posting, entries, refused = placements.placement_queue(db(), current_user, posting_id,
                                                           encoder=runtime().encoder)
    filled = placements.filled(db(), posting.id)
    return render_template("welfare/queue.html", posting=posting, entries=entries, refused=refused, filled=filled,
                           funds=fund_options(), today=clock.today())


@bp.post("/posts/<int:posting_id>/place")
@login_required
def place(posting_id):
    require_role(*STAFF)
    f = request.form
    back = url_for("welfare.queue", posting_id=posting_id)

    def run():
        data = validate(PlacementIn, {"profile_id": f.get("profile_id") or 0, "fund": f.get("fund", ""),
                                      "start_on": _date("start_on"), "term_months": f.get("term_months") or None,
                                      "justification": f.get("justification", ""),
                                      "skip_reason": f.get("skip_reason", "")})
        placements.place(db(), current_user, posting_id, data.profile_id, fund=data.fund, start_on=data.start_on,
                         term_months=data.term_months, justification=data.justification,
                         skip_reason=data.skip_reason, encoder=runtime().encoder)

    return act_then_back(run, back, _("Placed on the post."))


# ------------------------------------------------------------------ dashboard

@bp.get("/dashboard")
@login_required
def dashboard():
    require_role(*STAFF)
    d = reports.dashboard(db(), current_user)
    lang_zh = current_lang() == "zh"
    charts = {
        "group": [(wname("group", k), v) for k, v in d["by_group"].items()],
        "district": [(k, v) for k, v in d["by_district"].items()],
        "duration": [(wname("duration", k), v) for k, v in d["by_duration"].items()],
        "postings": sorted(d["postings_by_industry"].items(), key=lambda kv: -sum(kv[1].values())),
        "hires": sorted(d["hires_by_industry"].items(), key=lambda kv: -sum(kv[1].values())),
        "months": list(d["by_month"].items()),
        "internships": [(m, {"internships": v["internships"]}) for m, v in d["subsidies_by_month"].items()],
        "subsidy": [(m, {"subsidy": float(v["subsidy_approved"])}) for m, v in d["subsidies_by_month"].items()],
    }
    return render_template("welfare/dashboard.html", d=d, charts=charts, lang_zh=lang_zh,
                           kinds=[(k, wname("kind", k)) for k in KIND_COLOURS],
                           series=[(k, wname("series", k)) for k in SERIES_COLOURS])


@bp.get("/dashboard.csv")
@login_required
def dashboard_csv():
    require_role(*STAFF)
    body = reports.dashboard_csv(reports.dashboard(db(), current_user))
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=welfare-dashboard.csv"})


# ------------------------------------------------------------------ the person's own page

@bp.route("/me", methods=["GET", "POST"])
@login_required
def me():
    require_role("person")
    s = db()

    profile = my_profile(s, current_user)
    form, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        f = request.form
        form = f
        try:
            data = validate(RegistrationIn, {"basis": f.get("basis", "residence"), "district": f.get("district", ""),
                                             "original_retirement_age": whole_number(f.get("original_retirement_age"), 0, 100)})
            registrations.register(s, current_user, basis=data.basis, district=data.district,
                             original_retirement_age=data.original_retirement_age)
            flash(_("You are registered as unemployed. A caseworker will contact you every month."), "ok")
            return redirect(url_for("welfare.me"))
        except DomainError as exc:
            errors, error, status = field_errors(exc), message(exc), exc.status
    regs = registrations.my_registrations(s, current_user)
    tasks = followups.follow_ups(s, current_user)
    return render_template("welfare/me.html", profile=profile, regs=regs, tasks=tasks, form=form, errors=errors,
                           error=error, districts=[(d, d) for d in DISTRICTS], bases=wopts("basis"),
                           open_reg=next((r for r in regs if r.ended_on is None), None),
                           corrections=corrections.corrections_for_person(s, profile.id) if profile else [],
                           today=clock.today()), status
