"""Open the database ready for work: schema current, catalogue files snapshotted in.

The CLI and the TUI start here; worker threads that only need a connection use
`Store.open` directly, since the catalogue is already in place by then.
"""

from __future__ import annotations

import os
from pathlib import Path

from floorcoach.catalogue_files import load_catalogues
from floorcoach.catalogue_store import install_catalogues
from floorcoach.store import Store


def open_workspace(
    db_path: str | os.PathLike[str], catalogue_paths: list[Path] | None = None
) -> Store:
    """Load and validate the catalogue first (all or nothing), then open and sync the store."""
    catalogues = load_catalogues(catalogue_paths)
    store = Store.open(db_path)
    try:
        install_catalogues(store, catalogues)
    except BaseException:
        store.close()
        raise
    return store
