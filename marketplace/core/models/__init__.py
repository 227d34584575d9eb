"""The shared core's models (accounts, organisations, postings, profiles, applications,
audit, task outbox), one module per aggregate. Each area keeps its own in ``<area>/models.py``."""
from marketplace.core.models.account import ROLES, ApiToken, LoginThrottle, User, WebSession
from marketplace.core.models.application import OPEN_STAGES, STAGES, Application, ApplicationEvent
from marketplace.core.models.audit import AuditEntry
from marketplace.core.models.base import DISTRICTS, EDUCATION_EN, EDUCATION_LEVELS, Base, utcnow
from marketplace.core.models.contact import (
    INTERVIEW_STATUSES,
    PURPOSES,
    ApplicationInterview,
    ApplicationMessage,
    ContactLog,
)
from marketplace.core.models.organisation import (
    MAY_ACT,
    ORG_TYPES,
    VERIFICATION_STATUSES,
    Organisation,
    OrganisationVerification,
)
from marketplace.core.models.outbox import TaskOutbox
from marketplace.core.models.outreach import OutreachOptOut, PolicyOutreach
from marketplace.core.models.policy import VERSION_STATUSES, PolicySetRecord, PolicyVersion
from marketplace.core.models.posting import KINDS, STATUSES, Posting
from marketplace.core.models.profile import BENEFIT_CATEGORIES, CATEGORIES, IdNumberDuplicate, Profile, ProfileCategory
from marketplace.core.models.saved_search import SavedSearch

__all__ = [
    "ROLES", "ApiToken", "LoginThrottle", "User", "WebSession", "IdNumberDuplicate", "OPEN_STAGES", "STAGES", "Application", "ApplicationEvent", "AuditEntry",
    "DISTRICTS", "EDUCATION_EN", "EDUCATION_LEVELS", "Base", "utcnow", "ORG_TYPES", "Organisation", "KINDS",
    "MAY_ACT", "VERIFICATION_STATUSES", "OrganisationVerification",
    "OutreachOptOut", "PolicyOutreach", "INTERVIEW_STATUSES", "PURPOSES", "ApplicationInterview", "ApplicationMessage", "ContactLog",
    "STATUSES", "Posting", "TaskOutbox", "VERSION_STATUSES", "PolicySetRecord", "PolicyVersion", "BENEFIT_CATEGORIES", "CATEGORIES", "Profile", "ProfileCategory",
    "SavedSearch",
]
