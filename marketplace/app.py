"""Application factory and the one place where the areas are wired: every area's API
module, pages blueprint, demo loader and hook receivers are named here (nothing is found
by file name), so a reader sees the whole app. To add an area, add its lines to
``AREA_API``, ``AREA_PAGES``, ``DEMO_LOADERS`` and ``connect_hooks``."""
from __future__ import annotations

import logging

from flask import Flask

from jobs.celery_app import init_celery
from marketplace import cli, clock, documents, hooks
from marketplace.config import ROOT, Config
from marketplace.core import api as core_api
from marketplace.core import contact_api, contact_privacy, verification_api
from marketplace.core import demo as core_demo
from marketplace.core import pages as core_pages
from marketplace.core import policy_api as core_policy_api
from marketplace.crypto import Cipher
from marketplace.db import Database
from marketplace.documents import api as documents_api
from marketplace.documents import pages as documents_pages
from marketplace.fairs import api as fairs_api
from marketplace.fairs import demo as fairs_demo
from marketplace.fairs import display_pages as fairs_display_pages
from marketplace.fairs import documents as fairs_documents
from marketplace.fairs import pages as fairs_pages
from marketplace.fairs import privacy as fairs_privacy
from marketplace.fairs import receivers as fairs_receivers
from marketplace.internships import agency_pages as internships_agency_pages
from marketplace.internships import api as internships_api
from marketplace.internships import demo as internships_demo
from marketplace.internships import documents as internships_documents
from marketplace.internships import evidence as internships_evidence
from marketplace.internships import evidence_pages as internships_evidence_pages
from marketplace.internships import outreach as internships_outreach
from marketplace.internships import pages as internships_pages
from marketplace.internships import privacy as internships_privacy
from marketplace.internships import receivers as internships_receivers
from marketplace.internships import repricing as internships_repricing
from marketplace.notifications import api as notifications_api
from marketplace.notifications import pages as notifications_pages
from marketplace.notifications import privacy as notifications_privacy
from marketplace.privacy import api as privacy_api
from marketplace.privacy import documents as privacy_documents
from marketplace.privacy import pages as privacy_pages
from marketplace.runtime import Runtime
from marketplace.web import api as web_api
from marketplace.web import csrf, init_web
from marketplace.welfare import api as welfare_api
from marketplace.welfare import demo as welfare_demo
from marketplace.welfare import documents as welfare_documents
from marketplace.welfare import pages as welfare_pages
from marketplace.welfare import person_page as welfare_person_page
from marketplace.welfare import privacy as welfare_privacy
from marketplace.welfare import receivers as welfare_receivers
from marketplace.welfare import rechecks as welfare_rechecks
from marketplace.welfare import registrations as welfare_registrations

#: Modules that add their endpoints to the shared ``/api/v1`` blueprint when imported.
AREA_API = (core_api, verification_api, core_policy_api, contact_api, internships_api, welfare_api, fairs_api,
            privacy_api, notifications_api, documents_api)
#: Each area's pages blueprint (with its own ``templates/<area>/``).
AREA_PAGES = (core_pages.bp, internships_pages.bp, welfare_pages.bp, fairs_pages.bp, privacy_pages.bp,
              notifications_pages.bp, documents_pages.bp, internships_evidence_pages.bp,
              internships_agency_pages.bp, fairs_display_pages.bp)
#: Areas with translation catalogues (``marketplace/<area>/i18n``), merged by Flask-Babel.
CATALOGUES = ("core", "internships", "welfare", "fairs", "notifications", "documents")
#: Demo records each area adds after the core set, in this order (``flask demo-load``).
DEMO_LOADERS = (("fairs", fairs_demo.load), ("internships", internships_demo.load),
                ("welfare", welfare_demo.load))


