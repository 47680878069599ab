"""One coaching session in full: the conversation, each follow-up, did it stick — and the
supervisor's private note, which is shown here and nowhere else."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.close_follow_up import close_by_hand
from floorcoach.widgets.read_only import unless_read_only
from floorcoach.widgets.record_text import outcome_text
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import measure_now

STATUS_STYLE = {"open": "yellow", "held": "green", "not_yet": "red", "closed": "dim"}
HISTORY_FIELDS = (
    "kind",
    "held_at",
    "said",
    "agreed_action",
    "follow_up_due",
    "behaviour_ids",
    "acknowledged",
    "employee_comment",
    "private_note",
    "status",
    "result_observation_id",
    "closed_note",
)


def _line(label: str, value: str) -> Text:
    text = Text()
    text.append(f"{label}: ", style="bold")
    text.append(safe_text(value, keep_newlines=True) or "–")
    return text


class CoachingRecordScreen(ShowsRecords, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back-from-coaching"),
        Binding("e", "edit", "Edit", id="edit-coaching"),
        # Short labels: the footer fits 80 columns with `?` (the tooltip is what `?` says).
        Binding(
            "x",
            "close_follow_up",
            "Close by hand",
            id="record-close-follow-up",
            tooltip="close a follow-up by hand",
        ),
        Binding("h", "history", "History", id="coaching-history"),
        Binding("delete,ctrl+d", "delete", "Delete", id="delete-coaching", show=False),
    ]

    # The session, its follow-ups, did it stick, the linked observations, the names.
    SHOWS = frozenset(
        {Records.COACHING, Records.FOLLOW_UPS, Records.OBSERVATIONS, Records.EMPLOYEES}
    )

    def __init__(self, coaching_id: str) -> None:
        super().__init__()
        self.coaching_id = coaching_id
        self.session = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="record-body"):
            yield Static("", id="record-header")
            yield Static("", id="record-conversation")
            yield Static("Did it stick", classes="field-label")
            yield Static("", id="record-stick")
            yield Static("Follow-ups (x closes the selected one by hand)", classes="field-label")
            yield DataTable(id="record-follow-ups", cursor_type="row")
            yield Static("Linked observations", classes="field-label")
            yield Static("", id="record-observations")
            yield Static(
                "Private note (yours: shown only here, never exported)", classes="field-label"
            )
            yield Static("", id="record-private")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Coaching record"
        table = self.query_one("#record-follow-ups", DataTable)
        table.add_columns("Behaviour", "Due", "Status", "Result")
        self.refresh_data()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        from floorcoach.coaching import get_coaching, linked_observations
        from floorcoach.coaching_progress import did_it_stick

        coaching_id = self.coaching_id

        def job(store):
            session = get_coaching(store, coaching_id, include_private=True)
            return session, did_it_stick(store, session), linked_observations(store, coaching_id)

        self.app.run_db(job, done=self._show, group=f"coaching-{coaching_id}", exclusive=True)

    def _show(self, result) -> None:
        session, stick, observations = result
        self.session = session
        held = clock.to_local(session.held_at)
        header = Text(safe_text(session.employee_name), style="bold")
        header.append(
            f"   {session.kind.value} coaching · {held:%a %d %b %Y %H:%M} · "
            f"by {safe_text(session.supervisor)} · {session.status}"
        )
        self.query_one("#record-header", Static).update(header)
        conversation = Text()
        conversation.append_text(_line("Behaviours", ", ".join(session.behaviour_titles)))
        conversation.append("\n")
        conversation.append_text(_line("What was said", session.said))
        conversation.append("\n")
        conversation.append_text(_line("Agreed action", session.agreed_action))
        conversation.append("\n")
        conversation.append_text(_line("Follow up by", f"{session.follow_up_due:%a %d %b %Y}"))
        conversation.append("\n")
        response = "acknowledged" if session.acknowledged else "not acknowledged"
        if session.employee_comment:
            response += f' — "{session.employee_comment}"'
        conversation.append_text(_line("Their response", response))
        self.query_one("#record-conversation", Static).update(conversation)
        self.query_one("#record-stick", Static).update(Text(stick.describe()))
        table = self.query_one("#record-follow-ups", DataTable)
        table.clear()
        for f in session.follow_ups:
            if f.status.value in ("held", "not_yet"):
                checked = clock.to_local(f.checked_at) if f.checked_at else None
                outcome = f.result_outcome or "(observation deleted)"
                result_text = Text(f"seen {checked:%d %b}: " if checked else "")
                result_text.append(outcome)
            elif f.status.value == "closed":
                result_text = Text(f"by hand: {safe_text(f.closed_note, limit=60)}")
            else:
                result_text = Text("waiting for the next observation", style="dim")
            table.add_row(
                Text(safe_text(f.behaviour_title, limit=44)),
                f"{f.due:%d %b}",
                Text(f.status.value.replace("_", " "), style=STATUS_STYLE[f.status.value]),
                result_text,
                key=f.behaviour_id,
            )
        measure_now(table)
        obs_text = Text()
        for index, obs in enumerate(observations):
            if index:
                obs_text.append("\n")
            obs_text.append(f"{clock.to_local(obs.observed_at):%d %b %H:%M}  ")
            obs_text.append(safe_text(obs.behaviour_title, limit=40) + "  ")
            obs_text.append_text(
                outcome_text(obs.outcome.value, obs.cause.value if obs.cause else None)
            )
            if obs.note:
                obs_text.append("  " + safe_text(obs.note, limit=60))
        self.query_one("#record-observations", Static).update(obs_text or Text("none"))
        self.query_one("#record-private", Static).update(
            Text(safe_text(session.private_note, keep_newlines=True) or "–")
        )

    def _selected_follow_up(self):
        table = self.query_one("#record-follow-ups", DataTable)
        if self.session is None or table.cursor_row is None:
            return None
        follow_ups = self.session.follow_ups
        if not follow_ups:
            return None
        return follow_ups[min(table.cursor_row, len(follow_ups) - 1)]

    def action_edit(self) -> None:
        if self.session is not None:  # another supervisor's session (pulled) says so first
            unless_read_only(self.app, "coaching_session", self.session.id, self._edit)

    def _edit(self) -> None:
        from floorcoach.screens.coaching_form import CoachingForm

        if self.session is not None:
            self.app.push_screen(CoachingForm(editing=self.session))

    def action_close_follow_up(self) -> None:
        follow_up = self._selected_follow_up()
        if follow_up is None:
            return
        if follow_up.status.value != "open":
            self.notify("This follow-up is already closed", timeout=3)
            return
        close_by_hand(self, follow_up)

    def action_history(self) -> None:
        from floorcoach.coaching import coaching_history
        from floorcoach.screens.history import HistoryScreen

        coaching_id = self.coaching_id
        self.app.run_db(
            lambda store: coaching_history(store, coaching_id),
            done=lambda entries: self.app.push_screen(
                HistoryScreen(entries, fields=HISTORY_FIELDS)
            ),
        )

    def action_delete(self) -> None:
        if self.session is not None:  # another supervisor's session (pulled) says so first
            unless_read_only(self.app, "coaching_session", self.session.id, self._delete)

    def _delete(self) -> None:
        from floorcoach.coaching import delete_coaching

        session = self.session
        if session is None:
            return
        by = self.app.supervisor
        self.app.confirm_then(
            f"Delete this coaching session with {session.employee_name} and its "
            "follow-ups? The history keeps what it said.",
            lambda store: delete_coaching(
                store, session.id, by=by, expected_version=session.version
            ),
            yes="Delete",
            done=lambda _: (
                self.notify("Deleted; the history keeps a record of it"),
                self.app.records_changed(
                    {Records.COACHING, Records.FOLLOW_UPS}, employee_id=session.employee_id
                ),
                self.dismiss(None),
            ),
        )
