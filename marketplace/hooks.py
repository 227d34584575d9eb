"""The signals areas use to tell (and ask) each other (blinker, which Flask already
depends on). An area never imports another area: the one where something happens sends a
signal, and the areas that care answer it with receivers that ``marketplace.app``
connects, by name, in ``connect_hooks`` (where a reader sees every link between areas).

Every signal is sent with the SQLAlchemy session as the sender, inside the operation's
transaction: a receiver only reads or changes rows in that same session (it never commits),
so the sender's change and its consequences commit or roll back together.

Two kinds:

- **events** (``send`` and ignore the answers): something happened.
- **questions** (``ask``): every receiver returns its part of the answer (or None, meaning
  "nothing from me"), and the sender combines them. An area that is not installed simply
  contributes nothing.

Events
- ``hired(session, application, actor, on)``: an application reached 已入职 on the business
  date ``on``. Welfare ends the person's open unemployment registration.
- ``person_deleted(session, profile, user, former_name)``: a person's data is being erased;
  each area clears or anonymises what it holds of them, including every free text the
  person wrote and texts naming them (``former_name``; the profile already carries the
  pseudonym) (privacy sends it).

Questions
- ``person_export(session, profile, cipher) -> dict``: the records an area holds of a person,
  as JSON-ready data keyed by what they are (privacy's "download my data" merges them).
- ``first_approaches(session, pairs) -> dict[(profile_id, posting_id), datetime]``: for
  (profile, posting) pairs, the earliest moment the person approached the posting through
  that area (fairs: an interview request at a booth). Internships uses it to decide whose
  introduction came first (R7).
- ``hire_follow_up(session, application) -> str``: what the hire leads to in that area, for
  the booth's note (internships: the agreement that starts the subsidy record).
- ``application_notes(session, applications) -> dict[application_id, dict]``: notes an area
  adds to an employer's list of applicants (internships: the agency that introduced them, and
  ``agreement_start_on``, the date ``core.eligibility`` judges a hire's eligibility again on).
- ``claims_to_review(session, actor, limit) -> (list, total)``: subsidy claims waiting for
  this caseworker (internships), for the welfare desk.
- ``public_welfare_decisions(session, profiles, on) -> {profile_id: {"eligible", "reason_zh",
  "reason_en", "tier"}}``: R8 eligibility for public-welfare posts and the R9 tier (None when
  not eligible) of each core Profile on date ``on`` (welfare, from its records), for matching.
- ``internship_figures(session, months) -> {"YYYY-MM": {"internships": int,
  "subsidy_approved": Decimal}}``: internships started and subsidy approved per month
  (internships), for the welfare dashboard.
- ``employer_today(session, organisation_id, today) -> list[{"zh", "en", "count", "endpoint",
  "urgent"}]``: what waits for an employer in that area today (internships: agreements
  without an outcome past their end, claims by state; fairs: interviews today), for the
  employer's landing page. ``endpoint`` is the page to open.
"""
from __future__ import annotations

from blinker import Namespace, Signal

_signals = Namespace()

# --- events
#: An application reached 已入职 (hired).
hired = _signals.signal("hired")
#: A person's account and profile are being erased (privacy).
person_deleted = _signals.signal("person_deleted")

# --- questions
person_export = _signals.signal("person_export")
first_approaches = _signals.signal("first_approaches")
hire_follow_up = _signals.signal("hire_follow_up")
application_notes = _signals.signal("application_notes")
claims_to_review = _signals.signal("claims_to_review")
public_welfare_decisions = _signals.signal("public_welfare_decisions")
internship_figures = _signals.signal("internship_figures")
employer_today = _signals.signal("employer_today")


def ask(signal: Signal, session, **kwargs) -> list:
    """Every receiver's answer to a question, leaving out those that answered None."""
    return [value for _receiver, value in signal.send(session, **kwargs) if value is not None]
