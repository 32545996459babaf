"""How a filing is shown: summary lines for lists, the whole filing with its history and deadlines."""

from __future__ import annotations

from bot.filing import forms
from bot.filing.deadlines import DeadlineStatus
from bot.filing.queries import PreRegView
from bot.filing.service import FilingService
from bot.i18n import Catalogue
from handlers.texts import Words
from knowledge.models import KnowledgeBase
from storage.records import User
from storage.records_filings import Filing, FilingEvent, PreRegistration


def state_label(cat: Catalogue, loc: str, filing: Filing) -> str:
    return cat.t(loc, f"filing.state.{filing.state}")


def list_line(cat: Catalogue, loc: str, service: FilingService, filing: Filing, overdue: bool = False) -> str:
    summary = str(filing.body.get("what_happened") or filing.body.get("text") or "")
    summary = summary.split("\n", 1)[0][:30]
    return cat.t(
        loc,
        "view.list_line",
        ref=filing.ref,
        state=state_label(cat, loc, filing),
        at=service.format_time(filing.created_at),
        summary=summary,
        overdue=cat.t(loc, "view.overdue_mark") if overdue else "",
    )


def prereg_line(cat: Catalogue, loc: str, service: FilingService, prereg: PreRegistration) -> str:
    ack = cat.t(loc, "view.acknowledged") if prereg.acknowledged_at else cat.t(loc, "view.not_acknowledged")
    return cat.t(
        loc,
        "view.prereg_line",
        ref=prereg.ref,
        at=service.format_time(prereg.created_at),
        what=prereg.what[:30],
        ack=ack,
    )


def prereg_full(cat: Catalogue, loc: str, service: FilingService, shown: PreRegView) -> str:
    prereg, applicant = shown.prereg, shown.applicant
    lines: list[str] = [cat.t(loc, "view.prereg_title", ref=prereg.ref, at=service.format_time(prereg.created_at))]
    if applicant is not None:
        lines.append(applicant_line(cat, loc, applicant))
    lines += [
        cat.t(loc, "form.preview_line", label=cat.t(loc, "form.labels.what"), value=prereg.what),
        cat.t(loc, "form.preview_line", label=cat.t(loc, "form.labels.why_urgent"), value=prereg.why_urgent),
        cat.t(loc, "form.preview_line", label=cat.t(loc, "form.labels.expected_cost"), value=prereg.expected_cost),
    ]
    if prereg.acknowledged_at is not None:
        who = shown.acknowledger.display_name if shown.acknowledger else ""
        lines.append(cat.t(loc, "view.prereg_acked", at=service.format_time(prereg.acknowledged_at), name=who))
    else:
        lines.append(cat.t(loc, "view.prereg_waiting"))
    return "\n".join(lines)


def applicant_line(cat: Catalogue, loc: str, user: User) -> str:
    return cat.t(
        loc,
        "view.applicant",
        name=user.display_name or str(user.telegram_id),
        unit=user.unit_name or cat.t(loc, "view.no_unit"),
        role=cat.t(loc, f"roles.{user.role}"),
        seconded=cat.t(loc, "view.seconded") if user.seconded else cat.t(loc, "view.not_seconded"),
    )


def selfcheck_lines(cat: Catalogue, loc: str, kb: KnowledgeBase, answers: dict[str, str]) -> list[str]:
    """Each answered question in the questionnaire's order, as asked, with the answer given."""
    questions = {q.id: q for q in kb.selfcheck.questions}
    ordered = [q.id for q in kb.selfcheck.questions if q.id in answers]
    ordered += [qid for qid in answers if qid not in questions]  # a question since removed from the questionnaire
    return [
        cat.t(
            loc,
            "view.selfcheck_line",
            question=questions[qid].text if qid in questions else qid,
            answer=cat.t(loc, f"check.{answers[qid]}"),
        )
        for qid in ordered
    ]


def full(
    cat: Catalogue,
    loc: str,
    service: FilingService,
    kb: KnowledgeBase,
    filing: Filing,
    events: list[FilingEvent],
    deadlines: list[DeadlineStatus],
    n_attachments: int,
    applicant: User | None = None,
) -> str:
    lines: list[str] = [
        cat.t(
            loc,
            "view.title",
            kind=cat.t(loc, f"filing.kind.{filing.kind}"),
            ref=filing.ref,
            state=state_label(cat, loc, filing),
        )
    ]
    if applicant is not None:
        lines.append(applicant_line(cat, loc, applicant))
    say = Words(cat, loc)
    for step in forms.steps(filing.kind):
        value = filing.body.get(step.name)
        label = cat.t(loc, f"form.labels.{step.name}")
        if step.kind in ("long", "short") and value:
            lines.append(cat.t(loc, "form.preview_line", label=label, value=value))
        elif step.kind == "choice" and value:
            lines.append(
                cat.t(loc, "form.preview_line", label=label, value=cat.t(loc, f"form.options.{step.name}.{value}"))
            )
        elif step.kind == "cases" and value:
            titles = say.items(c.title for c in (kb.case(i) for i in value) if c)
            lines.append(cat.t(loc, "form.preview_line", label=label, value=titles or say.join(value)))
        elif step.kind == "preregs" and value:
            lines.append(cat.t(loc, "form.preview_line", label=label, value=say.join(value)))
        elif step.kind == "selfcheck" and value:
            lines.append(cat.t(loc, "view.selfcheck_title", label=label))
            lines += selfcheck_lines(cat, loc, kb, value)
    if n_attachments:
        lines.append(
            cat.t(
                loc,
                "form.preview_line",
                label=cat.t(loc, "form.labels.evidence"),
                value=cat.t(loc, "form.n_files", n=n_attachments),
            )
        )
    if filing.decision:
        lines.append(
            cat.t(
                loc,
                "view.decision",
                outcome=cat.t(loc, f"filing.outcome.{filing.decision.get('outcome')}"),
                reason=filing.decision.get("reason", ""),
            )
        )
        if filing.decision.get("clearing_note"):
            lines.append(cat.t(loc, "view.clearing", note=filing.decision["clearing_note"]))
    if deadlines:
        lines.append(cat.t(loc, "view.deadlines"))
        for status in deadlines:
            lines.append(
                cat.t(
                    loc,
                    "view.deadline_line",
                    kind=cat.t(loc, f"filing.deadline.{status.kind}"),
                    due=service.format_time(status.due_at),
                    provisional=cat.t(loc, "filing.deadline.provisional") if status.provisional else "",
                    state=cat.t(loc, f"view.deadline_state.{status.state}"),
                )
            )
    lines.append(cat.t(loc, "view.history"))
    for event in events:
        mark = cat.t(loc, "view.internal_mark") if event.visibility == "internal" else ""
        action = (
            cat.t(loc, f"view.action.{event.action}") if cat.has(f"view.action.{event.action}", loc) else event.action
        )
        key = "view.event_line_message" if event.message else "view.event_line"
        lines.append(
            cat.t(loc, key, at=service.format_time(event.at), action=action, message=event.message, internal=mark)
        )
    return "\n".join(lines)
