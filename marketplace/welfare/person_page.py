"""Welfare's parts of the caseworker's one page of a person (issue 16, ``hooks.person_page``):
the unemployment registration, the hard-to-employ status (with the categories), referrals,
public-welfare placements, the monthly follow-up (with contact) and the corrections of the
welfare records. Rendered here from the area's own templates; their forms post to the
welfare routes, which come back to the person's page."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from marketplace import clock
from marketplace.core.models import DISTRICTS
from marketplace.core.pages import _norm
from marketplace.welfare import common, corrections, followups, hard_to_employ, placements, referrals, registrations
from marketplace.welfare.models import (
    CONTACT_CHANNELS,
    PLACEMENT_END_REASONS,
    REFERRAL_OUTCOMES,
    REGISTRATION_END_REASONS,
)
from marketplace.welfare.pages import STAFF, fund_options, wopts

PARTS = (("registration", 30, "welfare/_person_registration.html"),
         ("categories", 25, "welfare/_person_hte.html"),
         ("referrals", 45, "welfare/_person_referrals.html"),
         ("placements", 50, "welfare/_person_placements.html"),
         ("contact", 75, "welfare/_person_followups.html"),
         ("corrections", 85, "welfare/_person_corrections.html"))


def _context(session, actor, profile, args: dict) -> dict:
    today = clock.today()
    # the referral picker: searched by words of the title, employer or district, the
    # person's district first, then by title (not 60 posts in the order they were stored)
    post_q = _norm(args.get("post_q", "") or "")[:64].strip()
    postings = [p for p in referrals.open_postings(session, today)
                if not post_q or post_q in _norm(f"{p.title} {p.organisation.name} {p.district}")]
    postings.sort(key=lambda p: (p.district != profile.district, p.title, p.id))
    return dict(
        profile=profile, regs=registrations.person_registrations(session, actor, profile.id),
        open_reg=registrations.open_registration(session, profile.id), status=hard_to_employ.open_hte(session, profile.id),
        decision=hard_to_employ.hte_decision(session, profile, today),
        referrals=referrals.referrals(session, actor, profile_id=profile.id),
        placements=placements.placements(session, actor, running=False, profile_id=profile.id),
        tasks=followups.follow_ups(session, actor, profile_id=profile.id),
        postings=postings, post_q=post_q, today=today, funds=fund_options(),
        statuses=hard_to_employ.statuses_of(session, profile.id),
        corrections=corrections.corrections_for_person(session, profile.id),
        districts=[(d, d) for d in DISTRICTS], bases=wopts("basis"),
        end_reasons=wopts("end_reason", REGISTRATION_END_REASONS), outcomes=wopts("outcome", REFERRAL_OUTCOMES),
        placement_ends=wopts("placement_end", PLACEMENT_END_REASONS), channels=wopts("contact", CONTACT_CHANNELS))


def parts(session, actor=None, profile=None, args=None, **_kw) -> list[dict] | None:
    """``hooks.person_page``: welfare's parts of the person's page, for the district's staff."""
    if actor is None or profile is None or actor.role not in STAFF:
        return None
    common.staff_profile(session, actor, profile.id)  # the area's own check (the same scoping rule)
    ctx = _context(session, actor, profile, args or {})
    titles = {"registration": _("Unemployment registration"), "referrals": _("Referrals"),
              "placements": _("Public-welfare placements")}
    css = Markup(render_template("welfare/_css_link.html"))
    out = []
    for n, (section, order, template) in enumerate(PARTS):
        html = Markup(render_template(template, **ctx))
        out.append({"section": section, "order": order, "title": titles.get(section, ""),
                    "html": css + html if n == 0 else html})
    return out
