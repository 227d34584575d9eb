"""POLICY.md as pure functions, and policy sets as data files.

Nothing here imports Flask, SQLAlchemy or any other part of ``marketplace``:
functions take and return plain frozen dataclasses and the services layer
converts. Every rule returns a `Decision` (or a richer dataclass) carrying the
rule id, the amount or whether it is allowed, and a reason in Chinese and
English. Bad input raises `CaseError` (naming the field); a bad or unknown
policy set raises `PolicySetError`; both are `PolicyError`.

Each module's docstring lists the **[choice]** readings of the plan it makes.
Command line: ``python -m marketplace.policy internship < case.json``.
"""

from marketplace.policy.calculator import answer_case, calculate_internship_json, parse_case
from marketplace.policy.claims import CLAIM_STATES, can_transition, check_claim_deadline, claimable_amount
from marketplace.policy.dates import Window, add_months, days_between, parse_iso_date
from marketplace.policy.decision import Condition, Decision
from marketplace.policy.errors import CaseError, NotEligible, PolicyError, PolicySetError
from marketplace.policy.followups import contact_due_this_month, follow_up_order, months_without_contact
from marketplace.policy.hiring import (
                     EpidemicHire,
                     HireFacts,
                     application_window,
                     epidemic_hire_subsidy,
                     epidemic_referral_subsidy,
                     hiring_subsidy,
)
from marketplace.policy.hubei import hubei_graduate_subsidy
from marketplace.policy.internship import (
                     CONTRACT,
                     FINISHED,
                     LEFT,
                     DateRange,
                     InternshipAgreement,
                     InternshipEntitlement,
                     Interruption,
                     Outcome,
                     UnitRetention,
                     agreed_days,
                     agreed_end,
                     check_intern_eligibility,
                     earned_to_date,
                     extended_end_at,
                     internship_entitlement,
                     remaining_days_at,
                     served_days_at,
)
from marketplace.policy.money import format_money, round_money
from marketplace.policy.policy_set import (
                     PolicySet,
                     list_policy_sets,
                     load_policy_set,
                     load_policy_set_file,
                     parse_policy_set,
)
from marketplace.policy.postings import (
                     check_soe_offer_withdrawal,
                     check_soe_posting,
                     check_targeted_application,
                     check_targeted_post,
)
from marketplace.policy.referrals import (
                     IntroductionFacts,
                     credited_introduction,
                     introduction_counts,
                     introduction_limit,
)
from marketplace.policy.retirement import (
                     Retirement,
                     RetirementPerson,
                     TimeToRetirement,
                     near_retirement,
                     statutory_retirement,
                     years_to_retirement,
)
from marketplace.policy.welfare import (
                     HardToEmployFacts,
                     PlacementCandidate,
                     PriorityDecision,
                     check_continued_placement_funding,
                     check_district_quota,
                     check_extension,
                     check_placement_count,
                     check_temporary_term,
                     hard_to_employ_reference,
                     order_for_placement,
                     placement_tier,
                     temporary_share,
)

__all__ = [
    # policy sets
    "PolicySet", "list_policy_sets", "load_policy_set", "load_policy_set_file", "parse_policy_set",
    # errors and decisions
    "PolicyError", "PolicySetError", "CaseError", "NotEligible", "Decision", "Condition", "PriorityDecision",
    # dates and money
    "Window", "add_months", "days_between", "parse_iso_date", "round_money", "format_money",
    # internships R1-R4 and the section 6 calculator
    "InternshipAgreement", "Interruption", "Outcome", "UnitRetention", "DateRange", "InternshipEntitlement",
    "FINISHED", "CONTRACT", "LEFT", "agreed_end", "agreed_days", "extended_end_at", "served_days_at",
    "remaining_days_at", "internship_entitlement", "earned_to_date", "check_intern_eligibility",
    "calculate_internship_json", "answer_case", "parse_case",
    # R5 claims
    "CLAIM_STATES", "can_transition", "claimable_amount", "check_claim_deadline",
    # R6, R7 hiring subsidies
    "HireFacts", "hiring_subsidy", "EpidemicHire", "application_window", "epidemic_hire_subsidy",
    "epidemic_referral_subsidy", "IntroductionFacts", "introduction_counts", "credited_introduction",
    "introduction_limit",
    # R8-R10 public-welfare posts
    "HardToEmployFacts", "hard_to_employ_reference", "placement_tier", "PlacementCandidate",
    "order_for_placement", "check_district_quota", "check_temporary_term", "temporary_share",
    "check_extension", "check_placement_count", "check_continued_placement_funding",
    # R11 retirement
    "RetirementPerson", "Retirement", "TimeToRetirement", "statutory_retirement", "years_to_retirement",
    "near_retirement",
    # R12 monthly follow-up
    "months_without_contact", "contact_due_this_month", "follow_up_order",
    # R13, R14 postings; R15 Hubei graduates
    "check_soe_posting", "check_soe_offer_withdrawal", "check_targeted_post", "check_targeted_application",
    "hubei_graduate_subsidy",
]
