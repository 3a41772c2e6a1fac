"""What questionary does not do on its own: no answer chosen until the person chooses one.

questionary's select points at its first item, so Enter alone records it, and its filter
points at the first item containing what was typed ("Other" highlights "Risk to other
adults"). Here a select starts with nothing highlighted unless a recorded answer is being
repeated, the exact match of what was typed wins, and Enter on nothing (or on a filter that
matches nothing) is refused with a message beside the list. The yes/no question is our own
for the same reason: questionary's confirm always has a default. Ctrl-B asks to go back,
where the caller allows it (the wizard).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prompt_toolkit.formatted_text import FormattedText

BACK_KEY = "c-b"
_back_allowed = [False]


class GoBack(Exception):
    """The person pressed Ctrl-B: return to the previous question or step."""


@contextmanager
def back_allowed() -> Iterator[None]:
    """Within this block Ctrl-B raises GoBack from any question."""
    _back_allowed.append(True)
    try:
        yield
    finally:
        _back_allowed.pop()


def can_go_back() -> bool:
    return _back_allowed[-1]


def add_back_key(application: Any) -> None:
    """Give APPLICATION the back key (ahead of its own bindings) when going back is allowed."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    if not can_go_back():
        return
    keys = KeyBindings()

    @keys.add(BACK_KEY, eager=True)
    def _back(event: Any) -> None:
        event.app.exit(exception=GoBack())

    application.key_bindings = merge_key_bindings([application.key_bindings, keys])


def _error(text: str) -> FormattedText:
    return FormattedText([("class:validation-toolbar", text)])


def _control(question: Any) -> Any:
    from questionary.prompts.common import InquirerControl

    for control in question.application.layout.find_all_controls():
        if isinstance(control, InquirerControl):
            return control
    raise RuntimeError("questionary changed: no list control in the question")  # a programming error


def best_match(titles: list[str], typed: str) -> int:
    """Where the filter should point among TITLES (those containing TYPED): an exact match wins."""
    lowered = typed.strip().lower()
    for i, title in enumerate(titles):
        if title.lower() == lowered:
            return i
    return 0


def _repoint(ic: Any, start: int) -> None:
    """After the filter changed: the exact match, the first match, or nothing when none matches."""
    if not ic.search_filter:
        ic.pointed_at = start
        return
    titles = [c.title for c in ic.filtered_choices]
    ic.pointed_at = best_match(titles, ic.search_filter) if ic.found_in_search else -1


def _show_message_line(question: Any, message: Callable[[], Any]) -> None:
    """A line right under the list for MESSAGE, in place of questionary's toolbar, which sits at
    the screen's foot and is not drawn where the terminal does not report the cursor position
    (PROMPT_TOOLKIT_NO_CPR, some Windows consoles)."""
    from prompt_toolkit.filters import Condition, is_done
    from prompt_toolkit.layout import ConditionalContainer, FormattedTextControl, HSplit, Layout, Window

    parts = list(question.application.layout.container.children)
    if parts and isinstance(parts[-1], ConditionalContainer):
        parts.pop()  # questionary's validation toolbar: its message comes in our line instead
    line = ConditionalContainer(
        Window(FormattedTextControl(message), height=1),
        filter=Condition(lambda: message() is not None) & ~is_done,
    )
    question.application.layout = Layout(HSplit([*parts, line]))


def no_preselection(question: Any, *, start: int, refuse_unchosen: bool) -> None:
    """Make a questionary select/checkbox point at START (-1: nothing) and filter by best match.

    With REFUSE_UNCHOSEN (a select), Enter with nothing highlighted is refused beside the list.
    """
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from prompt_toolkit.keys import Keys

    ic = _control(question)
    ic.pointed_at = start
    typed_one = ic.add_search_character
    note: list[FormattedText | None] = [None]  # our line under the list (questionary's toolbar is for its own checks)

    def add_search_character(char: Any) -> None:
        typed_one(char)
        note[0] = None
        _repoint(ic, start)
        if ic.search_filter and not ic.found_in_search:
            note[0] = _error(f"Nothing matches {ic.search_filter!r}: Backspace to change it.")

    ic.add_search_character = add_search_character
    _show_message_line(question, lambda: note[0] or ic.error_message)  # ours, or the checkbox's own check
    keys = KeyBindings()

    def move(step: int) -> Callable[[Any], None]:
        def handler(event: Any) -> None:
            note[0] = None
            count = ic.choice_count
            if ic.pointed_at < 0:
                ic.pointed_at = 0 if step > 0 else count - 1
            else:
                ic.pointed_at = (ic.pointed_at + step) % count
            while not ic.is_selection_valid():
                ic.pointed_at = (ic.pointed_at + step) % count

        return handler

    keys.add(Keys.Down, eager=True)(move(1))
    keys.add(Keys.Up, eager=True)(move(-1))
    if not refuse_unchosen:

        @keys.add(" ", eager=True)
        def _tick(event: Any) -> None:
            if ic.pointed_at < 0:  # the filter matches nothing: tick nothing
                return
            value = ic.get_pointed_at().value
            if value in ic.selected_options:
                ic.selected_options.remove(value)
            else:
                ic.selected_options.append(value)

    if refuse_unchosen:

        @keys.add(Keys.ControlM, eager=True)
        def _enter(event: Any) -> None:
            if ic.pointed_at < 0:
                note[0] = _error("Choose one: arrow keys or type to filter, then Enter.")
                return
            ic.is_answered = True
            event.app.exit(result=ic.get_pointed_at().value)

    question.application.key_bindings = merge_key_bindings([question.application.key_bindings, keys])


def yes_no(message: str, *, default: bool | None, recorded: bool = False, qmark: str = "?") -> Any:
    """A yes/no question; with no DEFAULT, Enter alone is refused until y or n is typed.

    A RECORDED default repeats what the case already holds, and the hint says so.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys
    from questionary.question import Question
    from questionary.styles import merge_styles_default

    status: dict[str, Any] = {"answer": None, "done": False, "error": None}
    hint = {None: "(y/n)", True: "(Y/n)", False: "(y/N)"}[default]
    if recorded and default is not None:
        hint = f"(y/n; Enter keeps the recorded answer: {'Yes' if default else 'No'})"

    def tokens() -> FormattedText:
        out = [("class:qmark", qmark), ("class:question", f" {message} ")]
        if not status["done"]:
            out.append(("class:instruction", hint + " "))
        if status["error"] is not None:
            out.append(("class:validation-toolbar", status["error"] + " "))
        if status["answer"] is not None:
            out.append(("class:answer", "Yes" if status["answer"] else "No"))
        return FormattedText(out)

    keys = KeyBindings()

    def finish(event: Any) -> None:
        status["done"] = True
        event.app.exit(result=status["answer"])

    @keys.add(Keys.ControlQ, eager=True)
    @keys.add(Keys.ControlC, eager=True)
    def _stop(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    def answer(value: bool) -> Callable[[Any], None]:
        def handler(event: Any) -> None:
            status["answer"], status["error"] = value, None
            finish(event)

        return handler

    for key, value in (("y", True), ("Y", True), ("n", False), ("N", False)):
        keys.add(key)(answer(value))

    @keys.add(Keys.ControlM, eager=True)
    def _enter(event: Any) -> None:
        if default is None:
            status["error"] = "Type y for yes or n for no."
            return
        status["answer"] = default
        finish(event)

    @keys.add(Keys.Any)
    def _other(event: Any) -> None:
        """Nothing else is an answer."""

    session: PromptSession[Any] = PromptSession(
        tokens,
        key_bindings=keys,
        style=merge_styles_default([None]),
    )
    return Question(session.app)
