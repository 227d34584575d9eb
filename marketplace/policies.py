"""The one choice of the city's policy set, for every area.

``active()`` is the set in force for this installation, named by ``MARKETPLACE_POLICY_SET``
(checked at start: an unknown name stops the app with a message naming the variable).
``named(name)`` loads a set a recorded decision names (an agreement or a claim keeps the set
that judged it). Areas never hard-code a set's name.
"""
from __future__ import annotations

from marketplace import clock
from marketplace import policy as pol
from marketplace.config import Config
from marketplace.errors import ValidationFailed


def active_name(config: Config | None = None) -> str:
    """The name of the set in force (from the current app's config, or the worker's)."""
    if config is not None:
        return config.POLICY_SET
    return clock.current_config().POLICY_SET


def active(config: Config | None = None) -> pol.PolicySet:
    return named(active_name(config))


def named(name: str) -> pol.PolicySet:
    """A set by name; an unknown or broken set is a form error on ``policy_set``."""
    try:
        return pol.load_policy_set(name)
    except pol.PolicySetError as exc:
        raise ValidationFailed(f"政策集无效：{exc}", f"policy set problem: {exc}", field="policy_set") from None
