"""The core pages' blueprint ``pages`` and what its modules share (zh-CN first, English
second). Thin views: parse the form, call an operation, render. A refused form is shown
again with each problem beside its field, in the person's language, and nothing is saved."""
from __future__ import annotations

from flask import Blueprint, url_for

import chinese
from marketplace.core import applications
from marketplace.core.models import OPEN_STAGES
from marketplace.web.forms import education_name, local_url, name_of, page_url
from marketplace.web.i18n import current_lang

bp = Blueprint("pages", __name__, template_folder="../templates")


def next_stages(stage: str) -> list[str]:
    if stage == "invited":
        return []
    forward = list(applications.FORWARD)
    return forward[forward.index(stage) + 1:] + ["rejected"]


@bp.app_context_processor
def _helpers():
    return {"kind_name": lambda k: name_of("kind", k), "status_name": lambda k: name_of("status", k),
            "stage_name": lambda k: name_of("stage", k), "org_type_name": lambda k: name_of("org_type", k),
            "category_name": lambda k: name_of("category", k), "role_name": lambda k: name_of("role", k),
            "education_name": education_name, "page_url": page_url, "next_stages": next_stages,
            "open_stages": OPEN_STAGES, "reversible_to": applications.reversible_to}


def norm(text: str) -> str:
    return chinese.normalize(text)


def safe_next(target: str | None) -> str:
    return local_url(target, url_for("pages.home"))


#: where each role's day starts: the page a person lands on after logging in
LANDING = {"person": "pages.my_applications", "employer": "pages.employer_home",
           "agency": "internships.agency_introductions", "caseworker": "welfare.desk",
           "organiser": "fairs.organiser_fairs", "admin": "pages.admin_users"}


def landing_url(user) -> str:
    return url_for(LANDING.get(user.role, "pages.home"))


def lang_text(d: dict | None) -> str:
    if not d:
        return ""
    return d.get("zh" if current_lang() == "zh" else "en", "")
