"""Syncing with the org store (PostgreSQL) vs the plainest way to move the same rows.

The case starts its own PostgreSQL server in a temporary folder (bench.postgres, as the
org tests do) and stops it at the end. An org store is made once with `org init`, two
logins (a supervisor who observes every team, a lead who leads them all) and the roster;
every run gets a fresh copy of it (CREATE DATABASE … TEMPLATE). The device is the owner's:
the size's most recent observations, a tenth of them (100,000 at the large size), each
with the history line floorcoach writes when it saves one, joined to the org.

- **first sync**: `sync.sync(store)` on a copy of the joined device, into a fresh org
  store. Baseline: psycopg `cursor.copy()` of the same rows (observations and history,
  in the org's columns, already in memory) into another fresh copy, in one transaction.
  It runs as the administrator: PostgreSQL refuses `COPY FROM` into a table with
  row-level security to a role the policies apply to (which is why the push COPYs into a
  temporary table and inserts from it, as the supervisor, policies checked). The tables'
  triggers run for both. Same result: both org stores hold the same rows.
- **nothing to do**: the synced device syncs again (an absolute limit, 50 ms). The
  baseline column is a connection and one `SELECT 1`, the least any sync costs.
- **pull**: the lead's device, joined before the observations reached the org, syncs and
  pulls them. Baseline: one plain `SELECT` of those rows as the lead, in the device's
  stored form, and an SQLite `executemany` insert into the device's `observation` table.
  Same result: the device's observation table holds the same rows after both.

Logins use SCRAM passwords from a private PGPASSFILE, as a device would. Each sync is
timed in this process, from connecting to the last local write; opening the SQLite file is
not timed (both sides start from an open file or none).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Context, Figure, clock, interleaved, median, skipped
from bench.postgres import SUPERUSER

OWNER, LEAD = "bench_owner", "bench_lead"
OWNER_NAME, LEAD_NAME = "Bench Supervisor", "Bench Lead"
PASSWORD = "bench-only-password"
NOOP_LIMIT_MS = 50
SHARE = 10  # the device holds 1/SHARE of the size's observations (100,000 of 1,000,000)


def observations_for(total: int) -> int:
    return max(1, total // SHARE)


def spread(values: list[float], scale: float = 1.0, unit: str = "s") -> str:
    low, high = min(values) * scale, max(values) * scale
    if unit == "ms":
        return f"{low:.0f}–{high:.0f} ms"
    return f"{low:.3g}–{high:.3g} s"


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """libpq's settings for this case only (no PG* variable of this machine leaks in)."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("PG")}
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("PG")]:
            del os.environ[key]
        os.environ.update(saved)


@dataclass
class Org:
    """The server, the template org store and the two logins' ids."""

    server: object
    template: str
    owner_id: str = ""
    names: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    def url(self, database: str, login: str) -> str:
        return self.server.url(login, database)

    def admin(self, database: str = "postgres"):
        return self.server.connect(database)

    def fresh(self) -> str:
        """A new org store, as the template holds it."""
        name = f"bench_org_{next(self.names)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(ctx: Context) -> list[Figure]:
    whats = (
        ("sync-first", "first sync of a device (push its observations and history)"),
        ("sync-noop", "a sync with nothing to do"),
        ("sync-pull", "pulling observations into a lead's device (sync)"),
    )
    baselines = (
        "psycopg `COPY` of the same rows into the same org tables",
        "connect + `SELECT 1`",
        "plain `SELECT` + SQLite `executemany` insert",
    )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return [
            skipped(case, ctx.size, what, base, "psycopg is not installed (the org extra)")
            for (case, what), base in zip(whats, baselines, strict=True)
        ]
    from bench.postgres import remove_server, start_server

    folder = Path(tempfile.mkdtemp(prefix="fc-bench-sync-"))
    passfile = folder / "pgpass"
    passfile.touch(mode=0o600)  # libpq ignores a password file others may read
    passfile.write_text(f"*:*:*:{OWNER}:{PASSWORD}\n*:*:*:{LEAD}:{PASSWORD}\n")
    server = start_server()
    try:
        with _environment(PGPASSFILE=str(passfile)):
            return _measure(ctx, Org(server, "bench_template"), folder, whats, baselines)
    finally:
        remove_server(server)
        shutil.rmtree(folder, ignore_errors=True)


# --- setting up ------------------------------------------------------------------------------


