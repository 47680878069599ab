"""The Textual application: screens, key bindings, and the bridge to the core in workers.

The first screen paints at once; the database is opened (and migrated, and the catalogue
checked) in a thread worker afterwards, so start-up never waits on the data. Screens ask
the core through `run_db`, which opens a connection in the worker thread, runs one core
function, and hands the result back on the UI thread. Errors become notifications.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode, NoScreen
from textual.worker import Worker, get_current_worker

from floorcoach.gc_tuning import QuietCollector
from floorcoach.palette import FloorcoachCommands, palette_entries, screen_modules
from floorcoach.screens.home import HomeScreen
from floorcoach.widgets.live_refresh import LiveRefresh
from floorcoach.widgets.records_changed import EVERY_RECORD, Records, RecordsChanged

if TYPE_CHECKING:
    from floorcoach.models import Behaviour, Employee, Observation
    from floorcoach.store import Store
    from floorcoach.widgets.sync_state import BackgroundSync

T = TypeVar("T")
UNDO_S = 8  # how long "Saved" offers ctrl+z


class FloorcoachApp(App[int]):
    TITLE = "floorcoach"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {FloorcoachCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+o", "log_observation", "Log observation", id="log-anywhere", show=False),
        Binding("f1", "show_home", "Home", id="home", show=False),
        Binding("ctrl+z", "undo_save", "Undo save", id="undo-save", show=False),
        Binding("question_mark", "show_keys", "Keys", id="keys-help"),
        # While typing in a field `?` is a character: F2 lists the keys from anywhere, and
        # the footer shows it where `?` would be typed (it shows one key per action).
        Binding(
            "f2",
            "show_keys",
            "Keys",
            id="keys-help-typing",
            tooltip="every key here, also while typing in a field (? when not typing)",
        ),
    ]

    def __init__(self, db_path: Path, *, catalogue_paths: list[Path] | None = None):
        super().__init__()
        self.db_path = Path(db_path)
        self.catalogue_paths = catalogue_paths
        self.behaviours: list[Behaviour] = []
        self.supervisor = "supervisor"
        self.ready = False
        self.last_employee: Employee | None = None
        self._undoable: tuple[Observation, float] | None = None  # see offer_undo
        self.live_refresh: LiveRefresh | None = None
        self.org_sync: BackgroundSync | None = None  # widgets/sync_state.py, once joined
        self.collector = QuietCollector()
        self.collector.start()

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        self.sub_title = self.db_path.name

    def on_ready(self) -> None:
        # The first frame is on screen: only now open the database, so its imports and
        # catalogue check never compete with the first paint (bench/cases/startup.py).
        self._open_workspace()
        # The start-up benchmark quits here, once the first frame has been painted.
        if os.environ.get("FLOORCOACH_EXIT_AFTER_FIRST_PAINT") == "1":
            self.call_after_refresh(self.exit)

    @work(thread=True, exclusive=True, group="startup", exit_on_error=False)
    def _open_workspace(self) -> None:
        """Check the catalogue and the database file; show what is wrong instead of starting."""
        from floorcoach.catalogue_files import CatalogueError
        from floorcoach.catalogue_store import list_behaviours
        from floorcoach.demo import has_real_records
        from floorcoach.org.link import name_on_records
        from floorcoach.paths import ConfigError, load_config
        from floorcoach.store import StoreError
        from floorcoach.workspace import open_workspace

        try:
            configured = load_config().supervisor
            with open_workspace(self.db_path, self.catalogue_paths) as store:
                supervisor = name_on_records(store, configured)  # the org's name once joined
                behaviours = list_behaviours(store)
                empty = not has_real_records(store)
                warnings = list(store.warnings)
        except (CatalogueError, ConfigError, StoreError) as exc:
            self.call_from_thread(self._show_problem, exc)
            return
        self.call_from_thread(self._workspace_ready, supervisor, behaviours, empty, warnings)

    def _show_problem(self, exc: Exception) -> None:
        from floorcoach.screens.problem import ProblemScreen

        self.push_screen(ProblemScreen(exc))

    def _workspace_ready(
        self, supervisor: str, behaviours: list[Behaviour], empty: bool, warnings: list[str]
    ) -> None:
        self.supervisor = supervisor
        self.behaviours = behaviours
        self.ready = True
        self.records_changed()  # the database is open: every screen loads what it shows
        self.live_refresh = LiveRefresh.start(self)  # and what other processes write, live
        self._start_org_sync()
        self._reliability_notices(warnings)
        self.run_worker(self._warm_up, thread=True, group="warm-up", exit_on_error=False)
        if empty:
            from floorcoach.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen())

    def _start_org_sync(self) -> None:
        """On a device that joined an organisation only: nothing for anyone else."""
        from floorcoach.widgets.sync_state import BackgroundSync

        self.org_sync = BackgroundSync.start(self)

    def _warm_up(self) -> None:
        """After the first screen: import the other screens, then settle the collector."""
        _import_screens()
        self.collector.settle()

    def on_unmount(self) -> None:
        self.collector.stop()
        if self.live_refresh is not None:
            self.live_refresh.stop()
        if self.org_sync is not None:
            self.org_sync.stop()

    def _reliability_notices(self, store_warnings: list[str]) -> None:
        """Warn about a network file system or what the store found on opening the file;
        remind of unsaved drafts kept from last time."""
        from floorcoach.drafts import list_drafts
        from floorcoach.filesystems import network_filesystem_warning

        for warning in store_warnings:
            self.notify(
                warning, title="Check the database", severity="warning", timeout=30, markup=False
            )
        warning = network_filesystem_warning(self.db_path)
        if warning:
            self.notify(
                warning,
                title="Database on a network drive",
                severity="warning",
                timeout=20,
                markup=False,
            )
        for draft in list_drafts(self.db_path):
            where = {
                "observation": "press o to finish it",
                "coaching": "choose Coach someone (ctrl+p) to finish it",
            }.get(draft.form, "reopen that record to finish it")
            self.notify(
                f"You have an unsaved {draft.label or draft.form} — {where}.",
                title="Kept from last time",
                timeout=12,
                markup=False,
            )

    def records_changed(
        self,
        kinds: Iterable[Records] = EVERY_RECORD,
        *,
        employee_id: str | None = None,
        erased: bool = False,
    ) -> None:
        """Tell every open screen which records changed (a save, an import, an erasure).

        Each screen gets its own `RecordsChanged` and decides whether to load again
        (widgets/records_changed.py). After an erasure (`erased`), screens about that
        employee are left alone: there is nothing left to load.
        """
        kinds = frozenset(kinds)
        if self.live_refresh is not None:
            self.live_refresh.absorb()  # announced here: not again when the watch sees it
        if self.org_sync is not None:
            self.org_sync.records_changed()  # a save: push it when the server is reachable
        for screen in self.screen_stack:
            screen.post_message(RecordsChanged(kinds, employee_id=employee_id, erased=erased))

    # --- the bridge to the core -------------------------------------------------------

    def run_db(
        self,
        job: Callable[[Store], T],
        *,
        done: Callable[[T], Any] | None = None,
        failed: Callable[[Exception], Any] | None = None,
        group: str = "db",
        exclusive: bool = False,
        asks_on_conflict: bool = False,
    ) -> Worker[None]:
        """Run `job(store)` in a thread with its own connection; `done(result)` on the UI thread.

        Errors the user can act on (bad input, a busy, damaged or refused database) become an
        error notification and `failed(exc)`; nothing is shown as a traceback. With
        `asks_on_conflict`, a ConflictError goes to `failed` without a notification: the
        screen asks the person what to do.
        """

        def in_thread() -> None:
            import sqlite3

            from floorcoach.store import Store, StoreError, _translate

            worker = get_current_worker()
            try:
                try:
                    with Store.open(self.db_path, create=False) as store:
                        result = job(store)
                except sqlite3.DatabaseError as exc:  # e.g. a damaged page met by a query
                    raise _translate(exc, self.db_path) from exc
            except (StoreError, ValueError) as exc:
                if not worker.is_cancelled:
                    self.call_from_thread(
                        self._report_failure, exc, _if_alive(failed), asks_on_conflict
                    )
                return
            if done is not None and not worker.is_cancelled:
                self.call_from_thread(_to_the_living, done, result)

        return self.run_worker(
            in_thread, thread=True, group=group, exclusive=exclusive, exit_on_error=False
        )

    def confirm_then(
        self,
        question: str,
        job: Callable[[Store], T],
        *,
        yes: str,
        done: Callable[[T], Any],
        failed: Callable[[Exception], Any] | None = None,
    ) -> None:
        """Ask a yes/no question; on yes, run `job` like `run_db` (deletes, ending a focus)."""
        from floorcoach.widgets.confirm import ConfirmDialog

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.run_db(job, done=done, failed=failed)

        self.push_screen(ConfirmDialog(question, yes=yes), answered)

    def _report_failure(
        self,
        exc: Exception,
        failed: Callable[[Exception], Any] | None,
        asks_on_conflict: bool = False,
    ) -> None:
        from floorcoach.models import first_validation_message
        from floorcoach.store import ConflictError

        if asks_on_conflict and isinstance(exc, ConflictError) and failed is not None:
            failed(exc)  # the screen tells the person and asks what to do
            return
        message = first_validation_message(exc) if hasattr(exc, "errors") else str(exc)
        self.notify(
            message,
            title="Not saved" if failed else "Problem",
            severity="error",
            timeout=10,
            markup=False,
        )
        if failed is not None:
            failed(exc)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error in a worker is shown, never raised as a traceback."""
        if event.state.name == "ERROR" and event.worker.error is not None:
            self.notify(
                f"Something went wrong: {event.worker.error}",
                severity="error",
                timeout=15,
                markup=False,
            )

    # --- actions reachable from anywhere ------------------------------------------------

    async def action_quit(self) -> None:
        """ctrl+q: quit at once; a half-filled form's draft is written first, and the line
        left in the terminal says it was kept, so quitting never looks like losing it."""
        from rich.text import Text

        from floorcoach.widgets.record_form import RecordForm

        forms = [screen for screen in self.screen_stack if isinstance(screen, RecordForm)]
        kept = [label for form in forms if (label := form.keep_draft())]
        message = None
        if kept:
            message = Text(
                f"floorcoach: draft kept: your unsaved {'; '.join(kept)}. "
                "It comes back when you open that form again."
            )
        self.exit(message=message)

    def action_log_observation(self, employee: Employee | None = None) -> None:
        from floorcoach.screens.observation_form import ObservationForm

        if not self.ready:
            self.notify("Still opening the database…", timeout=3)
            return
        self.push_screen(ObservationForm(employee=employee))

    def action_log_again(self) -> None:
        """Another observation of the person observed last: in this session, or after a
        restart the person of the observation logged last today (the list on view)."""
        if self.last_employee is not None:
            self.action_log_observation(self.last_employee)
            return
        if not self.ready:
            self.notify("Still opening the database…", timeout=3)
            return
        from floorcoach import clock

        today = clock.today()

        def last_logged_today(store) -> Employee | None:
            from floorcoach.employees import get_employee
            from floorcoach.observations import observations_on

            logged = observations_on(store, today)
            if not logged:
                return None
            latest = max(logged, key=lambda observation: observation.created_at)
            return get_employee(store, latest.employee_id)

        def found(employee: Employee | None) -> None:
            if employee is None:
                self.notify("Log an observation first; then this repeats it for the same person.")
                return
            self.last_employee = employee
            self.action_log_observation(employee)

        self.run_db(last_logged_today, done=found)

    def offer_undo(self, observation: Observation) -> float:
        """For `UNDO_S` seconds after "Saved", ctrl+z deletes that observation again;
        returns them, for as long as the notice saying so shows."""
        import time

        self._undoable = (observation, time.monotonic() + UNDO_S)
        return UNDO_S

    def action_undo_save(self) -> None:
        """Undo the observation just saved: a deletion like any other, kept in its history."""
        import time

        from floorcoach.observations import delete_observation

        undoable, self._undoable = self._undoable, None
        if undoable is None or time.monotonic() > undoable[1]:
            self.notify("Nothing to undo: ctrl+z undoes a save for a few seconds after it")
            return
        observation, by = undoable[0], self.supervisor

        def undone(_: None) -> None:
            self.notify(
                f"Undone: the observation of {observation.employee_name} is deleted "
                "(its history keeps it)",
                title="Undone",
                markup=False,
            )
            self.records_changed(
                {Records.OBSERVATIONS, Records.FOLLOW_UPS}, employee_id=observation.employee_id
            )

        self.run_db(
            lambda store: delete_observation(
                store, observation.id, by=by, expected_version=observation.version
            ),
            done=undone,
        )

    def action_push(self, target: str, *args: str) -> None:
        """Open a screen named `module:Class` (under floorcoach.screens), e.g. from the palette.

        Features add screens without editing this file: a palette entry names the screen.
        """
        import importlib

        module_name, _, class_name = target.partition(":")
        module = importlib.import_module(f"floorcoach.screens.{module_name}")
        if not self.ready:
            self.notify("Still opening the database…", timeout=3)
            return
        self.push_screen(getattr(module, class_name)(*args))

    def action_jump(self, target: str, *args: str) -> None:
        """Go to a top-level screen (`module:Class`) from the palette: it replaces the
        screens above home rather than stacking on them, so one Escape leads home.

        A form with something typed in it stays: the new screen opens over it, and Escape
        comes back to it.
        """
        if not self.ready:
            self.notify("Still opening the database…", timeout=3)
            return
        while len(self.screen_stack) > 2 and not getattr(self.screen, "is_dirty", False):
            self.pop_screen()
        self.action_push(target, *args)

    def action_show_keys(self) -> None:
        """`?`: every key of the screen on view (widgets/keys_help.py)."""
        from floorcoach.widgets.keys_help import KeysHelp

        if not isinstance(self.screen, KeysHelp):
            self.push_screen(KeysHelp(self.screen))

    def action_show_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_show_employees(self) -> None:
        from floorcoach.screens.employees import EmployeesScreen

        self.push_screen(EmployeesScreen())

    def action_add_employee(self) -> None:
        from floorcoach.screens.employee_form import EmployeeForm

        self.push_screen(EmployeeForm())

    def action_import_roster(self) -> None:
        from floorcoach.screens.roster_import import RosterImportScreen

        self.push_screen(RosterImportScreen())

    def open_employee(self, employee: Employee) -> None:
        from floorcoach.screens.employee_page import EmployeePage

        self.push_screen(EmployeePage(employee))


