"""Small shared helpers: atomic file writes, progress bars and progress reporting, and
text from inputs made safe to show.

Every long step runs inside `progress_bar`, which draws a tqdm bar (CLI) and also tells
the callback installed by `reporting` (the web UI's progress bar), which may cancel the
run by raising `Cancelled`.

Text from inputs may carry bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE makes
`invoice\u202etxt.exe` read as "invoiceexe.txt") and terminal controls. In a name (a file,
an id, a message) `visible_controls` shows them as `<U+202E>`; in article text
`isolate_bidi` keeps them, closed within the text, so they cannot reorder what follows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import regex
from tqdm.auto import tqdm

# (what is being done, how many done, out of how many)
ProgressCallback = Callable[[str, int, int], None]
_reporter: ContextVar[ProgressCallback | None] = ContextVar("summarizer_progress", default=None)


class Cancelled(BaseException):  # like asyncio.CancelledError: not an error
    """The run was cancelled by the user; a BaseException so no retry loop swallows it."""


def dense(values: Any) -> Any:
    """``values`` as a dense numpy array, whether a product of dense or of sparse rows."""
    import numpy as np

    return np.asarray(values.toarray() if hasattr(values, "toarray") else values)


def atomic_write(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    tmp = write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_temp(path: str | os.PathLike[str], text: str) -> Path:
    """``text`` on disk in a temporary file beside ``path`` (``.NAME.*.tmp``), for the caller
    to `os.replace` onto ``path`` or delete; a failed write (disk full) leaves nothing."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal rights
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


# Bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069): each changes
# the display order of what follows it, up to its closer or the end of the line.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_OPEN = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
         "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}  # fmt: skip
FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate
# In a name: those, the bidi marks (LRM, RLM, ALM), and terminal controls (C0 but tab,
# DEL, C1): a newline or an escape sequence in a file name must not make a line of its own.
_IN_NAMES = regex.compile(f"[{BIDI_CONTROLS}\u200e\u200f\u061c\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f]")
_BIDI = regex.compile(f"[{BIDI_CONTROLS}]")


def visible_controls(text: str) -> str:
    """``text`` (a name, an id, a path, a message) with each bidi or terminal control shown
    as ``<U+202E>``, so that what it says is what a reader sees."""
    return _IN_NAMES.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def isolate_bidi(text: str) -> str:
    """Article text whose bidi controls cannot act past its end: closers that close
    nothing dropped, what is left open closed, and the whole wrapped in an isolate
    (FSI ... PDI). Text without them is returned as it is (right-to-left text needs none).
    """
    if not _BIDI.search(text):
        return text
    out: list[str] = []
    stack: list[str] = []  # the closer each open embedding or isolate waits for
    for ch in text:
        if ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch == "\u202c":  # PDF: only an embedding opened inside the innermost isolate
            if not stack or stack[-1] != "\u202c":
                continue
            stack.pop()
        elif ch == PDI:  # closes its isolate and every embedding opened inside it
            if PDI not in stack:
                continue
            while stack.pop() != PDI:
                pass
        out.append(ch)
    return FSI + "".join(out) + "".join(reversed(stack)) + PDI


def weights_fingerprint(folder: Path) -> list[list[Any]]:
    """Name, size and time of a model folder's weight files: replaced weights change it."""
    files = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class BarSafeHandler(logging.StreamHandler):
    """A log handler that writes through `tqdm.write`: a line logged while progress bars
    are drawn clears them, goes on a line of its own, and the bars are drawn again below it
    (a plain handler wrote into the bar's line, and the bar's next redraw over the log)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=self.stream)
            self.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


class Bar:
    """A tqdm bar that also reports each update to the installed progress callback."""

    def __init__(self, total: int, desc: str, enabled: bool, unit: str = "seg") -> None:
        self.total, self.desc, self.n = total, desc, 0
        self._bar = tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False)
        report(desc, 0, total)

    def update(self, n: int = 1) -> None:
        self._bar.update(n)
        self.n += n
        report(self.desc, self.n, self.total)

    def close(self) -> None:
        self._bar.close()


@contextlib.contextmanager
def progress_bar(total: int, desc: str, enabled: bool, unit: str = "seg") -> Iterator[Bar]:
    """A tqdm bar on stderr (silent when progress is off) that also reports to `reporting`."""
    bar = Bar(total, desc, enabled, unit)
    try:
        yield bar
    finally:
        bar.close()


@contextlib.contextmanager
def reporting(callback: ProgressCallback | None) -> Iterator[None]:
    """Send every progress update made in this context (this thread) to ``callback``."""
    token = _reporter.set(callback)
    try:
        yield
    finally:
        _reporter.reset(token)


def report(stage: str, done: int, total: int) -> None:
    """Tell the installed callback, if any; it may raise Cancelled."""
    callback = _reporter.get()
    if callback is not None:
        callback(stage, done, total)
