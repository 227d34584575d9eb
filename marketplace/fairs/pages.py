"""Pages of the fairs area (zh first, English second).

Organiser: fairs and their creation, booth approval, the check-in desk, allocation rounds and
slots, the live board for the hall screen, the report with charts and CSV. Employer: fairs and
booth applications, the booth page (ranked people with reasons, invitations, the queue and
outcomes). Person: my fairs, the check-in QR (server-drawn SVG, printable), ranked booths and
postings with reasons, requests and schedule.

Live parts re-render a fragment (``?partial=1``) when the fair's event stream says something
changed; ``static/fairs.js`` listens (server-sent events) and falls back to polling. The stream
view closes the request's database session before streaming: it only relays the fair's bus.
Each open stream holds a server thread, so streams are capped per process (``StreamSlots``).

Longer than the ~400 lines a module keeps to: it is the one ``fairs`` blueprint, with the pages
of three roles (organiser, employer, person) and the event stream; each view only parses, calls
an operation of ``booths``/``checkin``/``live``/``interviews``/``report`` and renders.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import queue
import threading
import time

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import clock
from marketplace.core.schemas import validate
from marketplace.db import paginate
from marketplace.errors import DomainError, NotFound, ValidationFailed
from marketplace.fairs import booths, checkin, corrections, interviews, live
from marketplace.fairs import bus as fair_bus
from marketplace.fairs import report as fair_report
from marketplace.fairs.schemas import BoothIn, CheckInIn, FairEditIn, FairIn
from marketplace.web import cipher, db, runtime
from marketplace.web.forms import (
    _opt,
    act_then_back,
    field_errors,
    message,
    name_of,
    page_args,
    require_role,
    whole_number,
)
from marketplace.web.i18n import current_lang

bp = Blueprint("fairs", __name__, template_folder="templates")
bp.record_once(lambda state: fair_bus.configure(
    state.app.config["MARKETPLACE"].CELERY_BROKER_URL,
    relay_path=f'{state.app.config["MARKETPLACE"].INSTANCE_DIR}/fair-events.db'))
ORGANISER = ("organiser", "admin")
EMPLOYER = ("employer", "agency")

MODES = {"onsite": ("现场", "on-site"), "online": ("网络", "online"), "both": ("现场+网络", "on-site and online")}
BOOTH_STATUS = {"applied": ("待审核", "applied"), "approved": ("已批准", "approved"), "rejected": ("未批准", "rejected"),
                "cancelled": ("已取消", "cancelled")}
IV_STATUS = {"requested": ("待安排", "requested"), "confirmed": ("已确认", "confirmed"),
             "cancelled": ("已取消", "cancelled"), "done": ("已面试", "done")}
METHODS = {"qr": ("二维码", "QR code"), "id_number": ("身份证号", "ID number"), "phone": ("手机号", "phone"),
           "online": ("在线", "online")}
OUTCOMES = {"intent": ("意向录用", "intent to hire"), "offer": ("发出录用通知", "offer"), "hired": ("已录用", "hired"),
            "not_suitable": ("不合适", "not suitable")}


def _pick(pair) -> str:
    return pair[0] if current_lang() == "zh" else pair[1]


@bp.app_context_processor
def _helpers():
    return {"fair_mode_name": lambda k: _pick(MODES.get(k, (k, k))),
            "booth_status_name": lambda k: _pick(BOOTH_STATUS.get(k, (k, k))),
            "interview_status_name": lambda k: _pick(IV_STATUS.get(k, (k, k))),
            "outcome_name": lambda k: _pick(OUTCOMES.get(k, (k, k))),
            "checkin_method_name": lambda k: _pick(METHODS.get(k, (k, k))),
            "local_time": clock.local_time,
            "reasons": lambda e: (e.get("reasons_zh") if current_lang() == "zh" else e.get("reasons_en")) if e else "",
            "gaps": lambda e: (e.get("gaps_zh") if current_lang() == "zh" else e.get("gaps_en")) if e else ""}


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _back(url: str, exc: DomainError):
    """A refusal of an action whose success goes elsewhere than back to ``url`` (the others use
    ``act_then_back``)."""
    if exc.status == 404:
        raise exc
    flash(message(exc), "error")
    return redirect(url), 303


def _partial(template: str, full: str, **ctx):
    if request.args.get("partial") == "1":
        return render_template(template, **ctx)
    return render_template(full, **ctx)


# --- event stream -------------------------------------------------------------------------------

PING_SECONDS = 10  # a comment line on an idle stream: proxies keep it open, and a write to a gone phone fails
STREAM_RETRY_AFTER_S = 30  # what a refused page waits before trying the stream again (fairs.js: 30 s, then longer)
_release_lock = threading.Lock()


class StreamSlots:
    """The event streams open in this server process, counted against a cap.

    A WSGI server runs each response to its end in one of its worker threads, so every open
    stream holds a thread for its lifetime (~55 s, then the browser reconnects): as many
    phones with a live page as the server has threads would leave none for anything else
    (searches, logins), for everyone. Streams beyond the cap are refused at once with 503
    and ``Retry-After``; ``static/fairs.js`` then polls the page's fragment and tries the
    stream again later, so those pages still update, only less promptly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = 0

    def take(self, limit: int) -> bool:
        with self._lock:
            if self.open >= limit:
                return False
            self.open += 1
            return True

    def give(self) -> None:
        with self._lock:
            self.open -= 1


