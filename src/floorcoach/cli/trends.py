"""`floorcoach trend` and `floorcoach team`: an employee's weeks and a team's week, headless.

The CSV columns are a public contract (HR and scripts read them): new columns may only be
added at the end. `met_rate` is a number from 0 to 1, empty when nothing was countable.
"""

from __future__ import annotations

import argparse

from floorcoach.cli.shared import EXIT_OK, CliError, open_store, plain, team_named, write_rows

RATE_DECIMALS = 4  # as in the HR exports: 0.6667

TREND_HEADER = (
    "iso_week",
    "behaviour_id",
    "observations",
    "met",
    "exceeded",
    "missed",
    "missed_system",
    "met_rate",
    "provisional",
    "touch_point",
    "behaviour_title",
)
TEAM_HEADER = (
    "employee_ref",
    "employee_name",
    "observations",
    "met_rate",
    "provisional",
    "met",
    "exceeded",
    "missed",
    "missed_system",
    "previous_observations",
    "previous_met_rate",
    "change",
    "last_observed",
    "days_since_observed",
    "needs_observing",
    "team",
    "iso_week",
    "employee_id",
)


def _rate(value: float | None, fmt: str) -> str:
    """A rate for CSV (0..1, 4 decimals) or for the table (a whole percentage)."""
    if value is None:
        return ""
    if fmt == "csv":
        return f"{value:.{RATE_DECIMALS}f}"
    return f"{value * 100:.0f}%"


def _change(value: float | None, fmt: str) -> str:
    if value is None:
        return ""
    if fmt == "csv":
        return f"{value:+.{RATE_DECIMALS}f}"
    return f"{value * 100:+.0f} pts"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def cmd_trend(args: argparse.Namespace) -> int:
    from floorcoach.employees import find_employee
    from floorcoach.trends import behaviour_info, employee_trend

    if args.weeks < 1 or args.weeks > 520:
        raise CliError(f"--weeks must be between 1 and 520, not {args.weeks}")
    with open_store(args) as store:
        employee = find_employee(store, args.employee)
        trend = employee_trend(store, employee.id, weeks=args.weeks)
        info = behaviour_info(store, trend.behaviour_ids)
    order = {b: info.get(b, ("", "", 1 << 30))[2] for b in trend.behaviour_ids}
    rows = []
    for (week, behaviour_id), counts in sorted(
        trend.cells.items(), key=lambda item: (item[0][0], order[item[0][1]], item[0][1])
    ):
        title, touch_point, _ = info.get(behaviour_id, (behaviour_id, "", 0))
        rows.append(
            (
                week,
                behaviour_id,
                counts.observations,
                counts.met,
                counts.exceeded,
                counts.missed,
                counts.missed_system,
                _rate(counts.met_rate, args.format),
                _flag(counts.provisional),
                touch_point,
                title,
            )
        )
    if args.format == "table":
        print(
            f"{plain(employee.name)} ({plain(employee.employee_ref or 'no ref')}, "
            f"team {plain(employee.team or '-')})"
            f": {trend.weeks[0]} to {trend.weeks[-1]}, {trend.total.observations} observations,"
            f" met-rate {_rate(trend.total.met_rate, 'table') or '–'}"
        )
        write_rows("table", TREND_HEADER[:9], [row[:9] for row in rows])
    else:
        write_rows("csv", TREND_HEADER, rows)
    return EXIT_OK


def cmd_team(args: argparse.Namespace) -> int:
    from floorcoach import clock
    from floorcoach.trends import team_week

    week = args.week or clock.iso_week(clock.today())
    try:
        clock.week_monday(week)
    except ValueError as exc:
        raise CliError(f"--week: {exc}") from None
    week = week.upper()
    with open_store(args) as store:
        team = team_named(store, args.team)
        rows = team_week(store, team, week)
    table = args.format == "table"
    out = [
        (
            r.employee_ref,
            r.name,
            r.counts.observations,
            _rate(r.met_rate, args.format),
            _flag(r.counts.provisional),
            r.counts.met,
            r.counts.exceeded,
            r.counts.missed,
            r.counts.missed_system,
            r.previous.observations,
            _rate(r.previous.met_rate, args.format),
            _change(r.change, args.format),
            r.last_observed.isoformat() if r.last_observed else "",
            "" if r.days_since_observed is None else r.days_since_observed,
            _flag(r.needs_observing),
            r.team,
            week,
            r.employee_id,
        )
        for r in rows
    ]
    if table:
        keep = (0, 1, 2, 3, 4, 10, 11, 12, 14)
        print(f"Team {plain(team) if team is not None else '(everyone)'}, week {week}")
        write_rows("table", [TEAM_HEADER[i] for i in keep], [[r[i] for i in keep] for r in out])
    else:
        write_rows("csv", TEAM_HEADER, out)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    trend = commands.add_parser("trend", help="one employee's met-rate per week and behaviour")
    trend.add_argument("--employee", required=True, metavar="REF_OR_NAME")
    trend.add_argument("--weeks", type=int, default=12, metavar="N", help="default 12")
    trend.add_argument("--format", choices=("table", "csv"), default="table")
    trend.set_defaults(handler=cmd_trend)

    team = commands.add_parser("team", help="a team's week: one row per active employee")
    team.add_argument("--team", metavar="T", help="default: everyone")
    team.add_argument("--week", metavar="YYYY-Www", help="ISO week (default: this week)")
    team.add_argument("--format", choices=("table", "csv"), default="table")
    team.set_defaults(handler=cmd_team)
