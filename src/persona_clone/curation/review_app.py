"""
The review screen: one example at a time, ``k`` keep, ``d`` drop, ``u`` undo, ``q`` quit.

It runs in the terminal with prompt_toolkit (the ``review`` extra): a small,
well-kept library for full-screen terminal programs, enough for one screen and
four keys, where a UI framework such as Textual would bring far more. Every
decision is saved at once through *save*, so closing the terminal loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import define, field

from .decisions import Decision, ReviewState, example_key
from .flags import Flag


__all__ = ["Review", "load_prompt_toolkit"]

EXTRA_HINT = "pip install 'persona-clone[review]'"


def load_prompt_toolkit() -> Any:
    """
    Import prompt_toolkit.

    Raises:
        ImportError: It is not installed; the message names the extra to install.
    """
    try:
        import prompt_toolkit  # noqa: PLC0415 -- optional dependency
    except ImportError as error:
        msg = f"the review screen needs prompt_toolkit: {EXTRA_HINT}"
        raise ImportError(msg) from error
    return prompt_toolkit


@define
class Review:
    """
    A review in progress: the examples, their flags, the decisions and where it is.

    Args:
        examples: The chat-format examples, in file order.
        flags: Each example's persona turns' flags, by message index.
        state: The decisions so far.
        save: Saves *state* (called after every decision).
        title: Shown at the top (the dataset's name).
    """

    examples: Sequence[Mapping[str, Any]]
    flags: Sequence[Mapping[int, frozenset[Flag]]]
    state: ReviewState
    save: Callable[[], None]
    title: str = ""
    keys: list[str] = field(init=False)
    position: int = field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        self.keys = [example_key(example) for example in self.examples]
        self.position = self.state.first_undecided(self.keys)

    @property
    def done(self) -> bool:
        """Whether every example is decided."""
        return self.position >= len(self.examples)

    def decide(self, decision: Decision) -> None:
        """Decide the current example, save, and move to the next undecided one."""
        if self.done:
            return
        self.state.decide(self.keys[self.position], decision)
        self.save()
        following = self.state.first_undecided(self.keys[self.position :])
        self.position += following

    def undo(self) -> None:
        """Take back the latest decision and show that example again."""
        key = self.state.undo()
        if key is None:
            return
        self.save()
        self.position = self.keys.index(key)

    def header(self) -> str:
        """The status line."""
        decided = self.state.decisions
        dropped = sum(1 for key in self.keys if decided.get(key) is Decision.DROP)
        kept = sum(1 for key in self.keys if decided.get(key) is Decision.KEEP)
        left = sum(1 for key in self.keys if key not in decided)
        where = "all decided" if self.done else f"example {self.position + 1}/{len(self.examples)}"
        return f" {self.title}  {where}  kept {kept}  dropped {dropped}  left {left}"

    def lines(self) -> list[tuple[str, str]]:
        """The current example as (style, text) fragments, persona turns marked."""
        if self.done:
            return [("", "\n Every example is decided. u: undo the last decision, q: quit.\n")]
        example = self.examples[self.position]
        flags = self.flags[self.position]
        fragments: list[tuple[str, str]] = []
        for index, message in enumerate(example.get("messages", ())):
            role = message.get("role")
            text = str(message.get("content", "")).replace("\n", "\n    ")
            if role == "assistant":
                found = flags.get(index, frozenset())
                marks = f"   [{', '.join(sorted(f.value for f in found))}]" if found else ""
                fragments.append(("class:persona", f"> persona: {text}"))
                fragments.append(("class:flag", f"{marks}\n"))
            elif role == "system":
                fragments.append(("class:system", f"  (system) {text}\n"))
            else:
                fragments.append(("", f"  {message.get('name') or 'user'}: {text}\n"))
        return fragments

    def run(self, *, input: Any = None, output: Any = None) -> None:  # noqa: A002
        """
        Show the review in the terminal until ``q`` (or Ctrl-C).

        Args:
            input: A prompt_toolkit input (tests pass a pipe; default: the terminal).
            output: A prompt_toolkit output (default: the terminal).

        Raises:
            ImportError: prompt_toolkit is not installed.
        """
        load_prompt_toolkit()
        from prompt_toolkit.application import Application  # noqa: PLC0415
        from prompt_toolkit.key_binding import KeyBindings  # noqa: PLC0415
        from prompt_toolkit.layout import HSplit, Layout, Window  # noqa: PLC0415
        from prompt_toolkit.layout.controls import FormattedTextControl  # noqa: PLC0415
        from prompt_toolkit.styles import Style  # noqa: PLC0415

        def keep(_event: Any) -> None:
            self.decide(Decision.KEEP)

        def drop(_event: Any) -> None:
            self.decide(Decision.DROP)

        def undo(_event: Any) -> None:
            self.undo()

        def leave(event: Any) -> None:
            self.save()
            event.app.exit()

        bindings = KeyBindings()
        for key, action in (("k", keep), ("d", drop), ("u", undo), ("q", leave), ("c-c", leave)):
            bindings.add(key)(action)

        layout = Layout(
            HSplit(
                [
                    Window(
                        FormattedTextControl(lambda: [("class:header", self.header())]), height=1
                    ),
                    Window(FormattedTextControl(self.lines), wrap_lines=True),
                    Window(
                        FormattedTextControl(
                            [("class:footer", " k keep   d drop   u undo   q save and quit")]
                        ),
                        height=1,
                    ),
                ]
            )
        )
        style = Style.from_dict(
            {
                "header": "reverse bold",
                "footer": "reverse",
                "persona": "bold fg:ansiyellow",
                "flag": "fg:ansired",
                "system": "italic",
            }
        )
        application: Any = Application(
            layout=layout,
            key_bindings=bindings,
            style=style,
            full_screen=True,
            input=input,
            output=output,
        )
        application.run()
