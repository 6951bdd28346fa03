"""The web demo (Gradio): add articles, run, read the digest and each article side by side.

It calls the same `Summarizer.run` as the CLI with the same options. One process loads
each model once; model work runs one run at a time (a lock), so two users never load a model
twice or share memory for two runs. Articles come pasted, uploaded, or by web address
(fetched by the server); `limits` in models.yaml caps upload size, articles and characters
per run, and pasted text is cut at those caps before any per-article work. Fetching never
holds what others need: it happens outside the model lock, each page within a deadline and
each request within a budget, in a few fetch slots of which one session takes one (more are
refused at once), so Add always has room for pasting and uploading. Text from an input or a
server is escaped for the Markdown status line: shown as text, never as a link or image.
The page reads only what a user uploads, binds to loopback unless told otherwise, and opens
no public link unless asked. Served to others (another host, or --share), it fetches no
private, loopback or link-local address unless started with --allow-private-urls.

Cancel (or the tab closing, which Gradio reports as the session's unload) stops the
session's Add and Run: fetching stops before its next page and the models' work before its
next step, in a thread of its own that gives the model slot back; the page is answered at
once, keeping the article list and clearing the previous report. A language typed into the
list is checked as the CLI's --lang is, and one the server cannot use reverts at once.
"""

from __future__ import annotations

import contextvars
import dataclasses
import html
import ipaddress
import logging
import os
import re
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .config import ConfigError
from .fetch import Fetcher, FetchSettings, is_web_address
from .formats import UPLOAD_SUFFIXES, fetch_page, read_upload, split_pasted
from .language import detect, language_name
from .pipeline import Summarizer
from .render import render
from .report import CSS, report_body
from .types import (
    MAX_BYTES,
    Document,
    Failure,
    IngestError,
    Options,
    Result,
    describe_doubtful,
    describe_flags,
)
from .utils import Cancelled, atomic_write

logger = logging.getLogger("summarizer")

HEADERS = ["#", "source", "language", "confidence", "words"]
NOTHING = (
    "Nothing to summarize: paste article text (separate several articles with a line of "
    f"---), give web addresses, or upload {', '.join(UPLOAD_SUFFIXES)} files."
)
PRIVATE_FIX = "give a public address, or start the server with --allow-private-urls"
LOOPBACK_NAMES = ("localhost",)
PAGE_DEADLINE = 30.0  # seconds to download one page (a user waits for it)
FETCH_BUDGET = 90.0  # seconds of fetching one Add or Run may start; the rest stay in the box
FETCH_SLOTS = 4  # requests fetching pages at once, all users together
SESSION_FETCHES = 1  # of those, for one browser session; more from it are refused at once
ADD_SLOTS = 8  # Add requests handled at once: more than FETCH_SLOTS, so that pasting and
# uploading always have room, however many slow pages are being fetched
RUN_SLOTS = 8  # runs let in at once: each reads and fetches what is pending, then waits
# for the model lock (one run on the models at a time)
QUEUE_SIZE = 32  # requests waiting in Gradio's queue, beyond those
WAIT_POLL = 0.25  # seconds between looks at the Cancel button while waiting for the models
# Text from inputs and servers in the Markdown status line: each character that could start
# a link, image, emphasis, code, LaTeX, table or HTML is escaped, and so are bare addresses,
# which GFM would make links (scheme://, www., name@host); '_' inside a word starts nothing.
MARKDOWN_SPECIAL = re.compile(r"(?i)[\\`*~\[\]|$@]|(?<![^\W_])_|_(?![^\W_])|:(?=//)|(?<=www)\.")
CANCELLED = (
    "Cancelled: the run stopped before it finished. The article list is kept and the "
    "previous report cleared; press Run to start again."
)
NOT_RUNNING = "Nothing to cancel: no run or fetch of this page is in progress."
# The page's own styles (Gradio's launch(css=)): each paragraph of the paste box takes the
# direction of its first letter, as dir=auto would per paragraph (a Hebrew or Arabic
# article reads right to left, an English one beside it left to right); a long unbroken
# token (a URL, an id) wraps inside the report's cards instead of running past them; and
# the status line under Run, where the one progress bar is drawn, has room for it: the
# previous status hidden under it, Gradio's step count below the bar, not over it.
PAGE_CSS = """
#paste textarea, #urls textarea { unicode-bidi: plaintext; text-align: start; }
.sr-report td, .sr-report p { unicode-bidi: plaintext; }
#report .sr-report, #report .sr-report * { overflow-wrap: anywhere; }
#report .sr-report th { overflow-wrap: normal; }
#status { min-height: 6.5rem; }
#status .pending .prose { visibility: hidden; }
#status > [data-testid="status-tracker"] { top: 0; bottom: 0; height: auto; }
#status .progress-text { top: auto; bottom: 0; transform: none; }
"""
Row = list[Any]


