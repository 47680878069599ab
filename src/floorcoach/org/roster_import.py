"""`floorcoach org roster import`: HR's roster CSV into the org store, by `employee_ref`.

The file is read and checked exactly as `floorcoach roster import` does on a device
(floorcoach.roster.read_roster: the same headers, the same rules, the same errors, all
lines or none), then upserted into `floorcoach.employee` in one transaction. Row-level
security lets only HR (and the administrator) write the roster. Devices get the changes
with their next sync.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from floorcoach.roster import ImportResult, changes, read_roster

if TYPE_CHECKING:
    import psycopg


def import_org_roster(conn: psycopg.Connection, path: Path) -> ImportResult:
    """Check the whole file, then add or update every line in ONE server transaction."""
    from floorcoach.org.schema import require_current

    rows, result = read_roster(path)
    with conn.transaction():
        require_current(conn)
        existing = {
            ref: (name, team, active)
            for ref, name, team, active in conn.execute(
                "SELECT employee_ref, name, team, active FROM floorcoach.employee "
                "WHERE employee_ref = ANY(%s)",
                ([row.data.employee_ref for row in rows],),
            )
        }
        for row in rows:
            person = row.data
            current = existing.get(person.employee_ref)
            if current is None:
                conn.execute(
                    "INSERT INTO floorcoach.employee(employee_ref, name, team, active) "
                    "VALUES (%s, %s, %s, %s)",
                    (person.employee_ref, person.name, person.team, row.active is not False),
                )
                result.added += 1
            elif not changes(row, *current):
                result.unchanged += 1
            else:
                conn.execute(
                    "UPDATE floorcoach.employee SET name = %s, team = %s, "
                    "active = coalesce(%s, active), updated_at = now(), version = version + 1 "
                    "WHERE employee_ref = %s",
                    (person.name, person.team, row.active, person.employee_ref),
                )
                result.updated += 1
            result.names.append(person.name)
    return result
