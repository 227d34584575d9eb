"""The fairs area's notification kinds (issue 15): a person whose interview slot an edit of
the fair removed, or whose booth was cancelled, is told; their request goes back into the
allocation (``corrections``). Registered at import; ``corrections`` imports this module."""
from __future__ import annotations

from marketplace.notifications import register

register("fair_slot_removed", "招聘会面试时段已取消", "Fair interview slot removed", ("app", "sms", "email"))
register("fair_booth_cancelled", "招聘会展位已取消", "Fair booth cancelled", ("app", "sms", "email"))
