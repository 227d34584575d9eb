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
- ``policy_version_effective(session, set_name, version, effective_from, actor, today)``: an
  admin made a version of a policy set effective from ``effective_from`` (core.policy_admin;
  also asked, as a question, for its answers). Internships re-prices the unpaid claims
  it recorded under that set for events from that date and answers what changed, listing
  paid ones whose amount differs as a top-up or an overpayment due.
- ``hire_reversed(session, application, actor, on, to_stage, reason)``: an employer reversed
  a hire (已入职 back to ``to_stage``) on ``on``, with its reason (issue 15). Every receiver of
  ``hired`` answers it, undoing what the hire caused: welfare reopens the unemployment
  registration the hire ended (the gap recorded); fairs takes the hire back from the booth's
  interview outcome. The headcount place (and so any R14 targeted place) is freed by the stage.
- ``categories_changed(session, actor, profile)``: the person's confirmed categories changed
  (one confirmed, removed, or its confirmation dropped by an edit; core.profiles sends it).
  Welfare re-checks the running placements decided on an R8 reference category
  (``welfare.rechecks``).
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
- ``hire_reversal_blockers(session, application) -> list[(zh, en)]``: what rests on a hire
  and must be corrected before the hire can be reversed (internships: its agreement, the
  subsidy claims on it), each as a reason; an empty answer lets the reversal go on.
- ``claims_to_review(session, actor, limit) -> (list, total)``: subsidy claims waiting for
  this caseworker (internships), for the welfare desk.
- ``public_welfare_decisions(session, profiles, on) -> {profile_id: {"eligible", "reason_zh",
  "reason_en", "tier"}}``: R8 eligibility for public-welfare posts and the R9 tier (None when
  not eligible) of each core Profile on date ``on`` (welfare, from its records), for matching.
- ``policy_preview(session, set_name, candidate, current, effective_from, limit) -> list[dict]``:
  recorded decisions of an area under the set, answered under the ``candidate`` PolicySet
  and the ``current`` one (callables ``on -> PolicySet``), for the admin's preview
  (internships: agreements' entitlements and claims' amounts).
- ``internship_figures(session, months) -> {"YYYY-MM": {"internships": int,
  "subsidy_approved": Decimal}}``: internships started and subsidy approved per month
  (internships), for the welfare dashboard.
- ``policy_findings(session, on) -> list[dict]``: what an area's records say a person or an
  organisation may qualify for and has not used on ``on`` (政策找人; internships: R4's
  one-third date near), each ``{"rule", "subject", "decision", "user_id", "district", "zh",
  "en", "link"}`` (+ ``profile_id`` / ``organisation_id``); ``core.outreach`` tells them.
- ``employer_today(session, organisation_id, today) -> list[{"zh", "en", "count", "endpoint",
  "urgent"}]``: what waits for an employer in that area today (internships: agreements
  without an outcome past their end, claims by state; fairs: interviews today), for the
  employer's landing page. ``endpoint`` is the page to open.
- ``person_page(session, actor, profile, args) -> list[dict]``: an area's parts of the
  caseworker's one page per person (issue 16), each ``{"section", "order", "title", "html"}``
  (markup the area rendered, its forms posting to its own routes) or ``{..., "links": [{"zh",
  "en", "endpoint", "values"}]}``; ``section`` names a core section (``categories``, ``applications``,
  ``internships``, ``contact``, ``corrections``) to join or a panel of its own; ``title`` is
  text or ``{"zh", "en"}``; ``args`` the page's query (welfare: registration, status,
  referrals, placements, follow-ups, corrections; internships: agreements and claims).
"""
from __future__ import annotations

from blinker import Namespace, Signal

_signals = Namespace()

# --- events
#: An application reached 已入职 (hired).
hired = _signals.signal("hired")
#: A hire was reversed (issue 15): each receiver of ``hired`` undoes what it did.
hire_reversed = _signals.signal("hire_reversed")
#: A person's account and profile are being erased (privacy).
person_deleted = _signals.signal("person_deleted")
#: A person's confirmed categories changed (core.profiles).
categories_changed = _signals.signal("categories_changed")
#: A version of a policy set became effective (core.policy_admin); answers: what was re-priced.
policy_version_effective = _signals.signal("policy_version_effective")

# --- questions
person_export = _signals.signal("person_export")
first_approaches = _signals.signal("first_approaches")
hire_follow_up = _signals.signal("hire_follow_up")
application_notes = _signals.signal("application_notes")
claims_to_review = _signals.signal("claims_to_review")
hire_reversal_blockers = _signals.signal("hire_reversal_blockers")
public_welfare_decisions = _signals.signal("public_welfare_decisions")
internship_figures = _signals.signal("internship_figures")
policy_preview = _signals.signal("policy_preview")
policy_findings = _signals.signal("policy_findings")
employer_today = _signals.signal("employer_today")
person_page = _signals.signal("person_page")


def ask(signal: Signal, session, **kwargs) -> list:
    """Every receiver's answer to a question, leaving out those that answered None."""
    return [value for _receiver, value in signal.send(session, **kwargs) if value is not None]
