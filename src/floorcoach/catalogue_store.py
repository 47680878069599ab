"""The catalogue as the database knows it: snapshot the files in, read behaviours out.

The files can change (a behaviour reworded, retired, a new version); the database keeps
every wording it has seen so that an old observation still says what was expected then.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from floorcoach import clock
from floorcoach.catalogue_files import LoadedCatalogue
from floorcoach.models import Behaviour
from floorcoach.store import Store

_FINGERPRINT_KEY = "catalogue_fingerprint"


def _fingerprint(catalogues: Sequence[LoadedCatalogue]) -> str:
    payload = [
        (c.id, c.version, c.title, [b.model_dump() for b in c.behaviours]) for c in catalogues
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def install_catalogues(store: Store, catalogues: Sequence[LoadedCatalogue]) -> bool:
    """Snapshot the loaded catalogues into the database; returns True when anything changed.

    Behaviours no longer in any file are marked retired, never deleted: observations of
    them keep their meaning. Unchanged files cost one settings read.
    """
    fingerprint = _fingerprint(catalogues)
    if store.setting(_FINGERPRINT_KEY) == fingerprint:
        return False
    now = clock.utc_text(clock.now())
    with store.write() as conn:
        if store.setting(_FINGERPRINT_KEY) == fingerprint:  # another process got here first
            return False
        seen: list[str] = []
        for catalogue in catalogues:
            conn.execute(
                "INSERT INTO catalogue(id, title, version, description, source, loaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
                "version = excluded.version, description = excluded.description, "
                "source = excluded.source, loaded_at = excluded.loaded_at",
                (
                    catalogue.id,
                    catalogue.title,
                    catalogue.version,
                    catalogue.description,
                    str(catalogue.source),
                    now,
                ),
            )
            for b in catalogue.behaviours:
                look_fors = json.dumps(b.look_fors, ensure_ascii=False)
                conn.execute(
                    "INSERT INTO behaviour(id, catalogue_id, catalogue_version, touch_point_id, "
                    "touch_point, title, standard, look_fors, position, retired) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT(id) DO UPDATE SET "
                    "catalogue_id = excluded.catalogue_id, "
                    "catalogue_version = excluded.catalogue_version, "
                    "touch_point_id = excluded.touch_point_id, touch_point = excluded.touch_point, "
                    "title = excluded.title, standard = excluded.standard, "
                    "look_fors = excluded.look_fors, position = excluded.position, retired = 0",
                    (
                        b.id,
                        b.catalogue_id,
                        b.catalogue_version,
                        b.touch_point_id,
                        b.touch_point,
                        b.title,
                        b.standard,
                        look_fors,
                        b.position,
                    ),
                )
                conn.execute(
                    "INSERT INTO behaviour_version(behaviour_id, catalogue_version, touch_point, "
                    "title, standard, look_fors, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET touch_point = excluded.touch_point, "
                    "title = excluded.title, standard = excluded.standard, "
                    "look_fors = excluded.look_fors",
                    (b.id, b.catalogue_version, b.touch_point, b.title, b.standard, look_fors, now),
                )
                seen.append(b.id)
        marks = ",".join("?" * len(seen))
        conn.execute(f"UPDATE behaviour SET retired = 1 WHERE id NOT IN ({marks})", seen)
        conn.execute(
            "INSERT INTO setting(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_FINGERPRINT_KEY, fingerprint),
        )
    return True


def _row_to_behaviour(row: dict) -> Behaviour:
    return Behaviour(
        id=row["id"],
        touch_point_id=row["touch_point_id"],
        touch_point=row["touch_point"],
        title=row["title"],
        standard=row["standard"],
        look_fors=json.loads(row["look_fors"]),
        catalogue_id=row["catalogue_id"],
        catalogue_version=row["catalogue_version"],
        position=row["position"],
        retired=bool(row["retired"]),
    )


def list_behaviours(store: Store, *, include_retired: bool = False) -> list[Behaviour]:
    """Behaviours in catalogue order (catalogue, then touch point, then file order)."""
    where = "" if include_retired else "WHERE b.retired = 0"
    rows = store.query(
        "SELECT b.* FROM behaviour b JOIN catalogue c ON c.id = b.catalogue_id "
        f"{where} ORDER BY b.retired, c.rowid, b.position"
    )
    return [_row_to_behaviour(row) for row in rows]


def get_behaviour(store: Store, behaviour_id: str) -> Behaviour | None:
    rows = store.query("SELECT * FROM behaviour WHERE id = ?", (behaviour_id,))
    return _row_to_behaviour(rows[0]) if rows else None