@dataclass
class Entry:
    """One article in the page's list: the document as read and its detected language
    (the pipeline asks the detector again, and gets the same answer from its cache)."""

    doc: Document
    detected: str
    confidence: float

    @property
    def lang(self) -> str:
        """The language the run will use: the user's override, else the detected one."""
        return self.doc.lang or self.detected


class FetchSlots:
    """Who may fetch pages now: at most ``total`` requests at once, ``per_session`` of them
    from one browser session. Over either, a request is refused at once (never queued), so
    no one's Add or Run waits behind another user's slow pages."""

    def __init__(self, total: int = FETCH_SLOTS, per_session: int = SESSION_FETCHES) -> None:
        self.total, self.per_session = total, per_session
        self._held: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, session: str) -> Iterator[str | None]:
        """Yields None with a slot held for ``session`` until the block ends, else why not."""
        with self._lock:
            if self._held[session] >= self.per_session:
                refused: str | None = (
                    "this page is still fetching others; add these when those are in the list"
                )
            elif sum(self._held.values()) >= self.total:
                refused = (
                    f"the server is fetching pages for {self.total} other requests; try again "
                    "in a minute, or paste the text"
                )
            else:
                refused = None
                self._held[session] += 1
        try:
            yield refused
        finally:
            if refused is None:
                with self._lock:
                    self._held[session] -= 1
                    if self._held[session] <= 0:
                        del self._held[session]

    def busy(self) -> bool:
        """Whether any request holds a slot."""
        with self._lock:
            return bool(self._held)