def _build_device(ctx: Context, path: Path, n: int) -> None:
    """The owner's device: the roster, the latest `n` observations, one history line each
    (as `log_observation` writes it: 'create', by the supervisor, with the saved fields)."""
    from floorcoach.records import OBSERVATION
    from floorcoach.workspace import open_workspace

    with open_workspace(path):
        pass
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("ATTACH DATABASE ? AS source", (str(ctx.dataset.path),))
        employee_columns = [r[1] for r in conn.execute("PRAGMA main.table_info(employee)")]
        columns = list(OBSERVATION.columns)
        chosen = ", ".join("? AS supervisor" if c == "supervisor" else c for c in columns)
        history = list(OBSERVATION.history)
        after = ", ".join(f"'{c}', {c}" for c in ["id", *history])
        with conn:
            conn.execute(
                f"INSERT INTO employee ({', '.join(employee_columns)}) "
                f"SELECT {', '.join(employee_columns)} FROM source.employee"
            )
            conn.execute(
                f"INSERT INTO observation ({', '.join(columns)}) SELECT {chosen} "
                "FROM source.observation ORDER BY observed_at DESC, id LIMIT ?",
                (OWNER_NAME, n),
            )
            conn.execute(
                "INSERT INTO record_history(record_type, record_id, employee_id, action, "
                f"changed_at, changed_by, after) SELECT 'observation', id, employee_id, "
                f"'create', created_at, supervisor, json_object({after}) FROM observation"
            )
    finally:
        conn.close()


def _make_template(org: Org, device: Path) -> None:
    """`org init`, the two logins (with passwords) and the device's roster."""
    from floorcoach.catalogue_files import load_catalogues, shipped_catalogue_dir
    from floorcoach.org.schema import init_org
    from floorcoach.org.supervisors import add_supervisor

    local = sqlite3.connect(f"file:{device}?mode=ro", uri=True)
    people = local.execute("SELECT employee_ref, name, team, active FROM employee").fetchall()
    local.close()
    teams = sorted({team for _, _, team, _ in people})
    with org.admin() as conn:
        conn.execute(f'CREATE DATABASE "{org.template}"')
    with org.admin(org.template) as conn:
        init_org(conn, load_catalogues(sorted(shipped_catalogue_dir().glob("*.toml"))))
        add_supervisor(conn, OWNER, name=OWNER_NAME, teams=teams)
        add_supervisor(conn, LEAD, name=LEAD_NAME, leads=teams)
        for login in (OWNER, LEAD):
            conn.execute(f"ALTER ROLE {login} PASSWORD '{PASSWORD}'")
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY floorcoach.employee (employee_ref, name, team, active) FROM STDIN"
            ) as copy,
        ):
            for ref, name, team, active in people:
                copy.write_row((ref, name, team, bool(active)))
        org.owner_id = conn.execute(
            "SELECT id::text FROM floorcoach.supervisor WHERE login = %s", (OWNER,)
        ).fetchone()[0]


def _join(path: Path, url: str, local_name: str) -> None:
    from floorcoach.org.sync import join
    from floorcoach.workspace import open_workspace

    with open_workspace(path) as store:
        join(store, url, local_name=local_name)


def _copy_device(source: Path, target: Path, url: str) -> Path:
    """A copy of a joined device, pointed at another org store (same server, same login)."""
    from floorcoach.org import link
    from floorcoach.org.connection import without_password

    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    conn = sqlite3.connect(str(target))
    with conn:
        conn.execute(
            "UPDATE setting SET value = ? WHERE key = ?", (without_password(url), link.URL)
        )
    conn.close()
    return target


def _remove_device(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _org_digest(org: Org, database: str) -> tuple[int, int, str]:
    """(observations, history entries, a digest of every row's content but changed_xid)."""
    from floorcoach.org.push import HISTORY_COLUMNS, OBSERVATIONS

    parts = []
    counts = []
    with org.admin(database) as conn:
        for table, columns, key in (
            ("observation", [*OBSERVATIONS.columns, "supervisor_id", "device_id"], "id"),
            ("record_history", [*HISTORY_COLUMNS, "supervisor_id", "device_id"], "uuid"),
        ):
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(x::text), '' ORDER BY x.{key}), "
                f"'')) FROM (SELECT {', '.join(columns)} FROM floorcoach.{table}) x"
            ).fetchone()
            counts.append(count)
            parts.append(digest)
    return counts[0], counts[1], "/".join(parts)


