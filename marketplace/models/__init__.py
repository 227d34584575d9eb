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
from .welfare import (CONTACT_CHANNELS, HTE_BASES, PLACEMENT_END_REASONS, REFERRAL_OUTCOMES, REGISTRATION_BASES,  # noqa: E402
                      REGISTRATION_CHANNELS, REGISTRATION_END_REASONS, FollowUp, FollowUpContact, HardToEmployStatus,
                      Placement, Referral, Registration)

__all__ += ["CONTACT_CHANNELS", "HTE_BASES", "PLACEMENT_END_REASONS", "REFERRAL_OUTCOMES", "REGISTRATION_BASES",
            "REGISTRATION_CHANNELS", "REGISTRATION_END_REASONS", "FollowUp", "FollowUpContact", "HardToEmployStatus",
            "Placement", "Referral", "Registration"]
from .internships import (AGREEMENT_STATUSES, CLAIM_KINDS, CLAIM_STATES, InternshipAgreement,  # noqa: E402
                          InternshipInterruption, Introduction, Notification, SubsidyClaim)

__all__ += ["AGREEMENT_STATUSES", "CLAIM_KINDS", "CLAIM_STATES", "InternshipAgreement", "InternshipInterruption",
            "Introduction", "Notification", "SubsidyClaim"]
from .fairs import (BOOTH_STATUSES, CHECKIN_METHODS, FAIR_MODES, FAIR_STATUSES, INTERVIEW_OUTCOMES,  # noqa: E402
                    INTERVIEW_STATUSES, Booth, Fair, FairRegistration, Interview)

__all__ += ["BOOTH_STATUSES", "CHECKIN_METHODS", "FAIR_MODES", "FAIR_STATUSES", "INTERVIEW_OUTCOMES",
            "INTERVIEW_STATUSES", "Booth", "Fair", "FairRegistration", "Interview"]
