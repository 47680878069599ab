"""Believable demo data: teams, people, and weeks of observations with real patterns.

Some people improve over the weeks, some slip, most hover; some misses are caused by the
system (a slow till, stock not in store), so the process-issues view has something to show.
The same seed always gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from floorcoach import clock
from floorcoach.catalogue_store import list_behaviours
from floorcoach.coaching import STICK_WINDOW, insert_coaching_rows
from floorcoach.followups import verdict_for
from floorcoach.models import NOT_HELD_AGAINST, Cause, FollowUpStatus, Kind, Outcome
from floorcoach.store import Store, StoreError, new_id

TEAMS = ("Fashion", "Home", "Electronics", "Food hall", "Customer service", "Beauty")
FIRST = (
    "Amira",
    "Ben",
    "Chloé",
    "Dev",
    "Ewa",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "María",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tomás",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zoë",
    "Aoife",
    "Bilal",
    "Carmen",
    "Dmitri",
    "Elif",
)
LAST = (
    "Okafor",
    "Nowak",
    "Dubois",
    "Patel",
    "Kowalski",
    "Haddad",
    "Murphy",
    "Tanaka",
    "García",
    "Becker",
    "Adeyemi",
    "O'Brien",
    "Fernández",
    "Schmidt",
    "Ibrahim",
    "Singh",
    "Rossi",
    "Novák",
    "Lindqvist",
    "Çelik",
    "Moreau",
    "Yılmaz",
    "Kim",
    "Walsh",
    "Costa",
)
SUPERVISORS = ("Sam Reid", "Alex Morgan", "Jo Bennett")
NOTES_MET = (
    "Handled it calmly.",
    "Good use of the customer's name.",
    "Textbook.",
    "Customer thanked them by name.",
    "",
)
NOTES_MISSED = (
    "Walked past a waiting customer.",
    "Rushed the conversation.",
    "Forgot to offer the alternative.",
    "Looked at the screen, not the customer.",
    "",
)
NOTES_SYSTEM = (
    "Till froze twice; queue built up.",
    "Item not in stock and no way to order.",
    "Policy does not allow a refund without the receipt.",
    "Card reader offline.",
)
NOTES_EXCEEDED = (
    "Went to the stockroom and found the last one in size 10.",
    "Turned a complaint into a thank-you card.",
    "Remembered a regular's order from last week.",
)
# How often a miss is given each cause (None: the supervisor was not sure).
MISS_CAUSES: dict[Cause | None, int] = {Cause.SKILL: 5, Cause.WILL: 2, Cause.SYSTEM: 2, None: 1}
# A cause added to the vocabulary later shows in the demo too: it takes a share of the
# "not sure" misses, drawn from a stream of its own, so every other value a seed gives
# (and every met-rate) stays as it was.
UNWEIGHTED_CAUSES = tuple(cause for cause in Cause if cause not in MISS_CAUSES)


@dataclass
class DemoResult:
    employees: int
    observations: int
    coaching_sessions: int = 0


def has_real_records(store: Store) -> bool:
    # EXISTS, not count(*): the app asks this at every start, and a count reads every row.
    row = store.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM employee) OR EXISTS (SELECT 1 FROM observation)"
    ).fetchone()
    return bool(row[0])


# Middle initials that tell apart people whose first and last name are taken.
_INITIALS = "ABCDEFGHJKLMNPRSTVW"
_FIRST_REF = 10000


class _DemoNames:
    """New, distinct demo names: a first and a last name from the lists while unused pairs
    remain (drawn as they always were, so a seed gives the same people), then the same with
    a middle initial, then with a number — so any number of people gets a name."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.used = set(taken)
        pairs = {f"{first} {last}" for first in FIRST for last in LAST}
        self.free_pairs = len(pairs - self.used)
        self.numbers: dict[str, int] = {}

    def new(self) -> str:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        if self.free_pairs:
            while name in self.used:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            self.free_pairs -= 1
        else:
            name = self._told_apart(first, last)
        self.used.add(name)
        return name

    def _told_apart(self, first: str, last: str) -> str:
        for initial in _INITIALS:
            name = f"{first} {initial}. {last}"
            if name not in self.used:
                return name
        number = self.numbers.get(f"{first} {last}", 2)
        while f"{first} {last} {number}" in self.used:
            number += 1
        self.numbers[f"{first} {last}"] = number + 1
        return f"{first} {last} {number}"


def _first_free_ref(store: Store) -> int:
    """Where demo refs start: 010000, or after the highest all-digit ref already there, so
    a second demo (`--force`) never takes a ref someone has."""
    rows = store.conn.execute(
        "SELECT employee_ref FROM employee "
        "WHERE employee_ref GLOB '[0-9]*' AND employee_ref NOT GLOB '*[^0-9]*'"
    )
    highest = max((int(row[0]) for row in rows), default=0)
    return max(_FIRST_REF, highest + 1)