def _device_digest(path: Path, columns: tuple[str, ...]) -> tuple[int, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM observation ORDER BY id"):
            digest.update(repr(row).encode())
            count += 1
    finally:
        conn.close()
    return count, digest.hexdigest()


def _copy_rows(device: Path, owner_id: str) -> tuple[list[str], list[tuple], list[str], list]:
    """What the baseline COPYs: the device's observations and history, in the org's
    columns (the org's employee ids, the owner's id, the device's id)."""
    from floorcoach.org.push import HISTORY_COLUMNS, OBSERVATIONS

    conn = sqlite3.connect(f"file:{device}?mode=ro", uri=True)
    try:
        device_id = conn.execute("SELECT value FROM setting WHERE key = 'database_id'")
        extra = (owner_id, device_id.fetchone()[0])
        found = {}
        for table, columns, alias, where in (
            ("observation", OBSERVATIONS.columns, "t", ""),
            ("record_history", HISTORY_COLUMNS, "h", "WHERE h.record_type = 'observation'"),
        ):
            select = ", ".join(
                "oe.org_id" if c == "employee_id" else f"{alias}.{c}" for c in columns
            )
            booleans = [i for i, c in enumerate(columns) if c in OBSERVATIONS.booleans]
            rows = []
            for row in conn.execute(
                f"SELECT {select} FROM {table} {alias} "
                f"JOIN org_employee oe ON oe.employee_id = {alias}.employee_id {where}"
            ):
                values = list(row)
                for i in booleans if table == "observation" else ():
                    values[i] = bool(values[i])
                rows.append((*values, *extra))
            found[table] = ([*columns, "supervisor_id", "device_id"], rows)
    finally:
        conn.close()
    return (*found["observation"], *found["record_history"])


def _device_form_sql(org: Org, database: str) -> str:
    """The plain SELECT of the org's observations, each value as the device stores it."""
    from floorcoach.org.push import OBSERVATIONS

    with org.admin(database) as conn:
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'floorcoach' AND table_name = 'observation'"
            ).fetchall()
        )
    forms = {
        "uuid": "{c}::text",
        "timestamp with time zone": (
            "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
        ),
        "date": "{c}::text",
        "boolean": "{c}::int",
    }
    values = [forms.get(types[c], "{c}").format(c=c) for c in OBSERVATIONS.columns]
    return f"SELECT {', '.join(values)} FROM floorcoach.observation"


# --- measuring -------------------------------------------------------------------------------


