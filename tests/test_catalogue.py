"""Catalogue files: the shipped one is complete; broken ones say file, line, entry, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from floorcoach.catalogue_files import CatalogueError, load_catalogues, shipped_catalogue_dir
from floorcoach.catalogue_store import install_catalogues, list_behaviours

GOOD = """\
[catalogue]
id = "mini"
title = "Mini"
version = "1"

[[touch_point]]
id = "till"
title = "At the till"

[[touch_point.behaviour]]
id = "till.thanks"
title = "Thanks the customer"
standard = "Says thank you."
look_fors = ["Says thank you", "Smiles"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_catalogue_is_complete_and_grouped_by_moments_of_truth():
    catalogues = load_catalogues([*sorted(shipped_catalogue_dir().glob("*.toml"))])
    behaviours = [b for c in catalogues for b in c.behaviours]
    touch_points = {b.touch_point_id for b in behaviours}
    assert 5 <= len(touch_points) <= 7
    assert 25 <= len(behaviours) <= 40
    for behaviour in behaviours:
        assert behaviour.standard and 2 <= len(behaviour.look_fors) <= 4
        assert behaviour.id.split(".")[0] == behaviour.touch_point_id


def test_a_good_user_file_loads_after_the_shipped_one(tmp_path):
    path = write(tmp_path, "mini.toml", GOOD)
    (catalogue,) = load_catalogues([path])
    assert [b.id for b in catalogue.behaviours] == ["till.thanks"]


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            GOOD.replace('look_fors = ["Says thank you", "Smiles"]', "look_fors = []"),
            ["mini.toml:14:", "behaviour 'till.thanks'", "field 'look_fors'"],
        ),
        (
            GOOD.replace('standard = "Says thank you."\n', ""),
            ["mini.toml:10:", "behaviour 'till.thanks'", "field 'standard' is missing"],
        ),
        (
            GOOD.replace('id = "till.thanks"', 'id = "Till Thanks"'),
            ["mini.toml:11:", "field 'id'", "'Till Thanks' is not a valid id"],
        ),
        (
            GOOD.replace('title = "Thanks the customer"', 'titel = "Thanks"'),
            ["mini.toml:12:", "unknown field 'titel'"],
        ),
        (GOOD.replace('version = "1"', "version = "), ["mini.toml:4:", "not valid TOML"]),
        (
            GOOD.replace('[catalogue]\nid = "mini"', '[catalogue]\nid = "MINI!"'),
            ["mini.toml:2:", "[catalogue]", "field 'id'"],
        ),
    ],
)
def test_a_broken_file_names_the_file_the_line_the_entry_and_the_field(tmp_path, broken, expected):
    path = write(tmp_path, "mini.toml", broken)
    with pytest.raises(CatalogueError) as caught:
        load_catalogues([path])
    message = str(caught.value)
    for part in expected:
        assert part in message


def test_a_duplicate_behaviour_id_across_files_loads_nothing(tmp_path):
    first = write(tmp_path, "a.toml", GOOD)
    second = write(tmp_path, "b.toml", GOOD.replace('id = "mini"', 'id = "other"'))
    with pytest.raises(CatalogueError) as caught:
        load_catalogues([first, second])
    assert "b.toml:11:" in str(caught.value)
    assert "already used in" in str(caught.value)


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(GOOD.encode() + b"\n# caf\xe9\n")
    with pytest.raises(CatalogueError, match=r"bad.toml:16: the file is not UTF-8"):
        load_catalogues([path])


def test_user_catalogues_in_the_config_folder_are_loaded(tmp_path, monkeypatch):
    user_dir = tmp_path / "config" / "behaviours"
    user_dir.mkdir(parents=True)
    write(user_dir, "mini.toml", GOOD)
    ids = [b.id for c in load_catalogues() for b in c.behaviours]
    assert "till.thanks" in ids and "greeting.eye-contact" in ids


def test_a_behaviour_removed_from_the_files_is_retired_not_deleted(store, tmp_path):
    path = write(tmp_path, "mini.toml", GOOD)
    install_catalogues(store, load_catalogues([path]))
    assert "till.thanks" in [b.id for b in list_behaviours(store)]
    reworded = GOOD.replace("till.thanks", "till.farewell").replace(
        'version = "1"', 'version = "2"'
    )
    install_catalogues(store, load_catalogues([write(tmp_path, "mini.toml", reworded)]))
    current = [b.id for b in list_behaviours(store)]
    assert "till.farewell" in current and "till.thanks" not in current
    retired = {b.id: b.retired for b in list_behaviours(store, include_retired=True)}
    assert retired["till.thanks"] is True
