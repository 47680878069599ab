"""One source for the vocabulary: outcomes, causes, kinds of coaching and follow-up results.

The StrEnums in `floorcoach.models` define the values. Everything else is built from them
or checked against them here: the CLI's choices, the forms' keys, the SQL, the demo data,
the database's CHECK constraints and the docs. A value added in one place only fails one
of these tests, which names the place still to change.
"""

from __future__ import annotations

import argparse
import ast
import re
import sqlite3
from pathlib import Path

import pytest

import floorcoach
from floorcoach.drafts import drafted_value, save_draft
from floorcoach.followups import STATUS_WORDS, verdict_for
from floorcoach.metrics import (
    SQL_COUNTS,
    Counts,
    about_the_person_sql,
    owned_miss_sql,
    system_miss_sql,
)
from floorcoach.models import (
    CHECK_RESULTS,
    COUNTS_AS_MET,
    NOT_HELD_AGAINST,
    Cause,
    FollowUpStatus,
    Kind,
    Outcome,
    sql_value,
    values_of,
)
from floorcoach.widgets.vocabulary_keys import (
    CAUSE_KEYS,
    CAUSE_NOT_SURE,
    KIND_KEYS,
    OUTCOME_KEYS,
    key_choices,
    key_hint,
)

VOCABULARIES = (Outcome, Cause, Kind, FollowUpStatus)
ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(floorcoach.__file__).parent


def every_observation() -> list[tuple[Outcome, Cause | None]]:
    """Each outcome, and each miss with each cause or none: every kind of observation."""
    return [(outcome, None) for outcome in Outcome] + [(Outcome.MISSED, cause) for cause in Cause]


# --- the CLI -------------------------------------------------------------------------------


