"""Deterministic benchmark data, written straight into a database made by the real schema.

`database_for(size, data_dir)` returns a cached database for a size ("tiny", "store",
"large"), generating it first when the cache is missing or stale. The database is created
with `floorcoach.workspace.open_workspace` (so the migrations and the catalogue are the
real ones); rows are then added with `executemany` in one transaction, with the
observation indexes dropped during the load and rebuilt afterwards (the index SQL is read
back from the schema, so the result is exactly what floorcoach would have built).

The same size and generator version always give the same rows (one seeded
`random.Random`; UUIDs come from it too). The cache key covers the generator version, the
migrations and the catalogue files, so a schema change regenerates the data by itself.

Coaching sessions are generated only when the schema has a `coaching_session` table.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

GENERATOR_VERSION = 1
SEED = 20261125
# The benchmark's "now": every run and every cached database agrees on the date.
NOW = "2026-11-25T16:00:00+00:00"
NOW_DATE = date(2026, 11, 25)
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / ".data"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Size:
    name: str
    employees: int
    teams: int
    weeks: int
    observations: int
    coaching_sessions: int
    description: str


SIZES = {
    "tiny": Size("tiny", 12, 3, 13, 1_500, 150, "12 employees, 13 weeks (smoke test)"),
    "store": Size("store", 50, 6, 52, 10_000, 1_000, "50 employees in 6 teams, one year"),
    "large": Size(
        "large",
        2_000,
        100,
        156,
        1_000_000,
        100_000,
        "2,000 employees in 100 teams, three years",
    ),
}


@dataclass
class Dataset:
    """A generated database and what the benchmarks need to know about it."""

    size: str
    path: Path
    employees: int
    teams: int
    observations: int
    coaching_sessions: int
    sample_employee_id: str  # an active person with a full history (employee page, trend)
    sample_team: str
    sample_week: str  # the last complete ISO week
    generated_in_s: float

    def to_json(self) -> str:
        data = asdict(self)
        data["path"] = str(self.path)
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Dataset:
        data = json.loads(text)
        data["path"] = Path(data["path"])
        return cls(**data)


def pin_environment() -> None:
    """The benchmark's surroundings: UTC, a fixed "now", no user config."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ["FLOORCOACH_NOW"] = NOW
    os.environ.setdefault("FLOORCOACH_SUPERVISOR", "Bench Supervisor")
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    config = DEFAULT_DATA_DIR / "config"
    if "FLOORCOACH_CONFIG_DIR" not in os.environ:
        config.mkdir(parents=True, exist_ok=True)
        os.environ["FLOORCOACH_CONFIG_DIR"] = str(config)