def connect_hooks() -> None:
    """Every link between areas, in one place (blinker ignores a second connect of the
    same receiver, so building several apps in one process connects each once)."""
    hooks.hire_follow_up.connect(internships_receivers.hire_follow_up)
    hooks.claims_to_review.connect(internships_receivers.claims_to_review)
    hooks.application_notes.connect(internships_receivers.application_notes)
    hooks.internship_figures.connect(internships_receivers.internship_figures)
    hooks.policy_findings.connect(internships_outreach.policy_findings)
    hooks.person_export.connect(internships_privacy.export_person)
    hooks.person_export.connect(welfare_privacy.export_person)
    hooks.person_export.connect(fairs_privacy.export_person)
    hooks.person_export.connect(contact_privacy.export_person)
    hooks.person_deleted.connect(internships_privacy.forget_person)
    hooks.person_deleted.connect(contact_privacy.forget_person)
    hooks.person_deleted.connect(fairs_privacy.forget_person)
    hooks.person_export.connect(notifications_privacy.export_person)
    hooks.person_deleted.connect(notifications_privacy.forget_person)
    hooks.hired.connect(welfare_registrations.on_hired)
    hooks.categories_changed.connect(welfare_rechecks.recheck_categories)
    hooks.hire_reversed.connect(welfare_registrations.on_hire_reversed)
    hooks.hire_reversed.connect(fairs_receivers.on_hire_reversed)
    hooks.hire_reversal_blockers.connect(internships_receivers.hire_reversal_blockers)
    hooks.public_welfare_decisions.connect(welfare_receivers.public_welfare_decisions)
    hooks.first_approaches.connect(fairs_receivers.first_approaches)
    hooks.policy_version_effective.connect(internships_repricing.on_policy_version_effective)
    hooks.policy_preview.connect(internships_repricing.preview_policy)
    hooks.person_deleted.connect(internships_evidence.on_person_deleted)  # kept, caseworkers only
    # printable documents: each area's kinds with the shared documents service
    documents.register("internship_agreement", internships_documents.agreement)
    documents.register("internship_claim", internships_documents.internship_claim)
    documents.register("hire_claim", internships_documents.hire_claim)
    documents.register("referral_letter", welfare_documents.referral_letter)
    documents.register("placement_notice", welfare_documents.placement_notice)
    documents.register("unemployment_certificate", welfare_documents.unemployment_certificate,
                       verify=welfare_documents.verify_certificate)
    documents.register("fair_report", fairs_documents.fair_report)
    documents.register("my_data", privacy_documents.my_data)
    hooks.employer_today.connect(internships_receivers.employer_today)
    hooks.person_page.connect(welfare_person_page.parts)
    hooks.person_page.connect(internships_receivers.person_page)
    hooks.employer_today.connect(fairs_receivers.employer_today)


def load_demo(session, cipher, today=None, extras: bool = True) -> dict:
    """The demo data set: the core's records, then each area's (``DEMO_LOADERS``)."""
    result = core_demo.load(session, cipher)
    if extras and result.get("loaded"):
        result.update(load_demo_extras(session, cipher, today))
    return result


def load_demo_extras(session, cipher, today=None) -> dict:
    return {name: load(session, cipher, today or clock.today()) for name, load in DEMO_LOADERS}


def build_app(config: Config | dict | None = None) -> Flask:
    if config is None:
        config = Config.from_env()
    elif isinstance(config, dict):
        config = Config.from_env(**config)
    config.check()
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static",
                template_folder=str(ROOT / "marketplace" / "web" / "templates"))
    app.config.update(
        SECRET_KEY=config.SECRET_KEY,
        MARKETPLACE=config,
        TESTING=config.ENV == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.ENV == "production",
        REMEMBER_COOKIE_SECURE=config.ENV == "production",
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=config.DEFAULT_LOCALE,
        # One catalogue per area (core, internships, welfare, fairs, ...), merged by Flask-Babel.
        BABEL_TRANSLATION_DIRECTORIES=";".join(str(ROOT / "marketplace" / area / "i18n") for area in CATALOGUES),
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["db"] = Database(config.database_url)
    app.extensions["cipher"] = Cipher(config.data_key)
    app.extensions["runtime"] = Runtime(config)
    app.extensions["demo_loader"] = load_demo

    connect_hooks()
    init_celery(app, config)
    init_web(app)
    assert all(m.bp is web_api.bp for m in AREA_API)  # their routes are on the shared blueprint
    app.register_blueprint(web_api.bp)
    csrf.exempt(web_api.bp)  # the API authenticates by bearer token only, never by cookie
    for bp in AREA_PAGES:
        app.register_blueprint(bp)
    cli.init_app(app)
    logging.getLogger(__name__).info("marketplace ready on %s", config.database_url.split("@")[-1])
    return app
