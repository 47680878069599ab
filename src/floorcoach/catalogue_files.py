"""Load and validate behaviour catalogue files (TOML), all or nothing.

A catalogue is the organisation's list of expected behaviours, grouped by the customer's
moments of truth (touch points). Every problem found is reported with the file, the line,
the entry and the field, and nothing is loaded when any file is broken: a half catalogue
would silently hide behaviours from the observation form.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from floorcoach.models import Behaviour, CatalogueFile
from floorcoach.paths import user_catalogue_dir


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    entry: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        entry = f" {self.entry}:" if self.entry else ""
        return f"{where}:{entry} {self.message}"


class CatalogueError(ValueError):
    """One or more catalogue files are broken; `problems` says where and why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class LoadedCatalogue:
    id: str
    title: str
    version: str
    description: str
    source: Path
    behaviours: tuple[Behaviour, ...]


def shipped_catalogue_dir() -> Path:
    """The catalogue folder inside the installed package, or the repo's in a dev checkout."""
    packaged = Path(str(resources.files("floorcoach"))) / "behaviours"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "behaviours"


def default_catalogue_paths() -> list[Path]:
    """The shipped catalogue files first, then the user's own, each folder sorted by name."""
    paths = sorted(shipped_catalogue_dir().glob("*.toml"))
    user_dir = user_catalogue_dir()
    if user_dir.is_dir():
        paths += sorted(user_dir.glob("*.toml"))
    return paths


def load_catalogues(paths: Iterable[Path] | None = None) -> list[LoadedCatalogue]:
    """Parse and validate every file; raise CatalogueError listing all problems found."""
    paths = list(default_catalogue_paths() if paths is None else paths)
    problems: list[Problem] = []
    loaded: list[LoadedCatalogue] = []
    if not paths:
        raise CatalogueError([Problem(Path("behaviours"), None, "", "no catalogue files found")])
    for path in paths:
        catalogue = _load_file(Path(path), problems)
        if catalogue is not None:
            loaded.append(catalogue)
    problems += _cross_file_problems(loaded)
    if problems:
        raise CatalogueError(problems)
    return loaded


def _load_file(path: Path, problems: list[Problem]) -> LoadedCatalogue | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, None, "", f"cannot read the file: {exc.strerror or exc}"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(path, line, "", "the file is not UTF-8 text"))
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line.*\)$", "", str(exc)) or "syntax error"
        problems.append(Problem(path, line, "", f"not valid TOML: {reason}"))
        return None
    try:
        parsed = CatalogueFile.model_validate(data)
    except ValidationError as exc:
        locator = _LineLocator(text)
        for error in exc.errors():
            problems.append(_problem_from_pydantic(path, data, locator, error))
        return None
    file_problems = _in_file_problems(path, text, parsed)
    if file_problems:
        problems.extend(file_problems)
        return None
    return _to_loaded(path, parsed)


def _to_loaded(path: Path, parsed: CatalogueFile) -> LoadedCatalogue:
    header = parsed.catalogue
    behaviours = []
    position = 0
    for tp_index, tp in enumerate(parsed.touch_point):
        for spec in tp.behaviour:
            behaviours.append(
                Behaviour(
                    id=spec.id,
                    touch_point_id=tp.id,
                    touch_point=tp.title,
                    title=spec.title,
                    standard=spec.standard,
                    look_fors=list(spec.look_fors),
                    catalogue_id=header.id,
                    catalogue_version=header.version,
                    position=tp_index * 1000 + position,
                )
            )
            position += 1
    return LoadedCatalogue(
        id=header.id,
        title=header.title,
        version=header.version,
        description=header.description,
        source=path,
        behaviours=tuple(behaviours),
    )


def _in_file_problems(path: Path, text: str, parsed: CatalogueFile) -> list[Problem]:
    locator = _LineLocator(text)
    problems = []
    seen_tp: set[str] = set()
    for tp_index, tp in enumerate(parsed.touch_point):
        if tp.id in seen_tp:
            problems.append(
                Problem(
                    path,
                    locator.line_of(("touch_point", tp_index, "id")),
                    f"touch point '{tp.id}'",
                    "field 'id': this touch point id is used twice in the file",
                )
            )
        seen_tp.add(tp.id)
    return problems


