"""`floorcoach demo`: realistic demo data, to try floorcoach on."""

from __future__ import annotations

import argparse

from floorcoach.cli.shared import (
    EXIT_OK,
    open_store,
    supervisor_name,
)


def cmd_demo(args: argparse.Namespace) -> int:
    from floorcoach.demo import generate_demo

    with open_store(args) as store:
        result = generate_demo(
            store,
            employees=args.employees,
            weeks=args.weeks,
            seed=args.seed,
            force=args.force,
            you=supervisor_name(store),
        )
    print(
        f"{store.path}: added {result.employees} demo employees, "
        f"{result.observations} observations and "
        f"{result.coaching_sessions} coaching sessions"
    )
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="fill the database with realistic demo data")
    demo.add_argument("--employees", type=int, default=24, metavar="N")
    demo.add_argument("--weeks", type=int, default=12, metavar="W")
    demo.add_argument("--seed", type=int, default=7, metavar="S")
    demo.add_argument("--force", action="store_true", help="add even if records exist")
    demo.set_defaults(handler=cmd_demo)