def cache_key() -> str:
    """Changes whenever this generator, a migration or a catalogue file changes."""
    digest = hashlib.sha256(f"generator {GENERATOR_VERSION} seed {SEED} now {NOW}".encode())
    sources = [Path(__file__).resolve()]  # the generator itself
    sources += sorted((ROOT / "src" / "floorcoach" / "migrations").glob("v*.py"))
    sources += sorted((ROOT / "behaviours").glob("*.toml"))
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def database_for(size: str, data_dir: Path | None = None, *, log=print) -> Dataset:
    """The cached database for `size`, generated first if it is missing or stale."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = cache_key()
    path = data_dir / f"{size}-{key}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        dataset = Dataset.from_json(meta.read_text())
        dataset.path = path
        return dataset
    for stale in data_dir.glob(f"{size}-*"):  # older generator or schema: drop it
        if stale.is_dir():  # the drafts folder an opened workspace keeps beside its file
            shutil.rmtree(stale)
        else:
            stale.unlink()
    log(f"generating the {size} database ({SIZES[size].description}) …")
    dataset = generate(SIZES[size], path)
    meta.write_text(dataset.to_json())
    log(
        f"  {dataset.observations:,} observations, {dataset.coaching_sessions:,} coaching "
        f"sessions in {dataset.generated_in_s:.1f} s → {path}"
    )
    return dataset


# --- generation ---------------------------------------------------------------------------


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _team_names(count: int) -> list[str]:
    from floorcoach.demo import TEAMS

    if count <= len(TEAMS):
        return list(TEAMS[:count])
    return [f"{TEAMS[k % len(TEAMS)]} {k // len(TEAMS) + 1:02d}" for k in range(count)]


def _people_names(count: int, rng: random.Random) -> list[str]:
    from floorcoach.demo import FIRST, LAST

    names = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        round_ = i // (len(FIRST) * len(LAST))
        names.append(f"{first} {chr(65 + round_ - 1)}. {last}" if round_ else f"{first} {last}")
    rng.shuffle(names)
    return names


def generate(size: Size, path: Path) -> Dataset:
    from floorcoach.workspace import open_workspace

    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    for leftover in path.parent.glob(partial.name + "*"):
        leftover.unlink()
    with open_workspace(partial) as store:
        behaviours = store.conn.execute(
            "SELECT id, catalogue_version FROM behaviour WHERE retired = 0 ORDER BY id"
        ).fetchall()
    rng = random.Random(f"{SEED}-{size.name}")
    conn = sqlite3.connect(str(partial))
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")  # 400 MB: the UUID primary key inserts at random
    conn.execute("PRAGMA temp_store = MEMORY")
    now_text = f"{NOW_DATE.isoformat()}T00:00:00.000000+00:00"
    teams = _team_names(size.teams)
    names = _people_names(size.employees, rng)
    supervisors = {team: f"Supervisor {index + 1:03d}" for index, team in enumerate(teams)}
    employees = []
    for index, name in enumerate(names):
        team = teams[index % len(teams)]
        active = 0 if (index > 10 and rng.random() < 0.02) else 1
        employees.append((_uuid(rng), f"{100000 + index:06d}", name, team, active))
    # The sample person is the first one: always active, with a full history.
    sample_id, sample_team = employees[0][0], employees[0][3]
    with conn:
        conn.executemany(
            "INSERT INTO employee(id, employee_ref, name, team, active, created_at, updated_at, "
            "version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
            [(*row, now_text, now_text) for row in employees],
        )
        indexes = _drop_indexes(conn, "observation")
        rows = _insert_observations(conn, size, rng, employees, behaviours, supervisors)
        _restore_indexes(conn, indexes)
        coaching = _insert_coaching(conn, size, rng, rows)
        observations = len(rows)
        del rows
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    os.replace(partial, path)
    last_week_day = NOW_DATE - timedelta(days=7)
    return Dataset(
        size=size.name,
        path=path,
        employees=size.employees,
        teams=size.teams,
        observations=observations,
        coaching_sessions=coaching,
        sample_employee_id=sample_id,
        sample_team=sample_team,
        sample_week=_iso_week(last_week_day),
        generated_in_s=round(time.perf_counter() - started, 1),
    )


def _drop_indexes(conn: sqlite3.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _restore_indexes(conn: sqlite3.Connection, statements: list[str]) -> None:
    for sql in statements:
        conn.execute(sql)


def _insert_observations(conn, size: Size, rng, employees, behaviours, supervisors) -> list:
    """Observations spread over the period, a few a week per person, with real patterns:
    some people improve, some slip, most hover; some misses are the system's fault."""
    from floorcoach.demo import NOTES_EXCEEDED, NOTES_MET, NOTES_MISSED, NOTES_SYSTEM

    days = size.weeks * 7
    first_day = NOW_DATE - timedelta(days=days - 1)
    day_text = [(first_day + timedelta(days=d)).isoformat() for d in range(days)]
    day_week = [_iso_week(first_day + timedelta(days=d)) for d in range(days)]
    weights = [rng.uniform(0.5, 1.5) for _ in employees]
    scale = size.observations / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[0] += size.observations - sum(counts)  # the sample person gets the remainder
    rows = []
    random_ = rng.random
    randrange = rng.randrange
    getrandbits = rng.getrandbits
    choice = rng.choice
    for (employee_id, _, _, team, _), count in zip(employees, counts, strict=True):
        base = choice((0.45, 0.7, 0.7, 0.8, 0.88))
        drift = choice((0.4, -0.3, 0.0, 0.0, 0.0))
        weak = rng.sample(behaviours, k=3)
        supervisor = supervisors[team]
        for _ in range(count):
            day = randrange(days)
            hour = 8 + randrange(8)  # the shop floor: 08:00–15:59, before "now" on the last day
            observed_at = (
                f"{day_text[day]}T{hour:02d}:{randrange(60):02d}:{randrange(60):02d}."
                f"{randrange(1_000_000):06d}+00:00"
            )
            behaviour_id, catalogue_version = (
                choice(weak) if random_() < 0.3 else choice(behaviours)
            )
            rate = base + drift * day / days
            roll = random_()
            cause = None
            if roll < rate * 0.15:
                outcome, note = "exceeded", choice(NOTES_EXCEEDED)
            elif roll < rate:
                outcome, note = "met", choice(NOTES_MET)
            else:
                outcome = "missed"
                cause = choice(("skill", "skill", "skill", "will", "system", None))
                note = choice(NOTES_SYSTEM if cause == "system" else NOTES_MISSED)
            story = 1 if outcome == "exceeded" and random_() < 0.3 else 0
            rows.append(
                (
                    str(uuid.UUID(int=getrandbits(128), version=4)),
                    employee_id,
                    behaviour_id,
                    observed_at,
                    day_text[day],
                    day_week[day],
                    outcome,
                    cause,
                    note,
                    story,
                    supervisor,
                    catalogue_version,
                    observed_at,
                    observed_at,
                )
            )
    rows.sort(key=lambda row: row[3])  # arrive in time order, as real records do
    conn.executemany(
        "INSERT INTO observation(id, employee_id, behaviour_id, observed_at, local_date, "
        "iso_week, outcome, cause, note, story, supervisor, catalogue_version, created_at, "
        "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        rows,
    )
    return rows


def coaching_table_exists(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'coaching_session'"
    ).fetchone()
    return row is not None