def _cross_file_problems(loaded: list[LoadedCatalogue]) -> list[Problem]:
    problems = []
    seen_catalogue: dict[str, Path] = {}
    seen_behaviour: dict[str, Path] = {}
    for catalogue in loaded:
        if catalogue.id in seen_catalogue:
            problems.append(
                Problem(
                    catalogue.source,
                    _find_line(catalogue.source, f'"{catalogue.id}"'),
                    "[catalogue]",
                    f"field 'id': catalogue '{catalogue.id}' is already defined in "
                    f"{seen_catalogue[catalogue.id]}",
                )
            )
        seen_catalogue.setdefault(catalogue.id, catalogue.source)
        for behaviour in catalogue.behaviours:
            if behaviour.id in seen_behaviour:
                first = seen_behaviour[behaviour.id]
                elsewhere = "earlier in this file" if first == catalogue.source else f"in {first}"
                problems.append(
                    Problem(
                        catalogue.source,
                        _find_line(catalogue.source, f'"{behaviour.id}"', last=True),
                        f"behaviour '{behaviour.id}'",
                        f"field 'id': this behaviour id is already used {elsewhere}",
                    )
                )
            seen_behaviour.setdefault(behaviour.id, catalogue.source)
    return problems


def _find_line(path: Path, needle: str, last: bool = False) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    hits = [number for number, line in enumerate(lines, 1) if needle in line]
    if not hits:
        return None
    return hits[-1] if last else hits[0]


class _LineLocator:
    """Maps a pydantic error location back to a line, via the file's table headers."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.touch_points: list[int] = []
        self.behaviours: list[list[int]] = []
        self.catalogue_line: int | None = None
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip().replace(" ", "")
            if stripped == "[[touch_point]]":
                self.touch_points.append(number)
                self.behaviours.append([])
            elif stripped == "[[touch_point.behaviour]]" and self.behaviours:
                self.behaviours[-1].append(number)
            elif stripped == "[catalogue]":
                self.catalogue_line = number

    def _table_span(self, start: int) -> range:
        end = len(self.lines)
        for number in range(start + 1, len(self.lines) + 1):
            if self.lines[number - 1].lstrip().startswith("["):
                end = number - 1
                break
        return range(start, end + 1)

    def line_of(self, loc: tuple) -> int | None:
        start: int | None = None
        field: object = None
        if loc and loc[0] == "catalogue":
            start, field = self.catalogue_line, (loc[1] if len(loc) > 1 else None)
        elif len(loc) >= 2 and loc[0] == "touch_point" and isinstance(loc[1], int):
            tp = loc[1]
            if tp >= len(self.touch_points):
                return None
            start, field = self.touch_points[tp], (loc[2] if len(loc) > 2 else None)
            if len(loc) >= 4 and loc[2] == "behaviour" and isinstance(loc[3], int):
                beh = loc[3]
                if beh < len(self.behaviours[tp]):
                    start, field = self.behaviours[tp][beh], (loc[4] if len(loc) > 4 else None)
        if start is None:
            return None
        if isinstance(field, str):
            for number in self._table_span(start):
                if re.match(rf"\s*{re.escape(field)}\s*=", self.lines[number - 1]):
                    return number
        return start


def _describe_entry(data: dict, loc: tuple) -> tuple[str, tuple]:
    """Human words for where an error is ("touch point 'x' › behaviour 'y'") and the rest."""
    if not loc:
        return "", loc
    if loc[0] == "catalogue":
        return "[catalogue]", loc[1:]
    if loc[0] != "touch_point" or len(loc) < 2 or not isinstance(loc[1], int):
        return "", loc
    points = data.get("touch_point")
    tp = points[loc[1]] if isinstance(points, list) and loc[1] < len(points) else {}
    tp_id = tp.get("id") if isinstance(tp, dict) else None
    words = f"touch point '{tp_id}'" if isinstance(tp_id, str) else f"touch point #{loc[1] + 1}"
    rest = loc[2:]
    if len(rest) >= 2 and rest[0] == "behaviour" and isinstance(rest[1], int):
        behaviours = tp.get("behaviour") if isinstance(tp, dict) else None
        entry = (
            behaviours[rest[1]]
            if isinstance(behaviours, list) and rest[1] < len(behaviours)
            else {}
        )
        b_id = entry.get("id") if isinstance(entry, dict) else None
        label = f"behaviour '{b_id}'" if isinstance(b_id, str) else f"behaviour #{rest[1] + 1}"
        words += f" › {label}"
        rest = rest[2:]
    return words, rest


def _problem_from_pydantic(path: Path, data: dict, locator: _LineLocator, error: dict) -> Problem:
    loc = tuple(error.get("loc", ()))
    entry, rest = _describe_entry(data, loc)
    field = ".".join(str(part) for part in rest)
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        message = f"unknown field '{field}' (check the spelling)"
    elif kind == "missing":
        message = f"field '{field}' is missing" if field else "a required section is missing"
    elif kind == "string_pattern_mismatch":
        message = (
            f"field '{field}': {error.get('input')!r} is not a valid id "
            "(lowercase letters, digits and hyphens"
            + (", touch point and name joined by a dot" if entry.count("behaviour") else "")
            + ")"
        )
    else:
        message = f"field '{field}': {error.get('msg', 'invalid value')}"
    return Problem(path, locator.line_of(loc), entry, message)
