"""A reply as search hands it out: its steps, each a text to send or a wait.

Kept apart from model.py (which loads and checks KB files): a search renders
stored replies and needs nothing else of the loader.
"""

from __future__ import annotations

from typing import NamedTuple

# NamedTuples, not dataclasses: every ``cstool search`` creates these classes on start, and a
# dataclass costs ~0.6 ms to create (its methods are generated code), a NamedTuple ~0.1.


class Step(NamedTuple):
    """One step of a reply: ``say`` text to send, or ``wait`` before the next step."""

    kind: str  # "say" | "wait"
    text: str


class Reply(NamedTuple):
    steps: tuple[Step, ...]

    @property
    def is_script(self) -> bool:
        return len(self.steps) > 1

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.steps if s.kind == "say")