def _measure(ctx: Context, org: Org, folder: Path, whats, baselines) -> list[Figure]:
    import psycopg

    from floorcoach.org.push import OBSERVATIONS
    from floorcoach.org.sync import sync
    from floorcoach.workspace import open_workspace

    n = observations_for(ctx.dataset.observations)
    owner_device, lead_device = folder / "owner.db", folder / "lead.db"
    started = time.perf_counter()
    _build_device(ctx, owner_device, n)
    _make_template(org, owner_device)
    # Both join the template itself (a join only reads), before any record is in it; its
    # copies have the same ids, so a joined device fits every copy.
    _join(owner_device, org.url(org.template, OWNER), OWNER_NAME)
    _join(lead_device, org.url(org.template, LEAD), LEAD_NAME)
    obs_columns, observations, hist_columns, history = _copy_rows(owner_device, org.owner_id)
    ctx.log(f"    set up {n:,} observations in {time.perf_counter() - started:.1f} s")

    runs = 3 if ctx.size == "large" else max(3, ctx.runs)
    work = folder / "run.db"
    digests: dict[str, list] = {"ours": [], "base": []}
    kept: list[str] = []  # the org store of ours' last run: the no-op and pull figures use it
    moved: list[int] = []

    def ours_first() -> float:
        database = org.fresh()
        device = _copy_device(owner_device, work, org.url(database, OWNER))
        with open_workspace(device) as store:
            seconds, result = clock(lambda: sync(store))
        moved.append(result.up["observation"] + result.up["record_history"])
        digests["ours"].append(_org_digest(org, database))
        for old in kept:
            org.drop(old)
        kept[:] = [database]
        return seconds

    def base_first() -> float:
        database = org.fresh()
        url = org.url(database, SUPERUSER)  # COPY FROM refuses a role under row security
        started = time.perf_counter()
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            for table, columns, rows in (
                ("observation", obs_columns, observations),
                ("record_history", hist_columns, history),
            ):
                with cursor.copy(
                    f"COPY floorcoach.{table} ({', '.join(columns)}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
        seconds = time.perf_counter() - started  # the `with` committed
        digests["base"].append(_org_digest(org, database))
        org.drop(database)
        return seconds

    first_ours, first_base = interleaved(runs, ours_first, base_first)
    expected = (n, n)
    same_first = (
        all(d[:2] == expected for d in digests["ours"] + digests["base"])
        and len({d[2] for d in digests["ours"] + digests["base"]}) == 1
        and all(m == 2 * n for m in moved)
    )
    source = kept[0]

    # Nothing to do: the last run's device against the org store it filled.
    before = _org_digest(org, source)
    noop_runs = max(5, ctx.runs * 2)
    noop_moved: list[int] = []
    with open_workspace(work) as store:
        sync(store)  # warm: the first sync's pull of its own cursor is done

        def ours_noop() -> float:
            seconds, result = clock(lambda: sync(store))
            noop_moved.append(result.moved)
            return seconds

        def base_noop() -> float:
            started = time.perf_counter()
            with psycopg.connect(org.url(source, OWNER)) as conn:
                conn.execute("SELECT 1").fetchone()
            return time.perf_counter() - started

        noop_ours, noop_base = interleaved(noop_runs, ours_noop, base_noop)
    same_noop = not any(noop_moved) and _org_digest(org, source) == before
    _remove_device(work)

    # Pulling: the lead's device (joined before the observations came) syncs them down.
    columns = OBSERVATIONS.columns
    select = _device_form_sql(org, source)
    insert = (
        f"INSERT INTO observation ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    pulled: dict[str, list] = {"ours": [], "base": []}

    def ours_pull() -> float:
        device = _copy_device(lead_device, work, org.url(source, LEAD))
        with open_workspace(device) as store:
            seconds, result = clock(lambda: sync(store))
        pulled["ours"].append((*_device_digest(device, columns), result.down["observation"]))
        _remove_device(device)
        return seconds

    def base_pull() -> float:
        device = _copy_device(lead_device, work, org.url(source, LEAD))
        started = time.perf_counter()
        with psycopg.connect(org.url(source, LEAD)) as conn:
            rows = conn.execute(select).fetchall()
        local = sqlite3.connect(str(device))
        local.execute("PRAGMA synchronous = FULL")
        with local:
            local.executemany(insert, rows)
        local.close()
        seconds = time.perf_counter() - started
        pulled["base"].append((*_device_digest(device, columns), len(rows)))
        _remove_device(device)
        return seconds

    pull_ours, pull_base = interleaved(runs, ours_pull, base_pull)
    same_pull = len({p[:2] for p in pulled["ours"] + pulled["base"]}) == 1 and all(
        p[0] == n and p[2] == n for p in pulled["ours"] + pulled["base"]
    )
    org.drop(source)

    first_what, noop_what, pull_what = (what for _, what in whats)
    return [
        Figure(
            case="sync-first",
            size=ctx.size,
            what=first_what,
            baseline=baselines[0],
            value=median(first_ours),
            base=median(first_base),
            target=2.0,
            runs=runs,
            same_result=same_first,
            note=(
                f"{n:,} observations + {n:,} history entries; runs {spread(first_ours)} vs "
                f"{spread(first_base)}"
            ),
        ),
        Figure(
            case="sync-noop",
            size=ctx.size,
            what=noop_what,
            baseline=baselines[1],
            value=median(noop_ours) * 1000,
            base=median(noop_base) * 1000,
            unit="ms",
            limit=NOOP_LIMIT_MS,
            limit_text=f"≤ {NOOP_LIMIT_MS} ms",
            runs=noop_runs,
            same_result=same_noop,
            note=(
                f"device with {n:,} synced observations; runs {spread(noop_ours, 1000, 'ms')} "
                f"vs {spread(noop_base, 1000, 'ms')}"
            ),
        ),
        Figure(
            case="sync-pull",
            size=ctx.size,
            what=pull_what,
            baseline=baselines[2],
            value=median(pull_ours),
            base=median(pull_base),
            target=2.0,
            runs=runs,
            same_result=same_pull,
            note=f"{n:,} observations by another supervisor; runs {spread(pull_ours)} vs "
            f"{spread(pull_base)}",
        ),
    ]