def generate_demo(
    store: Store,
    *,
    employees: int = 24,
    weeks: int = 12,
    seed: int = 7,
    force: bool = False,
    you: str | None = None,
) -> DemoResult:
    """Fill the database with demo data; refuses a database with records unless `force`.

    With `you`, a third of the records are in that supervisor's name, so the figures a
    supervisor sees as "yours" (the home screen) have something to show in a demo.
    """
    if employees < 1 or weeks < 1:
        raise StoreError("--employees and --weeks must be at least 1")
    if weeks > 520:  # ten years; more reaches back past any plausible record
        raise StoreError(f"--weeks must be at most 520 (ten years), not {weeks}")
    if has_real_records(store) and not force:
        raise StoreError(
            f"{store.path} already holds records; demo data would mix with them. "
            "Use --force to add demo data anyway, or --db with a new file."
        )
    rng = random.Random(seed)
    unsure_rng = random.Random(seed * 104729 + 1)  # only for UNWEIGHTED_CAUSES
    supervisors = (you, *SUPERVISORS[1:]) if you else SUPERVISORS
    behaviours = [b for b in list_behaviours(store)]
    if not behaviours:
        raise StoreError("the catalogue is empty; nothing to observe")
    today = clock.today()
    start_day = today - timedelta(weeks=weeks)
    now_text = clock.utc_text(clock.now())
    people = []
    names = _DemoNames(rng, {row[0] for row in store.conn.execute("SELECT name FROM employee")})
    first_ref = _first_free_ref(store)
    for index in range(employees):
        name = names.new()
        trend = rng.choice(("improving", "slipping", "steady", "steady", "strong"))
        base = {"improving": 0.45, "slipping": 0.85, "steady": 0.7, "strong": 0.88}[trend]
        people.append(
            {
                "id": new_id(),
                "employee_ref": f"{first_ref + index * 7 + rng.randint(0, 6):06d}",
                "name": name,
                "team": TEAMS[index % min(len(TEAMS), max(1, employees // 4))],
                "trend": trend,
                "base": base,
                "weak": rng.sample(behaviours, k=min(3, len(behaviours))),
            }
        )
    observation_rows = []
    for person in people:
        per_week = rng.randint(2, 6)
        for week in range(weeks + 1):  # the full weeks before, then this week so far
            progress = min(1.0, week / max(1, weeks - 1))
            drift = {"improving": 0.45, "slipping": -0.4}.get(person["trend"], 0.0)
            rate = min(0.97, max(0.1, person["base"] + drift * progress))
            for _ in range(rng.randint(max(0, per_week - 2), per_week)):
                day = start_day + timedelta(days=week * 7 + rng.randint(0, 6))
                if day > today:
                    continue
                behaviour = rng.choice(person["weak"] if rng.random() < 0.3 else behaviours)
                local = datetime.combine(day, time(rng.randint(8, 19), rng.randint(0, 59)))
                observed_at = local.astimezone().astimezone(UTC)
                if observed_at > clock.now():
                    continue
                roll = rng.random()
                cause = None
                if roll < rate * 0.15:
                    outcome, note = Outcome.EXCEEDED, rng.choice(NOTES_EXCEEDED)
                elif roll < rate:
                    outcome, note = Outcome.MET, rng.choice(NOTES_MET)
                else:
                    outcome = Outcome.MISSED
                    cause = rng.choices(tuple(MISS_CAUSES), tuple(MISS_CAUSES.values()))[0]
                    if cause is None and UNWEIGHTED_CAUSES:
                        cause = unsure_rng.choice((None, *UNWEIGHTED_CAUSES))
                    note = rng.choice(NOTES_SYSTEM if cause is Cause.SYSTEM else NOTES_MISSED)
                local_day = clock.local_date(observed_at)
                observation_rows.append(
                    (
                        new_id(),
                        person["id"],
                        behaviour.id,
                        clock.utc_text(observed_at),
                        local_day.isoformat(),
                        clock.iso_week(local_day),
                        outcome,
                        cause,
                        note,
                        int(outcome is Outcome.EXCEEDED and rng.random() < 0.5),
                        rng.choice(supervisors),
                        behaviour.catalogue_version,
                        now_text,
                        now_text,
                    )
                )
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO employee(id, employee_ref, name, team, active, created_at, updated_at, "
            "version) VALUES (?, ?, ?, ?, 1, ?, ?, 1)",
            [
                (p["id"], p["employee_ref"], p["name"], p["team"], now_text, now_text)
                for p in people
            ],
        )
        conn.executemany(
            "INSERT INTO observation(id, employee_id, behaviour_id, observed_at, local_date, "
            "iso_week, outcome, cause, note, story, supervisor, catalogue_version, created_at, "
            "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            observation_rows,
        )
        coaching_sessions = insert_demo_coaching(conn, observation_rows, seed=seed, now=clock.now())
        store.set_setting("demo_data", "true")
    return DemoResult(
        employees=len(people),
        observations=len(observation_rows),
        coaching_sessions=coaching_sessions,
    )


# --- coaching ------------------------------------------------------------------------------

_DEMO_SAID = {
    Kind.CORRECTIVE: (
        "Talked through what happened and what the customer saw.",
        "Walked through the standard together and why it matters at that moment.",
        "Asked what got in the way; agreed it was a habit to break, not a rule to learn.",
    ),
    Kind.DEVELOPMENT: (
        "Showed how I would handle it and let them try it on the next customer.",
        "Role-played the moment twice at the quiet till.",
    ),
    Kind.RECOGNITION: (
        "Told them exactly what they did well and what it did for the customer.",
        "Thanked them in front of the team at the huddle.",
    ),
}
_DEMO_ACTIONS = {
    Kind.CORRECTIVE: (
        "Look up and greet within ten seconds, even mid-task.",
        "Ask one open question before showing anything.",
        "Say what happens next before the customer has to ask.",
    ),
    Kind.DEVELOPMENT: (
        "Try the new opening line on three customers per shift.",
        "Shadow Sam at the service desk for one hour this week.",
    ),
    Kind.RECOGNITION: ("Keep doing it; show the new starter how.", ""),
}
_DEMO_COMMENTS = ("Fair — the queue threw me.", "I didn't know that was the standard.", "")
_DEMO_PRIVATE = ("Seemed tired; check the rota.", "Responds well to specifics.", "")


def insert_demo_coaching(conn, observation_rows: list[tuple], *, seed: int, now: datetime) -> int:
    """Add coaching consistent with demo observations; returns how many sessions.

    `observation_rows` are demo.py's insert tuples: (id, employee_id, behaviour_id,
    observed_at, local_date, iso_week, outcome, cause, note, story, supervisor, ...).
    A miss the person owns sometimes leads to a corrective or development talk, an
    exceeded to recognition, at most one talk per person every ten days; the follow-up
    is then checked against the observations that really came after, so some held and
    some did not. Runs inside the caller's write transaction.
    """
    import bisect
    import random

    rng = random.Random(seed * 7919 + 13)
    now_text = clock.utc_text(now)
    by_employee: dict[str, list[tuple]] = {}
    by_pair: dict[tuple[str, str], list[tuple]] = {}
    for row in observation_rows:
        by_employee.setdefault(row[1], []).append(row)
        by_pair.setdefault((row[1], row[2]), []).append(row)
    for rows in (*by_employee.values(), *by_pair.values()):
        rows.sort(key=lambda r: r[3])
    pair_times = {key: [r[3] for r in rows] for key, rows in by_pair.items()}
    sessions, follow_ups, links = [], [], []
    for employee_id, rows in by_employee.items():
        last_talk: datetime | None = None
        for row in rows:
            outcome, cause = row[6], row[7]
            if outcome == Outcome.MISSED and cause != NOT_HELD_AGAINST and rng.random() < 0.3:
                kind = Kind.DEVELOPMENT if rng.random() < 0.3 else Kind.CORRECTIVE
            elif outcome == Outcome.EXCEEDED and rng.random() < 0.25:
                kind = Kind.RECOGNITION
            else:
                continue
            observed = datetime.fromisoformat(row[3])
            if last_talk is not None and observed - last_talk < timedelta(days=10):
                continue
            held = observed + timedelta(minutes=rng.randint(20, 120))
            if held > now:
                continue
            last_talk = held
            held_text = clock.utc_text(held)
            held_day = clock.local_date(held)
            due = held_day + timedelta(days=rng.choice((3, 7, 7, 7, 14)))
            session_id = new_id()
            sessions.append(
                (
                    session_id,
                    employee_id,
                    row[10],
                    held_text,
                    held_day.isoformat(),
                    kind,
                    rng.choice(_DEMO_SAID[kind]),
                    rng.choice(_DEMO_ACTIONS[kind]),
                    due.isoformat(),
                    int(rng.random() < 0.8),
                    rng.choice(_DEMO_COMMENTS) if kind is not Kind.RECOGNITION else "",
                    rng.choice(_DEMO_PRIVATE),
                    now_text,
                    now_text,
                )
            )
            links.append((session_id, row[0]))
            key = (employee_id, row[2])
            later = by_pair[key][bisect.bisect_right(pair_times[key], held_text) :]
            status, result, checked = FollowUpStatus.OPEN.value, None, None
            for candidate in later:
                verdict = verdict_for(candidate[6], candidate[7])
                if verdict is not None:
                    status, result, checked = verdict.value, candidate[0], candidate[3]
                    break
            closed_by, note = None, ""
            if status == FollowUpStatus.OPEN and due < clock.local_date(now) - timedelta(weeks=3):
                # Long past its date and never seen again: a real supervisor closes it.
                status, checked = FollowUpStatus.CLOSED.value, clock.utc_text(held + STICK_WINDOW)
                closed_by = row[10]
                note = "Not seen on the floor since; moved on to the next focus."
            follow_ups.append(
                (
                    session_id,
                    row[2],
                    employee_id,
                    due.isoformat(),
                    status,
                    result,
                    checked,
                    closed_by,
                    note,
                )
            )
    insert_coaching_rows(conn, sessions, follow_ups, links)
    return len(sessions)
