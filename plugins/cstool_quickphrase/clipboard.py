"""Copying a reply to the system clipboard, or saying clearly why it could not."""

from __future__ import annotations

NO_CLIPBOARD = "（这台机器没有可用的剪贴板，例如没有图形界面的服务器：请直接复制上面的回复。）"


def copy(text: str) -> str | None:
    """Copy ``text``; return None on success, else a Chinese note for the agent."""
    try:
        import pyperclip
    except ImportError:  # pragma: no cover - a declared dependency
        return NO_CLIPBOARD
    try:
        pyperclip.copy(text)
    except Exception:  # pyperclip raises its own exception (or OSError) when no clipboard exists
        return NO_CLIPBOARD
    return None
