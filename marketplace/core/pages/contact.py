"""Contact pages: an application as each side sees it (the employer: the applicant's full
profile and phone, opened and logged; both: the interviews and the message thread), the
interview's calendar file, and a caseworker's phone reveal with a purpose. Thin views."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import applications, contact, interviews, messages, outreach
from marketplace.core.contact_schemas import InterviewAnswerIn, InterviewIn, MessageIn, RevealIn
from marketplace.core.models import PURPOSES
from marketplace.core.pages.common import bp
from marketplace.core.schemas import validate
from marketplace.errors import DomainError
from marketplace.web import cipher, db
from marketplace.web.forms import field_errors, message, require_role
from marketplace.web.i18n import current_lang


def _page(application_id: int):
    s = db()
    app = applications.get_application(s, current_user, application_id)
    applicant, closed = None, None
    if current_user.role in ("employer", "agency"):
        try:
            applicant = contact.applicant_profile(s, cipher(), current_user, application_id)
        except DomainError as exc:
            if exc.status == 404:
                raise
            closed = message(exc)
    ivs = interviews.interviews_of(s, current_user, application_id)
    thread = messages.thread(s, current_user, application_id)
    return render_template("contact/application.html", a=app, applicant=applicant, closed=closed,
                           interviews=[interviews.interview_to_dict(iv) for iv in ivs],
                           thread=[messages.message_to_dict(m) for m in thread],
                           side="person" if current_user.role == "person" else "employer")


def _back(application_id: int):
    endpoint = "pages.my_application" if current_user.role == "person" else "pages.employer_application"
    return redirect(url_for(endpoint, application_id=application_id), 303)


def _act(application_id: int, action, ok: str):
    """Run one action on an application and go back to its page: a refusal is flashed with its
    reason (nothing saved), a record the actor may not see stays a 404."""
    try:
        action()
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return _back(application_id)
    flash(ok, "ok")
    return _back(application_id)


@bp.get("/me/applications/<int:application_id>")
@login_required
def my_application(application_id):
    require_role("person")
    return _page(application_id)


@bp.get("/employer/applications/<int:application_id>")
@login_required
def employer_application(application_id):
    require_role("employer", "agency")
    return _page(application_id)


@bp.post("/applications/<int:application_id>/interviews/propose")
@login_required
def propose_interview(application_id):
    require_role("employer", "agency")
    f = request.form
    form = {"options": [t for t in f.getlist("option") if t.strip()], "duration_minutes": f.get("duration_minutes") or 30,
            "place": f.get("place", ""), "online_link": f.get("online_link", "").strip(), "note": f.get("note", "")}
    return _act(application_id, lambda: interviews.propose(db(), current_user, application_id,
                                                           validate(InterviewIn, form)),
                _("Interview proposed. The applicant has been told."))


@bp.post("/applications/<int:application_id>/interviews/<int:interview_id>/answer")
@login_required
def answer_interview(application_id, interview_id):
    require_role("person")
    f = request.form
    form = {"answer": f.get("answer", ""), "note": f.get("note", "")}
    if f.get("option", "") != "":
        form["option"] = f.get("option")
    return _act(application_id, lambda: interviews.answer(db(), current_user, application_id, interview_id,
                                                          validate(InterviewAnswerIn, form)),
                _("Your answer was sent to the employer."))


@bp.get("/applications/<int:application_id>/interviews/<int:interview_id>.ics")
@login_required
def interview_ics(application_id, interview_id):
    require_role("person", "employer", "agency")
    body = interviews.ics(interviews.get_interview(db(), current_user, application_id, interview_id))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename=interview-{interview_id}.ics"})


@bp.post("/applications/<int:application_id>/messages")
@login_required
def send_message(application_id):
    require_role("person", "employer", "agency")
    return _act(application_id, lambda: messages.send(db(), current_user, application_id,
                                                      validate(MessageIn, {"body": request.form.get("body", "")}).body),
                _("Message sent."))


@bp.route("/caseworker/profiles/<int:profile_id>/phone", methods=["GET", "POST"])
@login_required
def reveal_phone(profile_id):
    require_role("caseworker")
    purposes = [(k, v[0] if current_lang() == "zh" else v[1]) for k, v in PURPOSES.items()]
    revealed, errors = None, {}
    if request.method == "POST":
        try:
            data = validate(RevealIn, {"purpose": request.form.get("purpose", ""), "note": request.form.get("note", "")})
            revealed = contact.reveal_phone(db(), cipher(), current_user, profile_id, data.purpose, data.note)
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = field_errors(exc)
    return render_template("contact/reveal.html", profile_id=profile_id, purposes=purposes, revealed=revealed,
                           errors=errors, limit=contact.REVEALS_PER_DAY, zh=current_lang() == "zh"), (422 if errors else 200)


@bp.get("/caseworker/outreach")
@login_required
def outreach_desk():
    require_role("caseworker", "admin")
    rule = request.args.get("rule") if request.args.get("rule") in outreach.RULES else None
    view = outreach.desk(db(), current_user, rule)
    return render_template("contact/outreach_desk.html", view=view, rule=rule, rules=outreach.RULES,
                           zh=current_lang() == "zh")


@bp.route("/me/outreach", methods=["GET", "POST"])
@login_required
def my_outreach():
    require_role("person", "employer", "agency")
    if request.method == "POST":
        outreach.set_opt_out(db(), current_user, request.form.get("opt_out") == "1")
        flash(_("Saved."), "ok")
        return redirect(url_for("pages.my_outreach"), 303)
    return render_template("contact/outreach_me.html", opted_out=outreach.opted_out(db(), current_user))
