"""`floorcoach log`: one observation, headless."""

from __future__ import annotations

import argparse

from floorcoach.cli.shared import (
    EXIT_OK,
    CliError,
    open_store,
    parse_at,
    plain,
    supervisor_name,
)
from floorcoach.models import Cause, Outcome, first_validation_message, values_of


def cmd_log(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from floorcoach import clock
    from floorcoach.employees import find_employee
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation

    observed_at = parse_at(args.at)
    with open_store(args) as store:
        employee = find_employee(store, args.employee)
        try:
            data = ObservationInput(
                employee_id=employee.id,
                behaviour_id=args.behaviour,
                outcome=args.outcome,
                cause=args.cause,
                note=args.note or "",
                story=args.story,
                observed_at=observed_at,
            )
        except ValidationError as exc:
            raise CliError(first_validation_message(exc)) from None
        saved = log_observation(store, data, supervisor=supervisor_name(store))
    print(
        f"saved {saved.id}: {plain(saved.employee_name)} · {saved.behaviour_id} · "
        f"{saved.outcome.value}"
        f" · {clock.to_local(saved.observed_at):%Y-%m-%d %H:%M}"
    )
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    log = commands.add_parser("log", help="log one observation")
    log.add_argument("--employee", required=True, metavar="REF_OR_NAME")
    log.add_argument("--behaviour", required=True, metavar="ID")
    log.add_argument("--outcome", required=True, choices=values_of(Outcome))
    log.add_argument("--cause", choices=values_of(Cause))
    log.add_argument("--note", metavar="TEXT")
    log.add_argument("--story", action="store_true", help="flag as a story worth sharing")
    log.add_argument("--at", metavar="ISO-8601", help="when it happened (default: now)")
    log.set_defaults(handler=cmd_log)
