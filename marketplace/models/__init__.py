"""SQLAlchemy 2.0 models, one module per aggregate."""
from .account import ROLES, ApiToken, User
from .application import OPEN_STAGES, STAGES, Application, ApplicationEvent
from .audit import AuditEntry
from .base import DISTRICTS, EDUCATION_EN, EDUCATION_LEVELS, Base, utcnow
from .organisation import ORG_TYPES, Organisation
from .posting import KINDS, STATUSES, Posting
from .outbox import TaskOutbox
from .profile import BENEFIT_CATEGORIES, CATEGORIES, Profile, ProfileCategory

__all__ = [
    "ROLES", "ApiToken", "User", "OPEN_STAGES", "STAGES", "Application", "ApplicationEvent", "AuditEntry",
    "DISTRICTS", "EDUCATION_EN", "EDUCATION_LEVELS", "Base", "utcnow", "ORG_TYPES", "Organisation", "KINDS",
    "STATUSES", "Posting", "TaskOutbox", "BENEFIT_CATEGORIES", "CATEGORIES", "Profile", "ProfileCategory",
]