# Screens are imported when first opened, which keeps start-up fast; `_warm_up` imports them
# in a thread once the home screen is up, so the first open of each is as quick as the next.
def warm_up_modules() -> list[str]:
    """Every module of floorcoach.screens (found by name, so a new screen is warmed up too);
    none does anything when imported but define its screen."""
    return screen_modules()


def _import_screens() -> None:
    """Import the screens, which also collects the palette's entries for its first opening."""
    import importlib

    for name in warm_up_modules():
        importlib.import_module(f"floorcoach.screens.{name}")
    palette_entries()


def _alive(callback: Callable) -> bool:
    """False for a method of a screen or widget that has closed since the work began:
    the person moved on (home, Escape) while the database answered.

    A screen leaves the stack before Textual removes its widgets, and stays attached while
    they go, so "attached" alone would let an answer reach a screen whose widgets are gone.
    """
    owner = getattr(callback, "__self__", None)
    if not isinstance(owner, DOMNode):
        return True
    if not owner.is_attached:
        return False
    try:
        return owner.screen in owner.app.screen_stack
    except NoScreen:
        return False


def _to_the_living(callback: Callable[[T], Any], value: T) -> None:
    if _alive(callback):
        callback(value)


def _if_alive(callback: Callable[[Exception], Any] | None) -> Callable[[Exception], Any] | None:
    if callback is None:
        return None

    def call(exc: Exception) -> Any:
        return callback(exc) if _alive(callback) else None

    return call
