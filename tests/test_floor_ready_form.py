"""The observation form under a hurried thumb (issue 11): numbers, letters and the filter
pick exactly what the supervisor meant, or say why not; nothing is saved by surprise."""

from __future__ import annotations

import pytest

from floorcoach.app import FloorcoachApp
from floorcoach.observations import employee_timeline
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.store import Store
from floorcoach.widgets.behaviour_picker import BehaviourPicker
from floorcoach.widgets.picker_input import SECOND_DIGIT_S

from .pilot import press_all, settle, wait_for_screen, wait_ready

SIZE = (120, 40)


async def _form_at_behaviour(app, pilot) -> ObservationForm:
    await wait_ready(app, pilot)
    await press_all(app, pilot, "o", *"amira", "enter")
    return await wait_for_screen(app, pilot, ObservationForm)


def _saved(db_path, employee):
    with Store.open(db_path) as store:
        return employee_timeline(store, employee.id)


async def test_typing_12_in_the_behaviour_list_picks_behaviour_12(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        twelfth = form.query_one(BehaviourPicker).matches[11]
        await pilot.press("1", "2")
        await settle(app, pilot)
        assert form.behaviour == twelfth
        await press_all(app, pilot, "m", "enter")
    [saved] = _saved(db_path, team[0])
    assert (saved.behaviour_id, saved.outcome.value) == (twelfth.id, "met")


async def test_one_digit_alone_picks_that_behaviour_after_a_moment(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        first = form.query_one(BehaviourPicker).matches[0]
        await press_all(app, pilot, "1")
        assert form.behaviour is None  # it could still be 10-19
        await pilot.pause(SECOND_DIGIT_S + 0.3)
        assert form.behaviour == first
        assert form.query_one("#outcome").has_focus


async def test_a_number_not_in_the_list_picks_nothing_and_says_so(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"listens")  # a short list: fewer than 9 matches
        count = len(form.query_one(BehaviourPicker).matches)
        assert 0 < count < 9
        await press_all(app, pilot, str(count + 1))
        assert form.behaviour is None
        assert f"no behaviour {count + 1}" in str(form.query_one("#status").render())


async def test_digits_never_set_the_outcome_or_the_cause(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"greets", "enter")
        assert form.query_one("#outcome").has_focus
        await press_all(app, pilot, "2", "3", "1")
        assert not form.query_one("#outcome").has_choice
        await press_all(app, pilot, "x", "3", "0")
        assert form.query_one("#cause").display
        assert not form.query_one("#cause").has_choice
        await press_all(app, pilot, "s")
        assert form.query_one("#cause").selected == "system"


async def test_a_second_cause_letter_changes_the_cause_and_never_lands_in_the_note(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"greets", "enter", "x", "w", "k")
        assert form.query_one("#cause").selected == "skill"
        assert form.query_one("#note").value == ""
        await pilot.press(*"Talked over them")
        await press_all(app, pilot, "enter")
    [saved] = _saved(db_path, team[0])
    assert (saved.outcome.value, saved.cause.value, saved.note) == (
        "missed",
        "skill",
        "Talked over them",
    )


async def test_a_note_typed_fast_after_the_cause_keeps_every_letter_and_the_cause(db_path, team):
    """Found walking a shift in tmux: "rushed" typed in one burst after `k` saved the cause
    `system` and the note "rhed": the letters that arrived before focus reached the note
    were taken as cause keys (`u` not sure, `s` system). Once a letter has started the
    note, the rest of the burst belongs to the note too."""
    from textual import events

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"greets", "enter", "x", "k")
        cause = form.query_one("#cause")
        for letter in "rushed":  # all queued before the form can move the focus
            cause.post_message(events.Key(letter, letter))
        await settle(app, pilot)
        assert cause.selected == "skill"
        assert form.query_one("#note").value == "rushed"
        await press_all(app, pilot, "enter")
    [saved] = _saved(db_path, team[0])
    assert (saved.cause.value, saved.note) == ("skill", "rushed")


async def test_enter_on_a_chosen_cause_saves(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"greets", "enter", "x", "u", "enter")
    [saved] = _saved(db_path, team[0])
    assert (saved.outcome.value, saved.cause) == ("missed", None)


async def test_hand_and_enter_picks_the_handover_not_a_description_match(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"hand")
        picker = form.query_one(BehaviourPicker)
        assert picker.matches[0].id == "floor.handover"
        await press_all(app, pilot, "enter")
        assert form.behaviour.id == "floor.handover"


async def test_a_behaviour_found_only_in_its_look_fors_says_where_and_comes_last(db_path, team):
    from textual.widgets import OptionList

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"pushchair")
        picker = form.query_one(BehaviourPicker)
        [found] = picker.matches
        options = form.query_one("#behaviour-options", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "Found elsewhere" in prompts[0]
        assert "look-for: Offers a hand to a customer with a pushchair" in prompts[1]
        await press_all(app, pilot, "ctrl+u", *"greets")  # a new filter: title matches only
        assert picker.matches[0].title.startswith("Greets")
        assert found.id not in [b.id for b in picker.matches]


async def test_enter_never_picks_a_behaviour_that_is_not_on_screen(db_path, team):
    from textual.widgets import OptionList

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        options = form.query_one("#behaviour-options", OptionList)
        options.scroll_end(animate=False, immediate=True)  # the highlight scrolled away
        await settle(app, pilot)
        await press_all(app, pilot, "enter")
        assert form.behaviour is None
        assert "not on screen" in str(form.query_one("#status").render())
        await press_all(app, pilot, "enter")  # now it is in view
        assert form.behaviour == form.query_one(BehaviourPicker).matches[0]


async def test_an_ambiguous_name_says_so_shows_both_and_takes_neither_on_enter(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"ben", "enter")
        form = await wait_for_screen(app, pilot, ObservationForm)
        assert form.employee is None
        notice = str(form.query_one("#employee-ambiguous").render())
        assert "'ben' matches 2 employees" in notice
        assert "Ben Carter (ref 000125, team Home)" in notice
        assert "Ben Nowak (ref 000124, team Fashion)" in notice
        await press_all(app, pilot, "down", "enter")  # the second one, chosen on purpose
        assert form.employee is not None and form.employee.name == "Ben Carter"


async def test_a_whole_name_among_several_matches_is_that_person(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"ben carter", "enter")
        form = await wait_for_screen(app, pilot, ObservationForm)
        assert form.employee is not None and form.employee.name == "Ben Carter"


async def test_ctrl_z_right_after_saving_deletes_it_and_the_history_keeps_it(db_path, team):
    from floorcoach.observations import history

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", *"greets", "enter", "m", "enter")
        [saved] = _saved(db_path, team[0])
        assert any("ctrl+z undoes it" in n.message for n in app._notifications)
        await press_all(app, pilot, "ctrl+z")
        assert _saved(db_path, team[0]) == []
        assert any("Undone" in n.message for n in app._notifications)
    with Store.open(db_path) as store:
        actions = [entry.action for entry in history(store, "observation", saved.id)]
    assert actions == ["create", "delete"]


async def test_ctrl_z_does_nothing_once_the_notice_has_gone(db_path, team, monkeypatch):
    import floorcoach.app as app_module

    monkeypatch.setattr(app_module, "UNDO_S", 0.2)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", *"greets", "enter", "m", "enter")
        await pilot.pause(0.4)
        await press_all(app, pilot, "ctrl+z")
    assert len(_saved(db_path, team[0])) == 1


async def test_the_same_observation_within_a_minute_asks_and_enter_saves_it_once(db_path, team):
    from floorcoach.widgets.choice_dialog import ChoiceDialog

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", *"greets", "enter", "m", "enter")
        await press_all(app, pilot, "a", *"greets", "enter", "m", "enter")
        assert isinstance(app.screen, ChoiceDialog)
        assert "Save the same observation again?" in str(
            app.screen.query_one("#choice-body").render()
        )
        await press_all(app, pilot, "enter")  # the hurried double Enter: not saved twice
        assert isinstance(app.screen, ObservationForm)
        assert len(_saved(db_path, team[0])) == 1
        await press_all(app, pilot, "ctrl+s", "y")  # on purpose
        assert not isinstance(app.screen, ObservationForm)
        await press_all(app, pilot, "a", *"greets", "enter", "e", "enter")  # another outcome
        assert not isinstance(app.screen, (ObservationForm, ChoiceDialog))
    assert sorted(o.outcome.value for o in _saved(db_path, team[0])) == [
        "exceeded",
        "met",
        "met",
    ]


async def test_at_80x24_the_when_field_scrolls_into_view_when_focused(db_path, team):
    from textual.widgets import Input

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", *"greets", "enter", "x", "k")
        form = app.screen
        when = form.query_one("#when", Input)
        story = form.query_one("#story")
        for field in (story, when):
            field.focus()
            await settle(app, pilot)
            await pilot.pause(0.1)
            visible = form.query_one("#detail-column").region
            top, bottom = field.region.y, field.region.bottom
            assert visible.y <= top and bottom <= visible.bottom, f"{field.id} is off screen"


async def test_the_focus_form_opens_in_the_filter_and_keys_choose_in_order(db_path, team):
    from textual.widgets import Input

    from floorcoach.screens.focus import FocusForm, FocusScreen

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        app.action_push("focus:FocusScreen")
        await wait_for_screen(app, pilot, FocusScreen)
        await press_all(app, pilot, "n")
        form = await wait_for_screen(app, pilot, FocusForm)
        await settle(app, pilot)
        assert app.focused is form.query_one("#focus-filter")
        starts = form.query_one("#focus-start", Input).value
        await pilot.press(*"greet")
        await settle(app, pilot)
        shown = form.query_one("#focus-behaviours")
        first, second = (shown.get_option_at_index(i).value for i in (0, 1))
        for key in ("enter", "down", "enter"):  # at a slow walking pace, none is lost
            await pilot.press(key)
            await pilot.pause(0.5)
        assert form._chosen == [first, second]
        await pilot.press("s")  # typing goes on into the filter, never a date field
        await settle(app, pilot)
        assert form.query_one("#focus-filter", Input).value == "greets"
        assert form.query_one("#focus-start", Input).value == starts


async def test_a_system_caused_miss_after_coaching_is_not_called_not_observed(
    db_path, team, monkeypatch
):
    from textual.widgets import Static

    from floorcoach.coaching import CoachingInput, create_coaching
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation
    from floorcoach.screens.coaching_record import CoachingRecordScreen

    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T10:00:00+00:00")
    with Store.open(db_path) as store:
        session = create_coaching(
            store,
            CoachingInput(
                employee_id=team[0].id,
                kind="corrective",
                behaviour_ids=["greeting.eye-contact"],
                said="We talked.",
                agreed_action="Greet sooner.",
            ),
            supervisor="Test Supervisor",
        )
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-26T10:00:00+00:00")
    with Store.open(db_path) as store:
        log_observation(
            store,
            ObservationInput(
                employee_id=team[0].id,
                behaviour_id="greeting.eye-contact",
                outcome="missed",
                cause="system",
            ),
            supervisor="Test Supervisor",
        )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        app.push_screen(CoachingRecordScreen(session.id))
        record = await wait_for_screen(app, pilot, CoachingRecordScreen)
        await settle(app, pilot)
        stick = str(record.query_one("#record-stick", Static).content)
        assert "not observed yet" not in stick
        assert "observed 1 time, only misses the system caused (not counted)" in stick


# --- small slips (issue 11, item 14) ----------------------------------------------------


async def _wait_for_draft(pilot, db_path, form: str, field: str, value: str) -> None:
    from floorcoach.drafts import load_draft

    for _ in range(200):
        draft = load_draft(db_path, form)
        if draft is not None and draft.fields.get(field) == value:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the {form} draft was not written")


async def test_a_restored_coaching_draft_keeps_its_carry_forward_section(db_path, store, team):
    from floorcoach.coaching import CoachingInput, create_coaching
    from floorcoach.screens.coaching_form import CoachingForm

    from .conftest import SUPERVISOR

    earlier = CoachingInput(
        employee_id=team[0].id,
        kind="corrective",
        behaviour_ids=["greeting.eye-contact"],
        said="Talked about the queue",
        agreed_action="Look up and greet within ten seconds",
    )
    create_coaching(store, earlier, supervisor=SUPERVISOR)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await app.run_action("push('coaching_form:CoachingForm')")
        await settle(app, pilot)
        await press_all(app, pilot, *"amira", "enter", "1", "c")
        await pilot.press(*"Back to the greeting")
        await _wait_for_draft(pilot, db_path, "coaching", "said", "Back to the greeting")
        await press_all(app, pilot, "ctrl+q")

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await app.run_action("push('coaching_form:CoachingForm')")
        form = await wait_for_screen(app, pilot, CoachingForm)
        await settle(app, pilot)
        assert form.query_one("#said").value == "Back to the greeting"  # restored
        agenda = form.query_one("#agenda")
        assert agenda.display and form.query_one("#agenda-label").display
        assert "Look up and greet within ten seconds" in str(agenda.content)


@pytest.mark.parametrize("form", ["observation", "coaching"])
async def test_quitting_a_half_filled_form_says_the_draft_is_kept(db_path, team, capsys, form):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        if form == "observation":
            await press_all(app, pilot, "o", *"amira", "enter", *"greets", "enter", "x", "k")
            await pilot.press(*"queue")  # quit at once: not waiting for the half-second save
        else:
            await app.run_action("push('coaching_form:CoachingForm')")
            await settle(app, pilot)
            await press_all(app, pilot, *"amira", "enter", "1", "c")
            await pilot.press(*"queue")
        capsys.readouterr()
        await pilot.press("ctrl+q")
    said = capsys.readouterr().err
    assert "kept" in said and "Amira Okafor" in said, said
    from floorcoach.drafts import load_draft

    draft = load_draft(db_path, form)
    assert draft is not None
    assert draft.fields["note" if form == "observation" else "said"] == "queue"


async def test_quitting_with_nothing_typed_says_nothing_about_drafts(db_path, team, capsys):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o")
        capsys.readouterr()
        await pilot.press("ctrl+q")
    assert "kept" not in capsys.readouterr().err


async def test_after_a_restart_a_logs_again_for_the_last_person_on_todays_list(
    db_path, store, team
):
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation

    from .conftest import SUPERVISOR
    from .pilot import wait_for_rows

    for person in (team[1], team[0]):  # Amira last
        data = ObservationInput(
            employee_id=person.id, behaviour_id="greeting.eye-contact", outcome="met"
        )
        log_observation(store, data, supervisor=SUPERVISOR)
    app = FloorcoachApp(db_path=db_path)  # a fresh start: nothing logged in this session
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_ready(app, pilot)
        await wait_for_rows(app, pilot, "#today")
        await press_all(app, pilot, "a")
        messages = [n.message for n in app._notifications]
        assert not [m for m in messages if "Log an observation first" in m]
        form = await wait_for_screen(app, pilot, ObservationForm)
        assert form.employee is not None and form.employee.id == team[0].id


async def test_a_with_nothing_logged_today_still_says_to_log_one_first(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "a")
        assert any("Log an observation first" in n.message for n in app._notifications)
        assert not isinstance(app.screen, ObservationForm)


async def test_palette_jumps_to_top_level_screens_replace_rather_than_stack(db_path, team):
    from floorcoach.screens.employees import EmployeesScreen
    from floorcoach.screens.home import HomeScreen

    from .pilot import choose_in_palette

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        for title in ("Follow-ups", "Team review", "Stories", "Process issues", "Employees"):
            await choose_in_palette(app, pilot, title, title)
        await wait_for_screen(app, pilot, EmployeesScreen)
        assert [type(s) for s in app.screen_stack[1:]] == [HomeScreen, EmployeesScreen]
        await press_all(app, pilot, "escape")
        assert isinstance(app.screen, HomeScreen)


async def test_a_palette_jump_never_drops_a_half_filled_form(db_path, team):
    from floorcoach.screens.followups import FollowUpsScreen

    from .pilot import choose_in_palette

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        await press_all(app, pilot, *"greets", "enter", "m")
        await choose_in_palette(app, pilot, "Follow-ups", "Follow-ups")
        await wait_for_screen(app, pilot, FollowUpsScreen)
        await press_all(app, pilot, "escape")
        assert app.screen is form
        assert form.query_one("#outcome").selected == "met"


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_story_checkbox_reads_unticked_until_ticked(db_path, team, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _form_at_behaviour(app, pilot)
        box = form.query_one("#story")
        assert box.render().plain.startswith("[ ] Story")
        await press_all(app, pilot, "ctrl+t")
        assert box.render().plain.startswith("[x] Story")
