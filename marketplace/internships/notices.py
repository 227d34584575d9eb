"""The internships area's notification kinds, registered with the shared service, and the
claim-state notice: the claimant (the organisation's staff, or the person for an R15 claim)
is told when a caseworker approves, rejects or pays a claim."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.core.models import Profile, User
from marketplace.core.notices import staff_of
from marketplace.internships.models import STATE_NAMES, SubsidyClaim
from marketplace.notifications import notify, register

register("introduction", "新的岗位推荐", "New introduction", ("app", "sms", "email"))
register("internship_ending", "见习即将期满", "Internship ending", ("app", "email"))
register("one_third_reached", "见习剩余不足三分之一", "One third of the internship left", ("app", "email"))
register("no_claim", "见习协议尚无补贴申领", "Agreement without a claim", ("app",))
register("confirm_record", "请确认记录", "Please confirm a record", ("app", "sms", "email"))
register("claim_state", "补贴申领状态更新", "Subsidy claim update", ("app", "sms", "email"))

TOLD = ("approved", "rejected", "paid")


def claim_moved(session: Session, actor: User, c: SubsidyClaim, to: str, reason: str = "") -> None:
    if to not in TOLD:
        return
    zh, en = STATE_NAMES[to]
    why_zh, why_en = (f"。理由：{reason}", f". Reason: {reason}") if to == "rejected" and reason else ("", "")
    text = (f"补贴申领 #{c.id}（{c.amount} 元）已{zh.removeprefix('已')}{why_zh}",
            f"subsidy claim #{c.id} ({c.amount} yuan) was {en}{why_en}")
    key = f"claim:{c.id}:{to}"
    if c.organisation_id is not None:
        for uid in staff_of(session, c.organisation_id):
            if uid != actor.id:
                notify(session, uid, "claim_state", key, *text, "/employer/claims")
    else:
        profile = session.get(Profile, c.profile_id)
        if profile is not None and profile.user_id and profile.user_id != actor.id:
            notify(session, profile.user_id, "claim_state", key, *text, "/me/subsidies")