def _options(parser: argparse.ArgumentParser, command: str = "floorcoach"):
    """(command, option, choices) for every option of every command that has choices."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{command} {name}")
        elif action.choices is not None and action.option_strings:
            yield command, action.option_strings[-1], tuple(action.choices)


def _cli_options() -> list[tuple[str, str, tuple]]:
    from floorcoach.cli.entry import build_parser

    return list(_options(build_parser()))


@pytest.mark.parametrize(
    "command, option, vocabulary",
    [
        ("floorcoach log", "--outcome", Outcome),
        ("floorcoach log", "--cause", Cause),
        ("floorcoach coach", "--kind", Kind),
    ],
)
def test_the_cli_offers_every_value_of_the_vocabulary(command, option, vocabulary):
    choices = {(c, o): values for c, o, values in _cli_options()}
    assert choices[(command, option)] == values_of(vocabulary)
    assert all(type(value) is str for value in choices[(command, option)])  # --help, errors


def test_no_cli_option_offers_part_of_a_vocabulary():
    for command, option, choices in _cli_options():
        for vocabulary in VOCABULARIES:
            if set(choices) & set(values_of(vocabulary)):
                assert set(choices) == set(values_of(vocabulary)), (command, option)


# --- the forms' keys -----------------------------------------------------------------------

KEY_TABLES = [(Outcome, OUTCOME_KEYS), (Cause, CAUSE_KEYS), (Kind, KIND_KEYS)]


@pytest.mark.parametrize("vocabulary, keys", KEY_TABLES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_value_has_a_key_and_a_label_in_the_forms(vocabulary, keys):
    assert list(keys) == list(vocabulary), "widgets/vocabulary_keys.py: one line per value"
    for value, key in keys.items():
        assert re.fullmatch(r"[a-z]", key.key), (value, key)
        assert key.label.strip(), value
        assert key.label.split()[0] == value.value  # the label starts with the word itself


@pytest.mark.parametrize(
    "choices",
    [key_choices(OUTCOME_KEYS), key_choices(CAUSE_KEYS, not_sure=CAUSE_NOT_SURE)]
    + [key_choices(KIND_KEYS)],
    ids=["outcome", "cause", "kind"],
)
def test_no_two_choices_of_a_form_row_share_a_key(choices):
    keys = [key for choice in choices for key in choice.keys]
    assert len(keys) == len(set(keys)), keys


def test_the_forms_show_the_rows_built_from_the_vocabulary():
    from floorcoach.screens import coaching_form, observation_form

    assert [c.value for c in observation_form.OUTCOMES] == list(values_of(Outcome))
    assert [c.value for c in observation_form.CAUSES] == [*values_of(Cause), None]
    assert [c.value for c in coaching_form.KINDS] == list(values_of(Kind))
    # Letters only: a digit typed for a behaviour number never chooses (issue 11).
    assert observation_form.OUTCOMES[0].keys == ("m",)
    assert observation_form.CAUSES[-1].keys == ("u",)
    assert key_hint(OUTCOME_KEYS) == "m met, x missed, e exceeded"


def test_every_miss_suggests_a_kind_of_coaching():
    from types import SimpleNamespace

    from floorcoach.screens.coaching_form import suggested_kind

    for cause in [*Cause, None]:
        miss = SimpleNamespace(outcome=Outcome.MISSED, cause=cause)
        expected = Kind.CORRECTIVE if cause is None else cause.suggested_kind
        assert suggested_kind(miss) == Kind(expected).value, cause


def test_every_outcome_and_follow_up_result_has_a_colour():
    from floorcoach.screens.coaching_record import STATUS_STYLE
    from floorcoach.widgets.record_text import outcome_text

    assert set(STATUS_STYLE) == set(values_of(FollowUpStatus))
    assert all(outcome_text(outcome.value, None).style for outcome in Outcome)
    assert set(STATUS_WORDS) == set(values_of(FollowUpStatus))


# --- drafts --------------------------------------------------------------------------------


@pytest.mark.parametrize("vocabulary", VOCABULARIES)
def test_a_draft_gives_back_each_value_of_the_vocabulary_and_nothing_else(vocabulary):
    for member in vocabulary:
        assert drafted_value(member.value, vocabulary) is member
    for stranger in ("no-such-value", "MET", "", None, 1, True, ["met"], {"value": "met"}):
        assert drafted_value(stranger, vocabulary) is None


async def test_a_draft_with_a_value_this_version_does_not_know_restores_no_choice(db_path, team):
    from floorcoach.app import FloorcoachApp

    from .pilot import press_all, wait_ready

    for outcome, cause in (("no-such-value", None), ("missed", "no-such-value")):
        save_draft(
            db_path,
            "observation",
            {
                "employee": team[0].model_dump(),
                "outcome": outcome,
                "cause": cause,
                "cause_chosen": cause is not None,
            },
            employee_id=team[0].id,
        )
        app = FloorcoachApp(db_path=db_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            await press_all(app, pilot, "o")
            form = app.screen
            assert form.employee.id == team[0].id
            assert form.query_one("#outcome").has_choice is (outcome == "missed")
            assert form.query_one("#cause").has_choice is False


# --- the SQL -------------------------------------------------------------------------------


@pytest.fixture
def every_kind_of_observation():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE observation (outcome TEXT NOT NULL, cause TEXT)")
    conn.executemany("INSERT INTO observation VALUES (?, ?)", every_observation())
    yield conn
    conn.close()


def test_the_sql_and_the_python_agree_on_every_kind_of_observation(every_kind_of_observation):
    rows = every_kind_of_observation.execute(
        f"SELECT outcome, cause, coalesce({system_miss_sql('')}, 0), "
        f"{about_the_person_sql('')}, {owned_miss_sql('')} FROM observation"
    ).fetchall()
    assert len(rows) == len(every_observation())
    for outcome, cause, system_miss, about_the_person, owned_miss in rows:
        verdict = verdict_for(outcome, cause)
        assert system_miss == (outcome == Outcome.MISSED and cause == NOT_HELD_AGAINST)
        assert about_the_person == (verdict is not None), (outcome, cause)
        assert owned_miss == (verdict is FollowUpStatus.NOT_YET), (outcome, cause)
        assert (verdict is FollowUpStatus.HELD) == (outcome in COUNTS_AS_MET)
        assert verdict is None or verdict in CHECK_RESULTS


def test_the_met_rate_counts_every_outcome_once(every_kind_of_observation):
    cursor = every_kind_of_observation.execute(f"SELECT {SQL_COUNTS} FROM observation o")
    row = cursor.fetchone()
    counts = Counts.from_row(dict(zip([d[0] for d in cursor.description], row, strict=True)))
    observations = every_observation()
    assert counts.observations == len(observations)
    assert counts.met + counts.exceeded == sum(o in COUNTS_AS_MET for o, _ in observations)
    assert counts.met + counts.exceeded + counts.missed == counts.observations
    assert counts.missed_system == sum(c == NOT_HELD_AGAINST for _, c in observations)


def test_no_module_spells_a_vocabulary_value_in_its_sql():
    """Only the enums (and the migrations, which are history) name the values in SQL."""
    values = sorted(value for vocabulary in VOCABULARIES for value in values_of(vocabulary))
    quoted = re.compile(rf"'({'|'.join(values)})'")
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        frozen = path.parent.name == "migrations" or path.parts[-2:] == ("org", "schema.py")
        if frozen or path.name == "models.py":  # schema steps are history, never edited
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and quoted.search(text):
                found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert not found, "use the enums (models.sql_value …) in: " + ", ".join(found)


# --- the database ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, column, vocabulary",
    [
        ("observation", "outcome", Outcome),
        ("observation", "cause", Cause),
        ("coaching_session", "kind", Kind),
        ("coaching_followup", "status", FollowUpStatus),
    ],
)
def test_the_database_accepts_exactly_the_values_of_each_enum(store, table, column, vocabulary):
    """A value added to an enum needs a migration (`migrations.reshape.rewrite_check`)."""
    (sql,) = store.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    (listed,) = re.findall(rf"\b{column} IN \(([^)]*)\)", sql)
    assert sorted(re.findall(r"'([^']*)'", listed)) == sorted(values_of(vocabulary))


def test_the_partial_indexes_are_written_as_the_core_asks(store):
    """A WHERE uses a partial index only when it says what the index says."""
    indexes = {
        name: " ".join(sql.split())
        for name, sql in store.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    }
    assert indexes["observation_system_misses"].endswith(f"WHERE {system_miss_sql('')}")
    for name in ("followup_open_by_employee", "followup_open_by_due"):
        assert indexes[name].endswith(f"WHERE status = {sql_value(FollowUpStatus.OPEN)}")


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_shows_every_value_of_the_vocabulary(store):
    from floorcoach.demo import _DEMO_ACTIONS, _DEMO_SAID, generate_demo

    generate_demo(store, employees=24, weeks=12)

    def used(sql: str) -> set:
        return {row[0] for row in store.conn.execute(sql)}

    assert used("SELECT DISTINCT outcome FROM observation") == set(values_of(Outcome))
    assert used("SELECT DISTINCT cause FROM observation") == {*values_of(Cause), None}
    assert used("SELECT DISTINCT kind FROM coaching_session") == set(values_of(Kind))
    assert used("SELECT DISTINCT status FROM coaching_followup") == set(values_of(FollowUpStatus))
    assert set(_DEMO_SAID) == set(_DEMO_ACTIONS) == set(Kind)


# --- the docs ----------------------------------------------------------------------------------


def _table_rows(markdown: str, heading: str) -> dict[str, str]:
    """The rows of the table under `heading`: the first cell (backticks off) -> the row."""
    section = markdown.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("|"):
            first = line.split("|")[1].strip().strip("`")
            rows[first] = line
    return rows


def _codes(text: str) -> list[str]:
    return re.findall(r"`([a-z_]+)`", text)


@pytest.mark.parametrize(
    "heading, column, vocabulary",
    [
        ("## `observations` export", "outcome", Outcome),
        ("## `observations` export", "cause", Cause),
        ("## `coaching` export", "kind", Kind),
        ("## `coaching` export", "follow_up_results", FollowUpStatus),
    ],
)
def test_the_data_dictionary_lists_every_value(heading, column, vocabulary):
    markdown = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    row = _table_rows(markdown, heading)[column]
    meaning = row.split("|")[3]
    assert set(_codes(meaning)) == set(values_of(vocabulary)), row


def test_the_coaching_guide_lists_every_kind():
    markdown = (ROOT / "docs" / "coaching.md").read_text(encoding="utf-8")
    row = _table_rows(markdown, "`followups --format csv`")["kind"]
    assert sorted(_codes(row.split("|")[2])) == sorted(values_of(Kind))
    assert re.findall(r"^\s+- \*\*(\w+)\*\* —", markdown, re.M) == list(values_of(Kind))
    (keys,) = re.findall(r"Press (`\w`(?:, `\w`)* or `\w`) to change it", markdown)
    assert re.findall(r"`(\w)`", keys) == [key.key for key in KIND_KEYS.values()]


def test_the_readme_gives_every_value_and_its_key():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option, vocabulary in (("--outcome", Outcome), ("--cause", Cause), ("--kind", Kind)):
        (listed,) = re.findall(rf"{option} ([a-z_|]+)", readme)
        assert listed.split("|") == list(values_of(vocabulary)), option
    step = readme.split("3. The outcome:", 1)[1].split("\n4. ", 1)[0]
    keys = [*OUTCOME_KEYS.values(), *CAUSE_KEYS.values(), CAUSE_NOT_SURE]
    assert re.findall(r"\*\*([a-z])\*\* ([a-z]+)", step) == [
        (key.key, key.label.split()[0]) for key in keys
    ]