class WebApp:
    """The page's handlers: plain functions of plain values, shared by the UI and its API."""

    def __init__(
        self,
        config: Any = None,
        device: str = "auto",
        store: Any = None,
        allow_private_urls: bool = True,
        summarizer: Summarizer | None = None,
    ) -> None:
        """``allow_private_urls``: fetch addresses on this machine's networks (local use);
        ``summarizer``: one already loaded (tests), instead of one from config/device/store."""
        self.summarizer = summarizer or Summarizer(config, device=device, store=store)
        self.config = self.summarizer.config
        self.limits = self.config.limits
        # a user waits for the pages, so fewer retries than a batch; sizes as uploads (_fetch)
        self.fetch = FetchSettings(
            timeout=(5.0, 15.0), deadline=PAGE_DEADLINE, retries=1,
            allow_private=allow_private_urls, private_fix=PRIVATE_FIX,
        )  # fmt: skip
        self.fetch_budget = FETCH_BUDGET  # seconds one request may start fetching for
        self.fetching = FetchSlots()
        self.upload_root: Path | None = None  # set by build(): only files under it are read
        # per session, an event for each of its Add and Run requests in progress: Cancel
        # (or the tab closing) sets them; one per request, so that a new run never clears
        # the cancel of an old one still finishing its step
        self._requests: dict[str, set[threading.Event]] = {}
        self._requests_lock = threading.Lock()
        self._models = threading.Lock()  # the model slot: one run on the models at a time

    @contextmanager
    def _request(self, session: str) -> Iterator[threading.Event]:
        """An event that `cancel` sets for this request of ``session``, while it lasts."""
        event = threading.Event()
        with self._requests_lock:
            self._requests.setdefault(session, set()).add(event)
        try:
            yield event
        finally:
            with self._requests_lock:
                events = self._requests.get(session, set())
                events.discard(event)
                if not events:
                    self._requests.pop(session, None)

    def cancel(self, request: Any = None) -> bool:
        """Stop the session's Add and Run requests: fetching before its next page, the
        models' work before its next step. False when none is in progress."""
        with self._requests_lock:
            events = list(self._requests.get(_session(request), ()))
        for event in events:
            event.set()
        return bool(events)

    def wait_idle(self, timeout: float) -> bool:
        """Whether, within ``timeout`` seconds, no run holds the model slot and no request
        a fetch slot (a cancelled run's work ends at its next step, after its page is
        answered)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.fetching.busy() and self._models.acquire(timeout=WAIT_POLL):
                self._models.release()
                if not self.fetching.busy():
                    return True
            time.sleep(0.05)
        return False

    # --- adding articles -------------------------------------------------------------

    def add(
        self,
        paste: str | None,
        urls: str | None,
        files: list[str] | None,
        articles: list[Entry] | None,
        request: Any = None,
    ) -> tuple[list[Entry], list[Row], str, str, str, None]:
        """Parse pasted text, fetch web addresses and read uploads into the article list,
        detecting each language; addresses not fetched now stay in their box."""
        session = _session(request)
        with self._request(session) as cancel:
            articles, added, problems, left = self._add(
                paste, urls, files, list(articles or []), session, cancel
            )
        if not added and not problems:
            problems.append(NOTHING)
        status = f"{added} article(s) added, {len(articles)} in the list." if added else ""
        return articles, _rows(articles), _status(status, problems), "", "\n".join(left), None

    def _add(
        self,
        paste: str | None,
        urls: str | None,
        files: list[str] | None,
        articles: list[Entry],
        session: str,
        cancel: threading.Event | None = None,
    ) -> tuple[list[Entry], int, list[str], list[str]]:
        """The list with what fits of the new articles (limits.max_articles, then max_chars),
        problems, and the addresses left to fetch later. Languages are detected only for
        the articles kept: 10,000 pasted ones cost no more than the 100 that fit."""
        limits = self.limits
        room = max(limits.max_articles - len(articles), 0)
        new, problems, unfetched, left = self._read(paste, urls, files, room, session, cancel)
        over = max(len(new) - room, 0) + unfetched
        if over:
            problems.append(
                f"{over} article(s) not added: at most {limits.max_articles} articles per run "
                "(limits.max_articles in models.yaml); run the rest separately"
            )
            new = new[:room]
        total = sum(len(a.doc.text) for a in articles)
        for kept, doc in enumerate(new):
            total += len(doc.text)
            if total > limits.max_chars:
                problems.append(
                    f"{len(new) - kept} article(s) not added, from {doc.source} on: over "
                    f"{limits.max_chars:,} characters of text per run (limits.max_chars in "
                    "models.yaml); run them separately"
                )
                new = new[:kept]
                break
        return articles + [_entry(doc) for doc in new], len(new), problems, left

    def _read(
        self,
        paste: str | None,
        urls: str | None,
        files: list[str] | None,
        room: int,
        session: str,
        cancel: threading.Event | None = None,
    ) -> tuple[list[Document], list[str], int, list[str]]:
        """Pasted, uploaded and fetched articles, problems, how many addresses were not
        fetched for want of room (past ``room`` articles none are: each one is a download),
        and those left to fetch later (refused a fetch slot, or past the request's budget)."""
        docs: list[Document] = split_pasted(paste or "")
        problems: list[str] = []
        limit = self.limits.max_upload_mb * 2**20
        for file in files or []:
            path = Path(file)
            name = path.name
            if self.upload_root and not path.resolve().is_relative_to(self.upload_root):
                problems.append(f"{name}: was not uploaded to this page; upload the file")
                continue
            try:
                if path.stat().st_size > limit:
                    raise IngestError(
                        f"{name}: over the {self.limits.max_upload_mb} MB upload limit "
                        "(limits.max_upload_mb in models.yaml); split the file"
                    )
                found, bad = read_upload(name, path.read_bytes())
            except IngestError as exc:
                problems.append(str(exc))
                continue
            except OSError as exc:
                problems.append(f"{name}: cannot be read ({exc.strerror}); upload it again")
                continue
            docs += found
            problems += bad
        lines = [u.strip() for u in (urls or "").splitlines() if u.strip()]
        wanted = max(room - len(docs), 0)
        fetched, bad, left = self._fetch(lines[:wanted], session, cancel)
        return docs + fetched, problems + bad, len(lines[wanted:]), left

    def _fetch(
        self, urls: list[str], session: str, cancel: threading.Event | None = None
    ) -> tuple[list[Document], list[str], list[str]]:
        """Each web address's article, through one polite session in one of the fetch slots;
        problems in one line, and the addresses left for later: all of them when no slot is
        free for ``session``, those past the request's fetch budget, or after a cancel,
        otherwise."""
        docs: list[Document] = []
        problems: list[str] = []
        web = []
        for url in urls:
            if is_web_address(url):
                web.append(url)
            else:
                problems.append(
                    f"{url}: not a web address; give an http:// or https:// address, or "
                    "upload the file"
                )
        if not web:
            return docs, problems, []
        cap = min(MAX_BYTES, self.limits.max_upload_mb * 2**20)
        with self.fetching.slot(session) as refused:
            if refused:
                return docs, [*problems, f"{len(web)} web address(es) not fetched: {refused}"], web
            end = time.monotonic() + self.fetch_budget
            with Fetcher(dataclasses.replace(self.fetch, max_bytes=cap)) as fetcher:
                for number, url in enumerate(web):
                    if cancel is not None and cancel.is_set():
                        left = web[number:]
                        problems.append(
                            f"{len(left)} web address(es) not fetched: cancelled; add them again"
                        )
                        return docs, problems, left
                    if time.monotonic() >= end:
                        left = web[number:]
                        problems.append(
                            f"{len(left)} web address(es) not fetched: over the "
                            f"{self.fetch_budget:g} s one request may spend fetching; add them "
                            "again"
                        )
                        return docs, problems, left
                    try:
                        docs.append(fetch_page(url, fetcher))
                    except IngestError as exc:
                        problems.append(str(exc))
                    except Exception as exc:  # a parser's bug must not end the others
                        logger.exception("reading %s failed", url)
                        problems.append(
                            f"{url}: could not be read ({type(exc).__name__}); paste its text"
                        )
        return docs, problems, []

    # --- running ---------------------------------------------------------------------

    def run(
        self,
        articles: list[Entry] | None,
        rows: Any,
        paste: str | None,
        urls: str | None,
        files: list[str] | None,
        engine: str | None,
        brief_words: float | None,
        digest_words: float | None,
        brief_model: str | None,
        digest_model: str | None,
        story_threshold: float | None,
        strict: bool,
        translate_only: bool,
        lang: str | None = None,
        request: Any = None,
        progress: Any = None,
    ) -> tuple[list[Entry], list[Row], str, str, dict | None, list[str] | None, str, str, None]:
        """Add anything still pending (fetching outside the model slot), apply language
        overrides, wait for the model slot, run, and render. Cancelled (`cancel`), it
        answers at once with the list kept and no report; the models' work stops at its
        next step."""
        session = _session(request)
        with self._request(session) as cancel:
            return self._run(
                articles, rows, paste, urls, files, engine, brief_words, digest_words,
                brief_model, digest_model, story_threshold, strict, translate_only, lang,
                session, cancel, progress,
            )  # fmt: skip

    def _run(
        self,
        articles: list[Entry] | None,
        rows: Any,
        paste: str | None,
        urls: str | None,
        files: list[str] | None,
        engine: str | None,
        brief_words: float | None,
        digest_words: float | None,
        brief_model: str | None,
        digest_model: str | None,
        story_threshold: float | None,
        strict: bool,
        translate_only: bool,
        lang: str | None,
        session: str,
        cancel: threading.Event,
        progress: Any,
    ) -> tuple[list[Entry], list[Row], str, str, dict | None, list[str] | None, str, str, None]:
        articles, problems = self._overrides(list(articles or []), rows)
        articles, _, pending, left = self._add(paste, urls, files, articles, session, cancel)
        problems += pending
        urls_left = "\n".join(left)
        rows_out = _rows(articles)

        def stopped(status: str) -> tuple:
            return articles, rows_out, status, "", None, None, "", urls_left, None

        given = (lang or "").strip()
        lang = self.language(given) if given else None
        if given and lang is None:
            problems.append(
                f"'{given}' is not a language this server can use; detecting each "
                f"article's language instead ({self.valid_languages()})"
            )
        if cancel.is_set():
            return stopped(_status(CANCELLED, problems))
        if not articles:
            return stopped(_status("", [*problems, NOTHING]))
        options = Options(
            brief_words=_int(brief_words),
            digest_words=_int(digest_words),
            engine=engine if engine in ("abstractive", "extractive") else None,  # type: ignore[arg-type]
            strict=bool(strict),
            story_threshold=story_threshold or None,
            brief_model=brief_model or None,
            digest_model=digest_model or None,
            translate_only=bool(translate_only),
            lang=lang,
        )
        waiting = False
        while not self._models.acquire(timeout=WAIT_POLL):  # another run is on the models
            if cancel.is_set():
                return stopped(_status(CANCELLED, problems))
            if not waiting and progress is not None:
                progress(None, desc="waiting for the run before this one")
            waiting = True
        try:
            result = self._on_models([_document(a) for a in articles], options, cancel, progress)
        except ConfigError as exc:
            return stopped(_status("", [*problems, str(exc)]))
        except Exception as exc:  # the server keeps serving; the user gets one line
            logger.exception("run failed")
            return stopped(_status("", [*problems, f"the run failed: {exc}"]))
        if result is None:
            return stopped(_status(CANCELLED, problems))
        result.failed[:0] = [Failure("upload", p) for p in problems]
        done = f"{len(result.articles)} article(s) processed"
        if result.digest.faithfulness.checked:
            f = result.digest.faithfulness
            done += (
                f"; faithfulness: {f.flagged} of {f.checked} summary sentences ({f.share:.0%}) "
                "name a number, date or name not in their source"
            )
        if flagged := describe_flags(result.flagged_outputs()):
            done += f"; {flagged} (see the articles' warnings)"
        if doubts := describe_doubtful(result.articles):
            done += f"; {doubts}"
        status = _status(done + ".", [f.error for f in result.failed])
        return (
            articles,
            rows_out,
            status,
            f"<style>{CSS}</style>" + report_body(result, title=None),
            result.to_dict(),
            self._downloads(result),
            "",
            urls_left,
            None,
        )

    def _on_models(
        self, docs: list[Document], options: Options, cancel: threading.Event, progress: Any
    ) -> Result | None:
        """Run ``docs`` on the models, whose slot the caller holds and this gives back; None
        as soon as ``cancel`` is set. The work runs in a thread of its own (with the caller's
        context, so that Gradio's progress reaches the page) that stops at its next step and
        then gives the slot back: a long step (loading a model) never keeps the page waiting
        for its answer."""
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def on_progress(stage: str, done: int, total: int) -> None:
            if cancel.is_set():
                raise Cancelled
            if progress is not None:
                progress((done, total) if total else None, desc=stage)

        def work() -> None:
            try:
                outcome["result"] = self.summarizer.run(docs, options, on_progress)
            except Cancelled:
                logger.info("run cancelled; the model slot is free")
            except Exception as exc:  # raised again in the request's thread
                outcome["error"] = exc
            finally:
                self._models.release()
                finished.set()

        context = contextvars.copy_context()
        worker = threading.Thread(target=context.run, args=(work,), name="webui-run", daemon=True)
        worker.start()
        while not finished.wait(WAIT_POLL):
            if cancel.is_set():
                return None
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")

    # --- languages -------------------------------------------------------------------

    def language(self, given: str) -> str | None:
        """``given`` (a cell of the list, the every-article box) as the code a run uses
        (``DE``, ``deu`` -> ``de``), by the check the CLI's --lang gets
        (`Summarizer.check_lang`): None for what is no language, or one that no route of
        models.yaml takes."""
        try:
            return self.summarizer.check_lang(given)
        except ConfigError:
            return None

    def valid_languages(self) -> str:
        """The codes this server takes, in words for a status line."""
        routes = self.config.routes
        codes = sorted({c for c in routes if c != "*"} | {self.config.target})
        text = "valid: " + ", ".join(codes)
        if "*" in routes:
            text += ", or any other ISO 639-1 code (e.g. it, ru, zh)"
        return text

    def languages(
        self, articles: list[Entry] | None, rows: Any
    ) -> tuple[list[Entry], list[Row], str]:
        """Apply the language codes typed into the list now: a status line saying what
        the next run will do, and one the server cannot use reverts at once to the
        article's language, with a line saying why and which codes it takes."""
        changed: list[str] = []
        articles, problems = self._overrides(list(articles or []), rows, changed)
        return articles, _rows(articles), _status("; ".join(changed), problems)

    def _overrides(
        self, articles: list[Entry], rows: Any, changed: list[str] | None = None
    ) -> tuple[list[Entry], list[str]]:
        """Language codes the user typed into the list become the articles' languages (and
        a line each in ``changed``); one the server cannot use is a problem naming the row
        and the valid codes, and the article keeps its language. Rows are matched by their
        number (the # column)."""
        changed = [] if changed is None else changed
        values = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
        problems = []
        for position, row in enumerate(values):
            number = _row_number(row, position, len(articles))
            if number is None:
                continue
            entry = articles[number - 1]
            code = str(row[2] if len(row) > 2 and row[2] is not None else "").strip()
            if code == entry.lang:
                continue
            row_name = f"row {number} ({entry.doc.source})"
            if not code:  # cleared: detection decides
                entry.doc.lang = None
                changed.append(f"{row_name} runs as detected: {_named(entry.lang)}")
                continue
            known = self.language(code)
            if known is None:
                problems.append(
                    f"{row_name}: '{code}' is not a language this server can use; kept "
                    f"{_named(entry.lang)}; {self.valid_languages()}"
                )
                continue
            entry.doc.lang = known
            changed.append(f"{row_name} runs as {_named(known)}")
        return articles, problems

    def _downloads(self, result: Result) -> list[str]:
        folder = Path(tempfile.mkdtemp(prefix="summarizer-"))
        paths = []
        for fmt in ("md", "json", "html"):
            path = folder / f"digest.{fmt}"
            atomic_write(path, render(result, fmt))  # type: ignore[arg-type]
            paths.append(str(path))
        return paths

    # --- the page --------------------------------------------------------------------

    def build(self) -> Any:
        """The Gradio Blocks of the page, with its queue: model work has one slot (a lock in
        `run`), and Add and Run are let in several at a time, so that a user's slow pages
        never keep the others' requests waiting (see FetchSlots). Progress is drawn once,
        on the status line under Run; the downloads and the JSON appear with a result."""
        import gradio as gr

        summarizers = sorted(n for n, m in self.config.models.items() if m.task == "summarization")
        stages = self.config.stages
        with gr.Blocks(title="News summarizer", analytics_enabled=False) as demo:
            gr.Markdown(
                "# Cross-lingual news summarizer\n"
                "Add articles in any language, run, and read one cited digest in English "
                "with every article's translation beside its original."
            )
            articles = gr.State([])
            with gr.Row():
                with gr.Column(scale=3):
                    paste = gr.Textbox(
                        label="Paste articles (separate several with a line of ---)",
                        lines=8,
                        elem_id="paste",
                    )
                    urls = gr.Textbox(
                        label="Web addresses, one per line (the server fetches each page)",
                        lines=2,
                        elem_id="urls",
                    )
                    files = gr.File(
                        label="Upload articles",
                        file_count="multiple",
                        file_types=list(UPLOAD_SUFFIXES),
                        type="filepath",
                        elem_id="files",
                    )
                    # Gradio passes only files uploaded here; _read checks again
                    self.upload_root = Path(files.GRADIO_CACHE).resolve()
                    with gr.Row():
                        add_btn = gr.Button("Add to list", elem_id="add")
                        clear_btn = gr.Button("Clear list", elem_id="clear")
                    with warnings.catch_warnings():
                        # (n, "fixed"): no row or column can be added or deleted in the page
                        # (no "+" button, no such cell menu), the only way Gradio 6 has; it
                        # warns that row_count's tuple will change
                        warnings.simplefilter("ignore", DeprecationWarning)
                        table = gr.Dataframe(
                            headers=HEADERS,
                            datatype=["number", "str", "str", "str", "number"],
                            type="array",
                            interactive=True,
                            static_columns=[0, 1, 3, 4],
                            row_count=(0, "fixed"),
                            column_count=(len(HEADERS), "fixed"),
                            label="Articles (edit a language code to override detection)",
                            elem_id="article-list",  # the report has a section "articles"
                        )
                with gr.Column(scale=2):
                    engine = gr.Radio(
                        ["abstractive", "extractive"],
                        value=stages["brief"].engine,
                        label="Engine (extractive needs no summarization model)",
                    )
                    brief_words = gr.Slider(
                        5, 400, value=stages["brief"].words, step=5, label="Brief length (words)"
                    )
                    digest_words = gr.Slider(
                        5, 800, value=stages["digest"].words, step=5, label="Digest length (words)"
                    )
                    brief_model = gr.Dropdown(
                        summarizers, value=stages["brief"].model, label="Brief model"
                    )
                    digest_model = gr.Dropdown(
                        summarizers, value=stages["digest"].model, label="Digest model"
                    )
                    threshold = gr.Slider(
                        0, 1, value=0, step=0.01,
                        label="Story threshold (0 = models.yaml default; higher splits more)",
                    )  # fmt: skip
                    strict = gr.Checkbox(
                        label="Strict: drop generated sentences with unsupported numbers or names"
                    )
                    translate_only = gr.Checkbox(label="Translation only (no briefs, no digest)")
                    lang = gr.Textbox(
                        label="Language of every article (ISO code; blank: detect each)",
                        max_lines=1,
                        elem_id="lang",
                    )
                    with gr.Row():
                        run_btn = gr.Button("Run", variant="primary", elem_id="run")
                        cancel_btn = gr.Button("Cancel", elem_id="cancel")
                    # the page's one progress bar is drawn here (show_progress_on below)
                    status = gr.Markdown(elem_id="status", latex_delimiters=[])  # see _status
            report = gr.HTML(elem_id="report")
            downloads = gr.File(
                label="Download (Markdown, JSON, HTML report)", elem_id="downloads", visible=False
            )
            with gr.Accordion("JSON", open=False, visible=False, elem_id="json") as json_panel:
                raw = gr.JSON(label="Result")

            # Gradio injects the session and a progress bar into parameters annotated
            # gr.Request and defaulting to gr.Progress(); these wrappers carry them.
            def add(paste, urls, files, articles, request=None):
                return self.add(paste, urls, files, articles, request)

            add.__annotations__ = {"request": gr.Request}
            add_btn.click(
                add,
                [paste, urls, files, articles],
                [articles, table, status, paste, urls, files],
                api_name="add",
                concurrency_limit=ADD_SLOTS,
                concurrency_id="add",
                show_progress_on=status,
            )
            clear_btn.click(
                lambda: ([], _rows([]), ""),
                None,
                [articles, table, status],
                api_name=False,
                show_progress="hidden",
            )

            def languages(articles, rows):
                articles, rows, status = self.languages(articles, rows)
                return articles, rows, status or gr.skip()  # no language changed: nothing to say

            table.input(
                languages,
                [articles, table],
                [articles, table, status],
                api_name=False,
                queue=False,
                show_progress="hidden",
            )

            def run(articles, rows, paste, urls, files, engine, brief_words, digest_words,
                    brief_model, digest_model, threshold, strict, translate_only, lang,
                    request=None, progress=gr.Progress()):  # noqa: B008  # fmt: skip
                return self.run(
                    articles, rows, paste, urls, files, engine, brief_words, digest_words,
                    brief_model, digest_model, threshold, strict, translate_only, lang, request,
                    progress,
                )  # fmt: skip

            def results_shown(data):  # the downloads and the JSON show with a result only
                return gr.update(visible=data is not None), gr.update(visible=data is not None)

            def cancel(request=None):
                # a running request answers "Cancelled" itself: saying "Cancelling..." here
                # could arrive after it and stay on the page
                return gr.skip() if self.cancel(request) else NOT_RUNNING

            def closed(request=None):  # the tab closed or reloaded: stop what it started
                if self.cancel(request):
                    logger.info("a page closed during its run: cancelled")

            run.__annotations__ = cancel.__annotations__ = {"request": gr.Request}
            closed.__annotations__ = {"request": gr.Request}
            run_btn.click(
                run,
                [articles, table, paste, urls, files, engine, brief_words, digest_words,
                 brief_model, digest_model, threshold, strict, translate_only, lang],
                [articles, table, status, report, raw, downloads, paste, urls, files],
                api_name="run",
                concurrency_limit=RUN_SLOTS,
                concurrency_id="run",
                show_progress_on=status,
            ).then(  # in the page only: the API's outputs stay plain values
                results_shown, raw, [downloads, json_panel], api_name=False, queue=False,
                show_progress="hidden",
            )  # fmt: skip
            cancel_btn.click(
                cancel, None, status, queue=False, api_name=False, show_progress="hidden"
            )
            demo.unload(closed)
        demo.queue(default_concurrency_limit=1, max_size=QUEUE_SIZE)
        return demo

    def launch(self, host: str, port: int, share: bool, block: bool) -> Any:
        """Build the page and serve it; log where, and how to share it (our --share, not
        Gradio's own hint about launch(), which `quiet` keeps out)."""
        demo = self.build()
        demo.launch(
            server_name=host,
            server_port=port,
            share=share,
            max_file_size=f"{self.limits.max_upload_mb}mb",
            prevent_thread_lock=True,
            ssr_mode=False,
            show_error=False,
            quiet=True,
            css=PAGE_CSS,
        )
        logger.info("the web UI is on %s", demo.local_url)
        if share:
            if demo.share_url:
                logger.info("public link: %s (anyone with it can use the UI)", demo.share_url)
            else:
                logger.warning("no public link could be made (see above); serving locally only")
        else:
            logger.info("to share a public link, start it with --share")
        if block:
            demo.block_thread()
        return demo


def serve(
    config: Any = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    device: str = "auto",
    share: bool = False,
    block: bool = True,
    store: Any = None,
    allow_private_urls: bool = False,
) -> Any:
    """Start the UI; with ``block=False`` return the running Blocks (tests, notebooks).

    ``store``: a SQLite file (or `Store`) whose translations and briefs runs reuse and add to.
    ``allow_private_urls``: fetch private, loopback and link-local addresses even when serving
    others (any host but loopback, or ``share``); on loopback alone they are always allowed.
    """
    try:
        import gradio  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigError(
            "the web UI needs Gradio: pip install 'summarizer[ui]' (or pip install gradio)"
        ) from None
    local = is_loopback(host) and not share
    app = WebApp(config, device, store, allow_private_urls=allow_private_urls or local)
    if not is_loopback(host):
        logger.warning("serving on %s: anyone who can reach this machine can use the UI", host)
    if not app.fetch.allow_private:
        logger.info("web addresses on private networks are refused (--allow-private-urls)")
    return app.launch(host, port, share, block)


def is_loopback(host: str) -> bool:
    """True for a host name or address only this machine reaches (127.0.0.1, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() in LOOPBACK_NAMES


def _entry(doc: Document) -> Entry:
    if doc.lang:
        return Entry(doc, doc.lang, 1.0)
    found = detect(doc.text)
    return Entry(doc, found.lang or "", found.confidence)


def _rows(articles: list[Entry]) -> list[Row]:
    return [
        [i + 1, a.doc.source, a.lang, f"{a.confidence:.2f}", len(a.doc.text.split())]
        for i, a in enumerate(articles)
    ]


def _row_number(row: Any, position: int, count: int) -> int | None:
    """The article number (1-based) a row of the list stands for: its # cell, else its
    position; None for a row that stands for no article."""
    try:
        number = int(row[0])
    except (TypeError, ValueError, IndexError):
        number = position + 1
    return number if 1 <= number <= count else None


def _named(lang: str) -> str:
    """A language as the status line names it: "German (de)"."""
    return f"{language_name(lang)} ({lang})" if lang else "no language (none detected)"


def _document(entry: Entry) -> Document:
    """The entry's document for a run (a copy: the run must not change the list)."""
    return dataclasses.replace(entry.doc, warnings=list(entry.doc.warnings))


def _status(done: str, problems: list[str]) -> str:
    """Markdown for the status line: our own format around text shown as text (`_text`)."""
    lines = [_text(done)] if done else []
    lines += [f"- **Problem:** {_text(p)}" for p in problems]
    return "\n".join(lines)


def _text(text: str) -> str:
    """``text`` (from an input or a server: names, addresses, reason phrases, errors) as
    Markdown that shows it as is, on one line: html.escape alone leaves Markdown's links,
    images and bare addresses working, so a server could show a remote image or a link."""
    text = MARKDOWN_SPECIAL.sub(lambda found: "\\" + found[0], " ".join(text.split()))
    return html.escape(text, quote=False)  # < > & as entities


def _session(request: Any) -> str:
    """The browser session's id from Gradio's request (one shared id without one)."""
    return getattr(request, "session_hash", None) or "default"


def _int(value: float | None) -> int | None:
    return int(value) if value else None
