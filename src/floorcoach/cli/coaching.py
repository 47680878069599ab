"""`floorcoach coach` (log a coaching conversation) and `floorcoach followups` (what is open).

Public interface: the options, the CSV columns of `followups --format csv` (they start
with coaching_id,employee_ref,employee_name,behaviour_id,due,status — one row per coached
behaviour) and the exit codes (0 ok, 1 refused input, 2 usage) stay stable.
"""

from __future__ import annotations

import argparse
from datetime import date

from floorcoach.cli.shared import (
    EXIT_OK,
    CliError,
    open_store,
    parse_at,
    plain,
    supervisor_name,
    write_rows,
)
from floorcoach.models import Kind, first_validation_message, values_of

FOLLOWUP_COLUMNS = (
    "coaching_id",
    "employee_ref",
    "employee_name",
    "behaviour_id",
    "due",
    "status",
    "due_state",
    "days_overdue",
    "behaviour_title",
    "team",
    "held_at",
    "kind",
    "supervisor",
    "agreed_action",
)
TABLE_COLUMNS = ("due", "due_state", "employee_ref", "employee_name", "behaviour_id", "kind")


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} {text!r} is not a date like 2026-12-02") from None


def cmd_coach(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from floorcoach import clock
    from floorcoach.coaching import ACTION_OPTIONAL, CoachingInput, create_coaching
    from floorcoach.employees import find_employee

    if args.action is None and args.kind not in ACTION_OPTIONAL:
        optional = " and ".join(sorted(ACTION_OPTIONAL))
        raise CliError(
            f"--action is required for a {args.kind} talk: write the action you agreed on "
            f"(only {optional} may leave it out)"
        )
    held_at = parse_at(args.at)
    due = _parse_date(args.follow_up, "--follow-up") if args.follow_up is not None else None
    if due is not None:
        held_on = clock.local_date(held_at or clock.now())
        problem = clock.implausible_follow_up(due, held_on)
        if problem:
            raise CliError(f"--follow-up {due.isoformat()} {problem}")
    with open_store(args) as store:
        employee = find_employee(store, args.employee)
        try:
            data = CoachingInput(
                employee_id=employee.id,
                kind=args.kind,
                behaviour_ids=args.behaviour,
                said=args.said,
                agreed_action=args.action or "",
                follow_up_due=due,
                held_at=held_at,
                acknowledged=args.acknowledged,
                employee_comment=args.comment or "",
                private_note=args.private_note or "",
                observation_ids=args.observation or [],
            )
        except ValidationError as exc:
            raise CliError(first_validation_message(exc)) from None
        saved = create_coaching(store, data, supervisor=supervisor_name(store))
    checked = [f for f in saved.follow_ups if f.status.value != "open"]
    print(
        f"saved {saved.id}: {plain(saved.employee_name)} · {saved.kind.value} · "
        f"{', '.join(saved.behaviour_ids)} · {clock.to_local(saved.held_at):%Y-%m-%d %H:%M}"
        f" · follow-up due {saved.follow_up_due.isoformat()}"
    )
    for follow_up in checked:
        print(
            f"  {follow_up.behaviour_id}: already seen since — {follow_up.status.value} "
            f"(observation {follow_up.result_observation_id})"
        )
    return EXIT_OK


def cmd_followups(args: argparse.Namespace) -> int:
    from floorcoach import clock
    from floorcoach.employees import find_employee
    from floorcoach.followups import list_followups

    today = clock.today()
    with open_store(args) as store:
        employee_id = find_employee(store, args.employee).id if args.employee else None
        follow_ups = list_followups(
            store, today, overdue_only=args.overdue, employee_id=employee_id
        )
    rows = [
        (
            f.coaching_id,
            f.employee_ref,
            f.employee_name,
            f.behaviour_id,
            f.due.isoformat(),
            f.status.value,
            f.due_state(today),
            max(0, (today - f.due).days),
            f.behaviour_title,
            f.team,
            clock.utc_text(f.held_at),
            f.kind.value,
            f.supervisor,
            f.agreed_action,
        )
        for f in follow_ups
    ]
    if args.format == "csv":
        write_rows("csv", FOLLOWUP_COLUMNS, rows)  # cells safe as in the exports
        return EXIT_OK
    picked = [FOLLOWUP_COLUMNS.index(c) for c in TABLE_COLUMNS]
    write_rows("table", TABLE_COLUMNS, [[row[i] for i in picked] for row in rows])
    if not rows:
        print("no open follow-ups" + (" overdue" if args.overdue else ""))
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    coach = commands.add_parser(
        "coach",
        help="log a coaching conversation (with a follow-up per behaviour)",
        description="Log a coaching conversation. Each --behaviour gets a follow-up, checked "
        "by the next observation of that behaviour.",
    )
    coach.add_argument("--employee", required=True, metavar="REF_OR_NAME")
    coach.add_argument("--kind", required=True, choices=values_of(Kind))
    coach.add_argument(
        "--behaviour",
        required=True,
        action="append",
        metavar="ID",
        help="a behaviour you talked about (repeat for several)",
    )
    coach.add_argument("--said", required=True, metavar="TEXT", help="what was said")
    coach.add_argument(
        "--action",
        metavar="TEXT",
        help="the agreed action (required, except for recognition, which needs none)",
    )
    coach.add_argument(
        "--follow-up",
        metavar="YYYY-MM-DD",
        help="when to look again (default: one week after the conversation)",
    )
    coach.add_argument(
        "--at", metavar="ISO-8601", help="when the conversation was held (default: now)"
    )
    coach.add_argument(
        "--acknowledged", action="store_true", help="the employee acknowledged the conversation"
    )
    coach.add_argument("--comment", metavar="TEXT", help="the employee's response, in their words")
    coach.add_argument(
        "--private-note", metavar="TEXT", help="your own note (never exported or listed)"
    )
    coach.add_argument(
        "--observation", action="append", metavar="ID", help="link an observation (repeatable)"
    )
    coach.set_defaults(handler=cmd_coach)

    followups = commands.add_parser(
        "followups",
        help="list open coaching follow-ups",
        description="Open follow-ups, most overdue first: one row per coached behaviour.",
    )
    followups.add_argument("--overdue", action="store_true", help="only those past their date")
    followups.add_argument("--employee", metavar="REF_OR_NAME", help="only this person")
    followups.add_argument("--format", choices=("table", "csv"), default="table")
    followups.set_defaults(handler=cmd_followups)