def stream_slots(app) -> StreamSlots:
    return app.extensions.setdefault("fair_streams", StreamSlots())


def _server_threads() -> int | None:
    """The worker threads of the server process answering this request, where it can be known:
    ``SERVER_THREADS`` in the app's config when the serve command sets it; under waitress, the
    connection's settings (the environ carries a bound method of waitress's channel, which
    holds the server's ``Adjustments``)."""
    if current_app.config.get("SERVER_THREADS"):
        return int(current_app.config["SERVER_THREADS"])
    probe = request.environ.get("waitress.client_disconnected")
    threads = getattr(getattr(getattr(probe, "__self__", None), "adj", None), "threads", None)
    return threads if isinstance(threads, int) and threads > 0 else None


def stream_limit() -> int:
    """``MARKETPLACE_FAIR_STREAM_MAX``, else half the server's threads (8, the serve command's
    default, when they cannot be known): the other half stays free for every other request."""
    configured = current_app.config["MARKETPLACE"].FAIR_STREAM_MAX
    return configured if configured > 0 else (_server_threads() or 8) // 2


@bp.get("/fairs/<int:fair_id>/events")
@login_required
def events(fair_id):
    """Server-sent events for one fair. The database session is closed before streaming
    (the generator only waits on the in-process bus); the stream ends after a while and the
    browser reconnects on its own. Each open stream holds a server thread, so at most
    ``stream_limit()`` are open per process; beyond that the answer is 503 at once and the
    page polls instead (see ``StreamSlots``)."""
    s = db()
    fair = booths.get_fair(s, current_user, fair_id)
    # only those with a part in this fair: its organiser, its booths' staff, its registered people
    if current_user.role in ORGANISER:
        booths.own_fair(s, current_user, fair.id)
    elif current_user.role in EMPLOYER:
        if booths.my_booth(s, current_user, fair.id) is None:
            raise NotFound("招聘会", "fair")
    elif current_user.role == "person":
        if booths.my_registration(s, current_user, fair.id) is None:
            raise NotFound("招聘会", "fair")
    else:
        raise NotFound("招聘会", "fair")
    slots = stream_slots(current_app)
    if not slots.take(stream_limit()):
        return Response("实时更新连接已满，页面每 5 秒自动刷新。\nLive updates are full; the page refreshes every 5 seconds.\n",
                        status=503, mimetype="text/plain",
                        headers={"Retry-After": str(STREAM_RETRY_AFTER_S), "Cache-Control": "no-store"})
    lifetime = float(current_app.config.get("FAIR_STREAM_SECONDS", 55))
    disconnected = request.environ.get("waitress.client_disconnected") or (lambda: False)
    q = fair_bus.subscribe(fair_id)
    released = []

    def release():
        # once, from whichever comes first: the generator's end, or the server closing the
        # response (which it does even when the generator never started)
        with _release_lock:
            if released:
                return
            released.append(True)
        fair_bus.unsubscribe(fair_id, q)
        slots.give()

    def stream():
        try:
            yield "retry: 2000\n\n" + ": " + " " * 2048 + "\n\n"  # padding: proxies start passing data through
            now = time.monotonic()
            end, ping = now + lifetime, now + PING_SECONDS
            while now < end and not disconnected():
                try:
                    # wake at least every second: a phone that left frees its slot without
                    # waiting for the next ping (where the server can tell; else the ping fails)
                    msg = q.get(timeout=max(0.0, min(1.0, end - now)))
                except queue.Empty:
                    now = time.monotonic()
                    if now >= ping:
                        ping = now + PING_SECONDS
                        yield ": ping\n\n"
                    continue
                yield f"event: fair\ndata: {json.dumps(msg)}\n\n"
                now = time.monotonic()
        finally:
            release()

    response = Response(stream(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(release)
    return response


# --- organiser ------------------------------------------------------------------------------------

@bp.route("/organiser/fairs", methods=["GET", "POST"])
@login_required
def organiser_fairs():
    require_role(*ORGANISER)
    s = db()
    form, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        f = request.form
        data = {"name": f.get("name", ""), "mode": f.get("mode", "onsite"), "held_on": f.get("held_on", ""),
                "venue": f.get("venue", ""), "description": f.get("description", ""),
                "slots": [x.strip() for x in (f.get("slots") or "").replace("，", ",").split(",") if x.strip()]}
        try:
            fair = booths.create_fair(s, current_user, validate(FairIn, data))
            flash(_("Fair created. Employers can now apply for booths."), "ok")
            return redirect(url_for("fairs.organiser_fair", fair_id=fair.id))
        except DomainError as exc:
            form, errors, error, status = f, field_errors(exc), message(exc), exc.status
    page, per_page = page_args()
    items, total = paginate(s, booths.fairs_for(current_user), page, per_page)
    return render_template("fairs/organiser_list.html", items=items, total=total, page=page, per_page=per_page,
                           form=form, errors=errors, error=error,
                           modes=[(k, _pick(v)) for k, v in MODES.items()]), status


@bp.route("/organiser/fairs/<int:fair_id>/edit", methods=["GET", "POST"])
@login_required
def organiser_edit_fair(fair_id):
    """Correct a fair before it starts (issue 15): a removed slot's interviews go back to requests."""
    require_role(*ORGANISER)
    s = db()
    fair = booths.own_fair(s, current_user, fair_id)
    form = {"name": fair.name, "mode": fair.mode, "held_on": fair.held_on.isoformat(), "venue": fair.venue,
            "slots": ", ".join(fair.slots), "description": fair.description}
    errors, error, status = {}, None, 200
    if request.method == "POST":
        f = request.form
        data = {"name": f.get("name", ""), "mode": f.get("mode", "onsite"), "held_on": f.get("held_on", ""),
                "venue": f.get("venue", ""), "description": f.get("description", ""), "reason": f.get("reason", ""),
                "slots": [x.strip() for x in (f.get("slots") or "").replace("，", ",").split(",") if x.strip()]}
        try:
            corrections.edit_fair(s, current_user, fair_id, validate(FairEditIn, data), data["reason"])
            flash(_("Fair updated. People whose interview slot was removed were told."), "ok")
            return redirect(url_for("fairs.organiser_fair", fair_id=fair_id))
        except DomainError as exc:
            if exc.status == 404:
                raise
            form, errors, error, status = f, field_errors(exc), message(exc), exc.status
    return render_template("fairs/organiser_edit.html", fair=fair, form=form, errors=errors, error=error,
                           modes=[(k, _pick(v)) for k, v in MODES.items()]), status


@bp.post("/organiser/fairs/<int:fair_id>/booths/<int:booth_id>/cancel")
@login_required
def organiser_cancel_booth(fair_id, booth_id):
    """Cancel a booth before the fair, with the reason; the people with interviews there are told."""
    require_role(*ORGANISER)
    back = url_for("fairs.organiser_fair", fair_id=fair_id)
    return act_then_back(lambda: corrections.cancel_booth(db(), current_user, fair_id, booth_id,
                                                          (request.form.get("reason") or "")[:500]),
                         back, _("Booth cancelled."))


@bp.get("/organiser/fairs/<int:fair_id>")
@login_required
def organiser_fair(fair_id):
    require_role(*ORGANISER)
    page = booths.organiser_fair_page(db(), current_user, fair_id)
    statuses = page.pop("statuses")
    return render_template("fairs/organiser_fair.html", counts={k: statuses.count(k) for k in IV_STATUS},
                           today=clock.today(), **page)


@bp.post("/organiser/fairs/<int:fair_id>/booths/<int:booth_id>")
@login_required
def organiser_booth(fair_id, booth_id):
    require_role(*ORGANISER)
    back = url_for("fairs.organiser_fair", fair_id=fair_id)
    return act_then_back(lambda: booths.decide_booth(
        db(), current_user, fair_id, booth_id, request.form.get("approve") == "1",
        (request.form.get("place") or "").strip()[:32], (request.form.get("note") or "").strip()[:500]), back)


@bp.post("/organiser/fairs/<int:fair_id>/<any(allocate, next_slot, close):action>")
@login_required
def organiser_action(fair_id, action):
    require_role(*ORGANISER)
    back = url_for("fairs.organiser_fair", fair_id=fair_id)
    try:
        if action == "allocate":
            r = interviews.run_allocation(db(), current_user, fair_id)
            flash(_("Allocation round: %(a)s of %(n)s requests got a slot; %(k)s confirmed interviews kept in place.",
                    a=r["assigned"], n=r["requests"], k=r["kept"]), "ok")
        elif action == "next_slot":
            interviews.advance_slot(db(), current_user, fair_id)
        else:
            booths.set_status(db(), current_user, fair_id, "closed")
    except DomainError as exc:
        return _back(back, exc)
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/fairs/") else back)


@bp.route("/organiser/fairs/<int:fair_id>/desk", methods=["GET", "POST"])
@login_required
def desk(fair_id):
    require_role(*ORGANISER)
    s = db()
    fair = booths.own_fair(s, current_user, fair_id)
    error, errors, status, done = None, {}, 200, None
    if request.method == "POST":
        f = request.form
        how = f.get("how", "token")
        value = (f.get("value") or "").strip()
        data = {how if how in ("token", "id_number", "phone") else "token": value or None}
        try:
            reg = checkin.check_in(s, current_user, cipher(), _secret(), fair.id, **validate(CheckInIn, data).model_dump())
            done = reg.profile.name
            flash(_("Checked in: %(name)s", name=reg.profile.name), "ok")
        except DomainError as exc:
            if exc.status == 404 and exc.message_en.startswith("a profile"):
                error, status = message(exc), 404
            elif exc.status == 404:
                raise
            else:
                error, errors, status = message(exc), field_errors(exc), exc.status
    latest = checkin.checked_in(s, fair.id, latest=10)
    return render_template("fairs/desk.html", fair=fair, latest=latest, error=error, errors=errors,
                           done=done), status


@bp.get("/fairs/<int:fair_id>/board")
@login_required
def board(fair_id):
    require_role(*ORGANISER)
    fair = booths.own_fair(db(), current_user, fair_id)
    return _partial("fairs/_board.html", "fairs/board.html", fair=fair, b=live.board(db(), fair.id))


def _report_chart(rows, keys):
    peak = max([max((r[k] for k in keys), default=0) for r in rows] + [1])
    return peak


@bp.get("/organiser/fairs/<int:fair_id>/report")
@login_required
def report(fair_id):
    require_role(*ORGANISER)
    rep = fair_report.report(db(), current_user, fair_id)
    if request.args.get("format") == "csv":
        return Response(fair_report.report_csv(rep), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=fair-{fair_id}-report.csv"})
    group_peak = max([g["registered"] for g in rep["groups"]] + [1])
    booth_peak = max([max(b["interviews"], b["offers"], b["hires_30d"], b["requested"]) for b in rep["booths"]] + [1])
    return render_template("fairs/report.html", rep=rep, group_peak=group_peak, booth_peak=booth_peak,
                           group_name=lambda g: name_of("category", g) if g != "other" else _("no listed group"))


# --- employer ---------------------------------------------------------------------------------------

@bp.get("/employer/fairs")
@login_required
def employer_fairs():
    require_role(*EMPLOYER)
    return render_template("fairs/employer_fairs.html", today=clock.today(),
                           **booths.employer_fairs_page(db(), current_user))


@bp.post("/employer/fairs/<int:fair_id>/booths/<int:booth_id>/cancel")
@login_required
def employer_cancel_booth(fair_id, booth_id):
    """The employer withdraws its own booth before the fair, with the reason (issue 15)."""
    require_role(*EMPLOYER)
    return act_then_back(lambda: corrections.cancel_booth(db(), current_user, fair_id, booth_id,
                                                          (request.form.get("reason") or "")[:500]),
                         url_for("fairs.employer_fairs"), _("Booth cancelled."))


@bp.post("/employer/fairs/<int:fair_id>/booth")
@login_required
def employer_apply(fair_id):
    require_role(*EMPLOYER)
    f = request.form
    data = {"posting_ids": [n for n in (whole_number(x, 1) for x in f.getlist("posting_id")) if n is not None],
            "recruiters": _opt(f.get("recruiters")) or 1, "per_slot": _opt(f.get("per_slot")) or 1}
    return act_then_back(lambda: booths.apply_booth(db(), current_user, fair_id, validate(BoothIn, data)),
                         url_for("fairs.employer_fairs"), _("Booth application sent. The organiser will review it."))


@bp.get("/employer/fairs/<int:fair_id>/booth")
@login_required
def employer_booth(fair_id):
    require_role(*EMPLOYER)
    s = db()
    booth = booths.my_booth(s, current_user, fair_id)
    if booth is None:
        raise NotFound("展位", "booth")
    view = live.booth_view(s, current_user, runtime().encoder, fair_id, booth.id)
    fair = booths.get_fair(s, current_user, fair_id)
    return _partial("fairs/_booth.html", "fairs/booth.html", fair=fair, booth=booth, view=view,
                    titles=booths.posting_titles(s, booth.posting_ids), outcomes=[(k, _pick(v)) for k, v in OUTCOMES.items()])


@bp.post("/employer/fairs/<int:fair_id>/booth/invite/<int:profile_id>")
@login_required
def employer_invite(fair_id, profile_id):
    require_role(*EMPLOYER)
    back = url_for("fairs.employer_booth", fair_id=fair_id)
    booth = booths.my_booth(db(), current_user, fair_id)
    if booth is None:
        raise NotFound("展位", "booth")
    return act_then_back(lambda: interviews.invite(db(), current_user, runtime().encoder, fair_id, booth.id, profile_id),
                         back, _("Invitation sent. The next allocation round gives it a slot."))


@bp.post("/fairs/interviews/<int:interview_id>/<any(cancel, outcome):action>")
@login_required
def interview_action(interview_id, action):
    require_role("person", *EMPLOYER, *ORGANISER)
    s = db()
    iv = interviews.interview_for(s, current_user, interview_id)
    back = (url_for("fairs.employer_booth", fair_id=iv.fair_id) if current_user.role in EMPLOYER else
            url_for("fairs.my_fair", fair_id=iv.fair_id) if current_user.role == "person" else
            url_for("fairs.organiser_fair", fair_id=iv.fair_id))

    def run():
        if action == "cancel":
            interviews.cancel_interview(s, current_user, interview_id, (request.form.get("note") or "")[:500])
        else:
            outcome = request.form.get("outcome", "")
            if outcome not in OUTCOMES:
                raise ValidationFailed("请选择面试结果", "choose an outcome", field="outcome")
            interviews.record_outcome(s, current_user, interview_id, outcome, (request.form.get("note") or "")[:500])
            flash(_("Outcome recorded: %(o)s", o=_pick(OUTCOMES[outcome])), "ok")

    return act_then_back(run, back)


# --- person -----------------------------------------------------------------------------------------

@bp.get("/me/fairs")
@login_required
def my_fairs():
    require_role("person")
    return render_template("fairs/my_fairs.html", **booths.my_fairs_page(db(), current_user))


@bp.post("/me/fairs/<int:fair_id>/register")
@login_required
def my_register(fair_id):
    require_role("person")
    try:
        checkin.register(db(), current_user, fair_id)
    except DomainError as exc:
        return _back(url_for("fairs.my_fairs"), exc)
    flash(_("Registered. Show the QR code at the door to check in."), "ok")
    return redirect(url_for("fairs.my_fair", fair_id=fair_id))


def qr_svg(text: str) -> str:
    """The QR code as inline SVG (segno, server-side; no script, no style attribute)."""
    import segno  # noqa: PLC0415  (heavy, loaded only to draw a QR code)

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, omitsize=True,
                                     title="QR", svgclass="qr", lineclass=None, dark="#000", light="#fff")
    return out.getvalue().decode()


@bp.get("/me/fairs/<int:fair_id>")
@login_required
def my_fair(fair_id):
    require_role("person")
    s = db()
    fair = booths.get_fair(s, current_user, fair_id)
    reg = booths.my_registration(s, current_user, fair_id)
    if reg is None:
        raise NotFound("您的报名（请先报名）", "your registration (register first)")
    view = live.person_view(s, current_user, runtime().encoder, fair_id) if reg.checked_in_at else None
    token = checkin.checkin_token(_secret(), reg) if reg.checked_in_at is None else None
    ivs = interviews.person_interviews(s, current_user, fair_id)
    asked = {i.booth_id: i for i in ivs}
    post_of: dict = {}  # each booth's best-ranked posting shown with it
    for p in (view or {}).get("postings", []):
        post_of.setdefault(p["booth_id"], p)
    return _partial("fairs/_mine.html", "fairs/my_fair.html", fair=fair, reg=reg, view=view, token=token,
                    qr=qr_svg(token) if token else None, interviews=ivs, asked=asked, post_of=post_of,
                    expires=clock.local_time(clock.now_utc()
                                             + dt.timedelta(seconds=checkin.QR_MAX_AGE), "%H:%M"))


@bp.post("/me/fairs/<int:fair_id>/request/<int:booth_id>")
@login_required
def my_request(fair_id, booth_id):
    require_role("person")
    back = url_for("fairs.my_fair", fair_id=fair_id)
    return act_then_back(lambda: interviews.request_interview(db(), current_user, runtime().encoder, fair_id, booth_id),
                         back, _("Request sent. The next allocation round gives it a slot."))


@bp.post("/me/fairs/<int:fair_id>/online")
@login_required
def my_join_online(fair_id):
    require_role("person")
    back = url_for("fairs.my_fair", fair_id=fair_id)
    return act_then_back(lambda: checkin.join_online(db(), current_user, fair_id), back,
                         _("You have joined the fair online."))
