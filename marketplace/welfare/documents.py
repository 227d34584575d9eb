"""The welfare area's printable documents (``marketplace.documents``; wired in
``marketplace.app.connect_hooks``): the caseworker's referral letter (职业介绍信), the
public-welfare placement notice (公益性岗位安置通知) and the certificate of unemployment
registration (失业登记证明, with a verification code the public check page confirms).
Each loads its record through the area's own access rule (404/403 as the API gives)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import EDUCATION_LEVELS, User
from marketplace.documents import Document, Fields, Text, codes, mask_name
from marketplace.welfare.common import policy
from marketplace.welfare.models import Registration
from marketplace.welfare.placements import _placement, fund_codes
from marketplace.welfare.referrals import get_referral
from marketplace.welfare.registrations import get_registration

BASIS = {"hukou": "户籍地登记", "residence": "常住地登记"}
END_REASONS = {"hired_in_system": "经本平台录用", "placed_public_welfare": "安置到公益性岗位", "employed": "已就业",
               "self_employed": "自主创业/灵活就业", "moved_away": "迁出本地", "retired": "达到退休年龄",
               "other": "其他"}


def _d(d) -> str:
    return d.isoformat() if d else "—"


def referral_number(ref) -> str:
    return f"JS{ref.referred_on.year}-{ref.id:06d}"


def placement_number(pl) -> str:
    return f"GY{pl.start_on.year}-{pl.id:06d}"


def certificate_number(reg: Registration) -> str:
    return f"SYDJ{reg.registered_on.year}-{reg.id:06d}"


def referral_letter(session: Session, actor: User, record_id: int) -> Document:
    """职业介绍信: the caseworker introduces the person to the employer's post; the employer
    returns the slip with the outcome."""
    ref = get_referral(session, actor, record_id)
    p, posting = ref.profile, ref.posting
    caseworker = session.get(User, ref.referred_by_id)
    blocks = [
        Text(f"{posting.organisation.name}：\n兹介绍{p.name}前往贵单位应聘“{posting.title}”岗位，请予接洽。"),
        Fields("被介绍人员", [("姓名", p.name), ("性别", p.gender), ("学历", EDUCATION_LEVELS.get(p.education, "—")),
                          ("所在区", p.district)]),
        Fields("介绍岗位", [("用人单位", posting.organisation.name), ("岗位", posting.title),
                        ("工作地点", posting.district)]),
        Fields("介绍情况", [("介绍日期", _d(ref.referred_on)), ("经办人", caseworker.display_name if caseworker else "—"),
                        ("备注", ref.note or "—")]),
        Text("回执：请用人单位在面试后注明录用结果（已录用 / 未录用 / 本人拒绝）并盖章，交回公共就业服务机构。"),
    ]
    return Document("referral_letter", "职业介绍信", referral_number(ref), clock.today(), blocks,
                    ["介绍机构（盖章）", "经办人（签字）", "用人单位回执（盖章）"], record=("referral", ref.id))


def placement_notice(session: Session, actor: User, record_id: int) -> Document:
    """公益性岗位安置通知: who is placed on which post, from when, for how long, on which fund."""
    pl = _placement(session, actor, record_id)
    p, posting = pl.profile, pl.posting
    funds = {code: zh for code, zh, _en in fund_codes(policy())}
    rows = [("安置人员", p.name), ("性别", p.gender), ("公益性岗位", posting.title),
            ("岗位单位", posting.organisation.name), ("所在区", pl.district), ("上岗日期", _d(pl.start_on)),
            ("安置期限", f"{pl.term_months}个月"), ("期满日期", _d(pl.end_on)), ("资金来源", funds.get(pl.fund, pl.fund)),
            ("第几次安置", str(pl.placement_number))]
    if pl.extended_to_on:
        rows.append(("延长至", _d(pl.extended_to_on)))
    if pl.ended_on:
        rows.append(("安置结束日期", _d(pl.ended_on)))
    blocks = [Text(f"{p.name}：\n经审核，安排您到{posting.organisation.name}“{posting.title}”公益性岗位就业，"
                   f"请于{_d(pl.start_on)}前往报到。"), Fields("安置情况", rows)]
    return Document("placement_notice", "公益性岗位安置通知", placement_number(pl), clock.today(), blocks,
                    ["公共就业服务机构（盖章）", "岗位单位（盖章）", "被安置人员（签字）"], record=("placement", pl.id))


def unemployment_certificate(session: Session, actor: User, record_id: int) -> Document:
    """失业登记证明, for the person (or printed for them by the district's caseworker), with
    the verification code anyone they hand it to can check."""
    reg = get_registration(session, actor, record_id)
    p = reg.profile
    rows = [("姓名", p.name), ("性别", p.gender), ("登记地区", reg.district), ("登记类别", BASIS.get(reg.basis, reg.basis)),
            ("失业登记日期", _d(reg.registered_on))]
    if reg.ended_on:
        rows += [("登记终止日期", _d(reg.ended_on)), ("终止原因", END_REASONS.get(reg.end_reason, reg.end_reason or "—"))]
        text = f"兹证明{p.name}曾于{_d(reg.registered_on)}在{reg.district}办理失业登记，该登记已于{_d(reg.ended_on)}终止。"
    else:
        text = f"兹证明{p.name}于{_d(reg.registered_on)}在{reg.district}办理失业登记，截至本证明出具之日仍处于失业登记状态。"
    blocks = [Text(text), Fields("登记情况", rows),
              Text("本证明可通过下方验证码或二维码在公共就业服务平台核验，核验页面仅显示姓名（部分隐藏）和登记日期。")]
    return Document("unemployment_certificate", "失业登记证明", certificate_number(reg), clock.today(), blocks,
                    ["公共就业服务机构（盖章）"], verify_code=codes.make("unemployment_certificate", reg.id),
                    record=("registration", reg.id))


def verify_certificate(session: Session, record_id: int) -> dict | None:
    """What the public check page shows: valid (still registered) or not, the masked name
    and the dates; nothing else (no district, no reason)."""
    reg = session.get(Registration, record_id)
    if reg is None:
        return None
    dates = [("Registered on", _d(reg.registered_on))]
    if reg.ended_on:
        dates.append(("Ended on", _d(reg.ended_on)))
    return {"valid": reg.ended_on is None, "masked_name": mask_name(reg.profile.name), "dates": dates}
