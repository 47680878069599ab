"""Saving one observation, commit on disk included, vs a plain sqlite3 INSERT + COMMIT.

floorcoach's save (`observations.log_observation`) checks the employee and behaviour,
inserts, reads the row back, appends the history line and checks open coaching
follow-ups, all in one BEGIN IMMEDIATE transaction. The baseline inserts the same row on
its own connection with the same durability (WAL, synchronous=FULL) and commits. Both
write to a private copy of the benchmark database.
"""

from __future__ import annotations

import sqlite3
import time
import uuid

from bench.harness import Context, Figure, interleaved, median

DATA_COLUMNS = (
    "employee_id",
    "behaviour_id",
    "observed_at",
    "local_date",
    "iso_week",
    "outcome",
    "cause",
    "note",
    "story",
    "supervisor",
    "catalogue_version",
)


def run(ctx: Context) -> list[Figure]:
    from floorcoach import clock
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation
    from floorcoach.store import Store

    store = Store.open(ctx.work_db, create=False)
    plain = sqlite3.connect(str(ctx.work_db), timeout=5, isolation_level=None)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = FULL")
    try:
        people = [
            row[0]
            for row in plain.execute(
                "SELECT id FROM employee WHERE active = 1 ORDER BY employee_ref LIMIT 20"
            )
        ]
        behaviours = plain.execute(
            "SELECT id, catalogue_version FROM behaviour WHERE retired = 0 ORDER BY id LIMIT 10"
        ).fetchall()
        runs = max(5, ctx.runs * 10)
        pairs: list[tuple[str, str]] = []
        counter = iter(range(10**9))
        supervisor = "Bench Supervisor"

        def ours() -> float:
            i = next(counter)
            data = ObservationInput(
                employee_id=people[i % len(people)],
                behaviour_id=behaviours[i % len(behaviours)][0],
                outcome="missed",
                cause="skill",
                note="Walked past a waiting customer.",
            )
            started = time.perf_counter()
            saved = log_observation(store, data, supervisor=supervisor)
            elapsed = time.perf_counter() - started
            pairs.append((saved.id, ""))
            return elapsed

        def baseline() -> float:
            i = len(pairs) - 1
            behaviour_id, catalogue_version = behaviours[i % len(behaviours)]
            now = clock.now()
            day = clock.local_date(now)
            observed = clock.utc_text(now)
            row_id = str(uuid.uuid4())
            started = time.perf_counter()
            plain.execute("BEGIN IMMEDIATE")
            plain.execute(
                "INSERT INTO observation(id, employee_id, behaviour_id, observed_at, "
                "local_date, iso_week, outcome, cause, note, story, supervisor, "
                "catalogue_version, created_at, updated_at, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (
                    row_id,
                    people[i % len(people)],
                    behaviour_id,
                    observed,
                    day.isoformat(),
                    clock.iso_week(day),
                    "missed",
                    "skill",
                    "Walked past a waiting customer.",
                    0,
                    supervisor,
                    catalogue_version,
                    observed,
                    observed,
                ),
            )
            plain.execute("COMMIT")
            elapsed = time.perf_counter() - started
            pairs[-1] = (pairs[-1][0], row_id)
            return elapsed

        ours_times, base_times = interleaved(runs, ours, baseline)
        same = _same_rows(plain, pairs)
    finally:
        store.close()
        plain.close()
    return [
        Figure(
            case="save",
            size=ctx.size,
            what="save one observation (log_observation, commit on disk)",
            baseline="plain sqlite3 INSERT + COMMIT, WAL + synchronous=FULL",
            value=median(ours_times),
            base=median(base_times),
            target=2.0,
            runs=runs,
            same_result=same,
            note="same row stored by both",
        )
    ]


def _same_rows(conn: sqlite3.Connection, pairs: list[tuple[str, str]]) -> bool:
    columns = ", ".join(DATA_COLUMNS)
    for ours_id, base_id in pairs:
        a = conn.execute(f"SELECT {columns} FROM observation WHERE id = ?", (ours_id,)).fetchone()
        b = conn.execute(f"SELECT {columns} FROM observation WHERE id = ?", (base_id,)).fetchone()
        if a is None or a != b:
            return False
    return True