SAID = {
    "corrective": (
        "Talked through what the customer needed and what we missed.",
        "Agreed the greeting comes first, even when the queue is long.",
    ),
    "development": (
        "Practised the alternative-offer script together.",
        "Walked the floor together and spotted the moments to step in.",
    ),
    "recognition": (
        "Thanked them for the save; shared it with the team.",
        "Told them exactly what made it work so they can repeat it.",
    ),
}
ACTIONS = {
    "corrective": ("Greet within 10 seconds.", "Offer the alternative every time."),
    "development": ("Try the script on the next three complaints.", "Shadow a senior colleague."),
    "recognition": ("Keep doing it; show a new starter.", ""),
}
COACHING_COLUMNS = {
    "coaching_session": {
        "id", "employee_id", "supervisor", "held_at", "local_date", "kind", "said",
        "agreed_action", "follow_up_due", "acknowledged", "employee_comment", "private_note",
        "created_at", "updated_at", "version",
    },
    "coaching_followup": {
        "coaching_id", "behaviour_id", "employee_id", "due", "status", "result_observation_id",
        "checked_at", "closed_by", "closed_note", "position",
    },
    "coaching_observation": {"coaching_id", "observation_id"},
}  # fmt: skip


def _check_coaching_schema(conn: sqlite3.Connection) -> None:
    """The columns the generator writes are all still there; a column added later takes
    its default (every INSERT names its columns), so it changes nothing here."""
    for table, expected in COACHING_COLUMNS.items():
        found = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if missing := expected - found:
            raise RuntimeError(
                f"the {table} table lost columns the generator writes ({sorted(missing)}); "
                "update bench/generate.py (_insert_coaching) and GENERATOR_VERSION"
            )


def _insert_coaching(conn, size: Size, rng, rows: list[tuple]) -> int:
    """Coaching sessions on real observations (0 while the schema has no coaching table).

    A miss the person owns leads to a corrective or development talk, an exceeded to
    recognition; each session has one follow-up on the observed behaviour, checked by the
    next observation of that behaviour that really came after it (held / not yet), left
    open while it is recent, or closed by hand when long past its date.
    """
    import bisect
    from datetime import datetime

    from floorcoach.coaching import insert_coaching_rows

    if not coaching_table_exists(conn) or not size.coaching_sessions or not rows:
        return 0
    _check_coaching_schema(conn)
    now = datetime.fromisoformat(NOW)
    stale_before = (NOW_DATE - timedelta(weeks=3)).isoformat()
    by_pair: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(rows):  # rows are in time order, so each list is too
        by_pair.setdefault((row[1], row[2]), []).append(index)
    pair_times = {key: [rows[i][3] for i in found] for key, found in by_pair.items()}
    sessions, follow_ups, links = [], [], []
    used: set[int] = set()
    while len(sessions) < size.coaching_sessions and len(used) < len(rows):
        index = rng.randrange(len(rows))
        if index in used:
            continue
        used.add(index)
        row = rows[index]
        outcome, cause = row[6], row[7]
        if outcome == "missed" and cause != "system":
            kind = "development" if rng.random() < 0.3 else "corrective"
        elif outcome == "exceeded":
            kind = "recognition"
        elif outcome == "met" and rng.random() < 0.25:
            kind = "development"
        else:
            continue
        held = datetime.fromisoformat(row[3]) + timedelta(minutes=rng.randint(20, 120))
        if held > now:
            continue
        held_text = held.isoformat(timespec="microseconds")
        held_day = held.date()
        due = (held_day + timedelta(days=rng.choice((3, 7, 7, 7, 14)))).isoformat()
        session_id = _uuid(rng)
        supervisor = row[10]
        sessions.append(
            (
                session_id,
                row[1],
                supervisor,
                held_text,
                held_day.isoformat(),
                kind,
                rng.choice(SAID[kind]),
                rng.choice(ACTIONS[kind]),
                due,
                int(rng.random() < 0.8),
                "" if kind == "recognition" else "Fair point; I will try it.",
                "Check again on the next busy Saturday.",
                held_text,
                held_text,
            )
        )
        links.append((session_id, row[0]))
        key = (row[1], row[2])
        later = by_pair[key][bisect.bisect_right(pair_times[key], held_text) :]
        status, result, checked, closed_by, note = "open", None, None, None, ""
        for candidate in later:
            c_outcome, c_cause = rows[candidate][6], rows[candidate][7]
            if c_outcome == "missed" and c_cause == "system":
                continue  # the system's fault says nothing about the person
            status = "not_yet" if c_outcome == "missed" else "held"
            result, checked = rows[candidate][0], rows[candidate][3]
            break
        if status == "open" and due < stale_before:
            status, closed_by = "closed", supervisor
            checked = (held + timedelta(weeks=4)).isoformat(timespec="microseconds")
            note = "Not seen on the floor since; moved on to the next focus."
        follow_ups.append(
            (session_id, row[2], row[1], due, status, result, checked, closed_by, note)
        )
    insert_coaching_rows(conn, sessions, follow_ups, links)
    return len(sessions)
