"""Every catalogue key the filing domain uses, with its placeholders and suggested texts.

The catalogue itself lives in ``bot/locales/*.yaml`` (maintained elsewhere); this table is what
to add there, and what ``tests/test_filing_catalogue.py`` checks the catalogue against: a key's
template may use only the placeholders listed here, since those are the values the domain passes.
Error keys are raised as ``FilingError.key`` with ``FilingError.values``; notification keys are
rendered by ``FilingService`` in the recipient's language; label keys are translated and passed
into other messages.
"""

from __future__ import annotations

# key: (placeholders, suggested zh, suggested en)
KEYS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # ---- refusals --------------------------------------------------------------------------
    "filing.error.not_found": (
        (),
        "没有找到这个编号，或者您无权查看。",
        "No such reference, or it is not yours to see.",
    ),
    "filing.error.not_allowed": ((), "您没有权限进行这项操作。", "You are not allowed to do that."),
    "filing.error.own_filing": (
        (),
        "本人提交的事项须由其他负责人处理。",
        "A filing of your own must be handled by someone else.",
    ),
    "filing.error.illegal_transition": (
        (),
        "此操作在当前状态下不能进行（可能已被他人处理）。请重新查看该事项。",
        "This cannot be done in the filing's current state (someone may have handled it already). "
        "Please view it again.",
    ),
    "filing.error.already_decided": (
        (),
        "该申请已作出认定，不能再撤回。",
        "This request has already been decided and can no longer be withdrawn.",
    ),
    "filing.error.unknown_action": ((), "无法识别的操作。", "Unknown action."),
    "filing.error.unknown_kind": ((), "无法识别的事项类型。", "Unknown kind of filing."),
    "filing.error.invalid": ((), "内容不符合要求，请检查后重试。", "That is not valid; please check and try again."),
    "filing.error.empty": ((), "内容不能为空，请用文字填写。", "This cannot be empty; please write something."),
    "filing.error.not_text": ((), "请用文字回复。", "Please reply with text."),
    "filing.error.too_long": (
        ("limit",),
        "内容太长了（最多 {limit} 字），请精简后再发。",
        "Too long (at most {limit} characters); please shorten it.",
    ),
    "filing.error.garbage": (
        (),
        "内容无法识别（可能是乱码或文件内容），请重新输入文字。",
        "This cannot be read (it looks like garbled or binary data); please type the text again.",
    ),
    "filing.error.bad_key": ((), "提交未成功，请重新点击“提交”。", "Submitting failed; please press Submit again."),
    "filing.error.no_unit": (
        (),
        "您的账号还没有所属单位，请联系管理员。",
        "Your account has no unit yet; please contact an administrator.",
    ),
    "filing.error.not_seconded": (
        (),
        "挂职反馈仅供挂职干部使用。如您正在挂职，请联系管理员登记。",
        "Secondment feedback is for seconded cadres. If you are seconded, ask an administrator to record it.",
    ),
    "filing.error.draft_too_large": ((), "草稿内容过多，请精简。", "The draft is too large; please shorten it."),
    "filing.error.file_type": (
        ("mime",),
        "不支持这种文件类型。请发送照片、PDF、Word、Excel 或文本文件。",
        "That file type is not accepted. Please send a photo, PDF, Word, Excel or text file.",
    ),
    "filing.error.file_too_large": (
        ("limit_mb",),
        "文件太大了（最大 {limit_mb} MB）。",
        "The file is too large (at most {limit_mb} MB).",
    ),
    "filing.error.too_many_files": (
        ("limit",),
        "附件太多了（最多 {limit} 个）。",
        "Too many attachments (at most {limit}).",
    ),
    "filing.error.bad_attachment": ((), "附件无效或不属于您。", "That attachment is not valid or not yours."),
    "filing.error.bad_case": ((), "引用的案例编号无效。", "That guiding case id is not valid."),
    "filing.error.too_many_cases": (
        ("limit",),
        "最多引用 {limit} 个案例。",
        "You can cite at most {limit} cases.",
    ),
    "filing.error.bad_selfcheck": (
        (),
        "自查答案无效，请重新自查。",
        "The self-check answers are not valid; please redo it.",
    ),
    "filing.error.bad_prereg": (
        (),
        "引用的报备编号无效，或不是您本人的报备。",
        "That pre-registration reference is not valid or not yours.",
    ),
    "filing.error.bad_category": ((), "请用按钮选择反馈类别。", "Please choose a category with the buttons."),
    "filing.error.bad_urgency": ((), "请用按钮选择紧急程度。", "Please choose the urgency with the buttons."),
    "filing.error.message_required": ((), "请填写要说明的内容。", "Please write the message."),
    "filing.error.bad_outcome": (
        (),
        "请选择认定结果：予以容错、部分容错或不予容错。",
        "Please choose an outcome: tolerated, partially tolerated or not tolerated.",
    ),
    "filing.error.reason_required": ((), "认定必须写明理由。", "A decision needs a written reason."),
    "filing.error.reason_too_short": (
        ("limit",),
        "理由太简略了，请至少写 {limit} 个字，说明依据的事实和条款。",
        "The reason is too short; write at least {limit} characters on the facts and rules it rests on.",
    ),
    "filing.error.boundaries_required": (
        (),
        "请逐项说明三条边界（法律法规、组织利益、他人合法权益）是否守住。",
        "Please state for each of the three boundaries (law, the organisation's interest, others' rights) "
        "whether it was kept.",
    ),
    "filing.error.bad_distinctions": (
        (),
        "“三个区分开来”的选择无效。",
        "The choice among the three distinctions is not valid.",
    ),
    "filing.error.boundary_crossed": (
        (),
        "触碰了边界的情形不能认定为“予以容错”，可考虑部分容错或不予容错。",
        "Conduct that crossed a boundary cannot be fully tolerated; consider partial or no tolerance.",
    ),
    "filing.error.same_outcome": (
        (),
        "纠正后的结果与原认定相同；如认定无误，请选择“维持”。",
        "The corrected outcome equals the original; if the decision was right, confirm it instead.",
    ),
    "filing.error.clearing_note_required": (
        (),
        "纠正认定时须填写澄清正名说明。",
        "A correction needs a clearing note (澄清正名).",
    ),
    "filing.error.already_acknowledged": ((), "该报备已有人确认。", "This pre-registration was already acknowledged."),
    "common.not_registered": (
        (),
        "您还没有注册。请向街道/社区管理员索取邀请码，然后发送 /start 邀请码。",
        "You are not registered yet. Ask an administrator for an invite code, then send /start CODE.",
    ),
    "lookback.error.already_reviewed": ((), "该事项已复查完毕。", "This item has already been reviewed."),
    "lookback.error.same_reviewer": (
        (),
        "原认定人不能复查自己的认定。",
        "The person who decided cannot review their own decision.",
    ),
    "lookback.error.not_assigned": ((), "该复查事项没有分配给您。", "This review is not assigned to you."),
    "lookback.error.bad_reviewer": ((), "所选复查人无效。", "That reviewer cannot be chosen."),
    "lookback.error.bad_parameters": (
        (),
        "抽查参数无效（比例须在 0 到 1 之间，结束日期须晚于开始日期）。",
        "Invalid sampling parameters (share between 0 and 1, end after start).",
    ),
    # ---- notifications -------------------------------------------------------------------
    "filing.notify.submitted": (
        ("ref",),
        "✅ 容错申请已提交，编号 <b>{ref}</b>，等待受理。已通知本单位的监督审核人，进展会在这里通知您。",
        "✅ Tolerance request submitted as <b>{ref}</b>, awaiting acceptance. Your unit's supervisors are told;"
        " you will hear of every step here.",
    ),
    "filing.notify.feedback_submitted": (
        ("ref",),
        "✅ 挂职反馈已送达，编号 <b>{ref}</b>。本单位的监督审核人会阅读，有答复或转交会在这里告诉您。",
        "✅ Secondment feedback delivered as <b>{ref}</b>. Your unit's supervisors will read it; you will hear"
        " here when it is answered or passed on.",
    ),
    "filing.notify.new_request": (
        ("ref", "name", "unit", "summary"),
        "📥 新的容错申请 <b>{ref}</b>\n申请人：{name}（{unit}）\n{summary}",
        "📥 New tolerance request <b>{ref}</b>\nFrom: {name} ({unit})\n{summary}",
    ),
    "filing.notify.new_feedback": (
        ("ref", "name", "unit", "summary", "category", "urgency"),
        "📥 新的挂职反馈 <b>{ref}</b>（{category}，{urgency}）\n反馈人：{name}（{unit}）\n{summary}",
        "📥 New secondment feedback <b>{ref}</b> ({category}, {urgency})\nFrom: {name} ({unit})\n{summary}",
    ),
    "filing.notify.accepted": (
        ("ref", "due", "provisional"),
        "您的申请 <b>{ref}</b> 已受理，预计在 {due} 前作出认定。",
        "Your request <b>{ref}</b> was accepted for review; a decision is due by {due}.",
    ),
    "filing.notify.info_requested": (
        ("ref", "message"),
        "关于申请 <b>{ref}</b>，需要您补充材料：\n{message}\n请在这里回复补充内容。",
        "About your request <b>{ref}</b>, more information is needed:\n{message}\nPlease answer here.",
    ),
    "filing.notify.info_sent": (
        ("ref",),
        "已将您的补充材料送交处理人（{ref}），认定时限恢复计算。",
        "Your additional information for {ref} was passed on; the time limit runs again.",
    ),
    "filing.notify.info_answered": (
        ("ref", "message"),
        "📎 申请 <b>{ref}</b> 的申请人已补充材料：\n{message}",
        "📎 The cadre answered on <b>{ref}</b>:\n{message}",
    ),
    "filing.notify.decided": (
        ("ref", "outcome", "reason"),
        "您的申请 <b>{ref}</b> 已作出认定：<b>{outcome}</b>\n理由：{reason}",
        "Your request <b>{ref}</b> has been decided: <b>{outcome}</b>\nReason: {reason}",
    ),
    "filing.notify.corrected": (
        ("ref", "outcome", "reason", "clearing_note"),
        "经回头看复查，您的申请 <b>{ref}</b> 的认定已纠正为：<b>{outcome}</b>\n理由：{reason}\n"
        "澄清正名：{clearing_note}",
        "On look-back, the decision on <b>{ref}</b> was corrected to: <b>{outcome}</b>\nReason: {reason}\n"
        "Clearing note: {clearing_note}",
    ),
    "filing.notify.confirmed": (
        ("ref",),
        "经回头看复查，您的申请 <b>{ref}</b> 维持原认定。",
        "On look-back, the decision on <b>{ref}</b> was confirmed.",
    ),
    "filing.notify.withdrawn": (
        ("ref",),
        "您已撤回申请 <b>{ref}</b>。记录会保留。",
        "You withdrew <b>{ref}</b>. The record is kept.",
    ),
    "filing.notify.withdrawn_supervisor": (
        ("ref", "message"),
        "申请 <b>{ref}</b> 已由申请人撤回。{message}",
        "Request <b>{ref}</b> was withdrawn by the cadre. {message}",
    ),
    "filing.notify.feedback_read": (
        ("ref",),
        "您的反馈 <b>{ref}</b> 已被阅读。",
        "Your feedback <b>{ref}</b> has been read.",
    ),
    "filing.notify.feedback_answered": (
        ("ref", "message"),
        "您的反馈 <b>{ref}</b> 有了答复：\n{message}",
        "Your feedback <b>{ref}</b> was answered:\n{message}",
    ),
    "filing.notify.feedback_forwarded": (
        ("ref", "message"),
        "您的反馈 <b>{ref}</b> 已转交相关部门：\n{message}",
        "Your feedback <b>{ref}</b> was forwarded:\n{message}",
    ),
    "filing.notify.message": (
        ("ref", "message"),
        "关于 <b>{ref}</b> 的消息：\n{message}",
        "A message about <b>{ref}</b>:\n{message}",
    ),
    "filing.notify.new_prereg": (
        ("ref", "name", "unit", "what", "why", "cost", "at"),
        "🚨 紧急事项报备 <b>{ref}</b>（{at}）\n报备人：{name}（{unit}）\n事项：{what}\n"
        "紧急原因：{why}\n预计费用/风险：{cost}",
        "🚨 Emergency pre-registration <b>{ref}</b> ({at})\nFrom: {name} ({unit})\nWhat: {what}\n"
        "Why it cannot wait: {why}\nExpected cost/risk: {cost}",
    ),
    "filing.notify.prereg_saved": (
        ("ref", "at"),
        "✅ 已报备，编号 <b>{ref}</b>，时间 {at}。之后提交容错申请时可以引用它。",
        "✅ Registered as <b>{ref}</b> at {at}. You can cite it in a later tolerance request.",
    ),
    "filing.notify.prereg_acknowledged": (
        ("ref", "name"),
        "您的报备 <b>{ref}</b> 已由 {name} 确认收到。",
        "Your pre-registration <b>{ref}</b> was acknowledged by {name}.",
    ),
    "filing.notify.deadline_reminder": (
        ("ref", "deadline", "due", "provisional"),
        "⏰ 提醒：<b>{ref}</b> 的{deadline}时限为 {due}，即将到期。",
        "⏰ Reminder: the {deadline} limit for <b>{ref}</b> is {due}.",
    ),
    "filing.notify.deadline_escalation": (
        ("ref", "unit", "deadline", "due", "provisional"),
        "⚠️ 超期：{unit} 的 <b>{ref}</b> 的{deadline}时限已于 {due} 到期，尚未办理。",
        "⚠️ Overdue: the {deadline} limit for <b>{ref}</b> ({unit}) passed at {due}.",
    ),
    "filing.notify.draft_reminder": (
        ("kind",),
        "您有一份未完成的{kind}草稿。发送 /resume 可以从上次停下的地方继续。",
        "You have an unfinished {kind} draft. Send /resume to continue where you left off.",
    ),
    "lookback.notify.assigned": (
        ("ref",),
        "🔍 回头看：请复查 <b>{ref}</b> 的认定（维持或纠正）。",
        "🔍 Look-back: please review the decision on <b>{ref}</b> (confirm or correct).",
    ),
    # ---- labels --------------------------------------------------------------------------
    "filing.outcome.tolerated": ((), "予以容错", "tolerated"),
    "filing.outcome.partially_tolerated": ((), "部分容错", "partially tolerated"),
    "filing.outcome.not_tolerated": ((), "不予容错", "not tolerated"),
    "filing.deadline.accept": ((), "受理", "acceptance"),
    "filing.deadline.decide": ((), "认定", "decision"),
    # After a due date counted with weekends only (a year no working-day calendar covers).
    "filing.deadline.provisional": ((), "（暂定）", " (provisional)"),
    "filing.kind.request": ((), "容错申请", "tolerance request"),
    "filing.kind.feedback": ((), "挂职反馈", "secondment feedback"),
    "filing.kind.prereg": ((), "紧急报备", "emergency pre-registration"),
    "feedback.category.situation": ((), "社区实际情况", "the community's real situation"),
    "feedback.category.problems": ((), "发现的问题", "problems found"),
    "feedback.category.suggestions": ((), "政策建议", "suggestions for policy"),
    "feedback.category.implementation": ((), "上级部署落实情况", "how superiors' plans are landing"),
    "feedback.urgency.normal": ((), "一般", "normal"),
    "feedback.urgency.urgent": ((), "紧急", "urgent"),
    # States, for lists and histories shown by the handlers.
    "filing.state.submitted": ((), "已提交", "submitted"),
    "filing.state.accepted": ((), "已受理", "accepted for review"),
    "filing.state.info_requested": ((), "待补充材料", "more information requested"),
    "filing.state.decided_tolerated": ((), "已认定：予以容错", "decided: tolerated"),
    "filing.state.decided_partial": ((), "已认定：部分容错", "decided: partially tolerated"),
    "filing.state.decided_not_tolerated": ((), "已认定：不予容错", "decided: not tolerated"),
    "filing.state.confirmed": ((), "回头看：维持", "look-back: confirmed"),
    "filing.state.corrected": ((), "回头看：已纠正", "look-back: corrected"),
    "filing.state.withdrawn": ((), "已撤回", "withdrawn"),
    "filing.state.read": ((), "已阅", "read"),
    "filing.state.answered": ((), "已答复", "answered"),
    "filing.state.forwarded": ((), "已转交", "forwarded"),
}


def yaml_snippet(locale: str) -> str:
    """The keys as nested YAML for ``bot/locales/<locale>.yaml`` (zh or en), to paste and edit."""
    import yaml

    column = {"zh": 1, "en": 2}[locale]
    tree: dict = {}
    for key, entry in KEYS.items():
        node = tree
        *path, leaf = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = entry[column]
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=200)
