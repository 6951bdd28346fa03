"""The web demo (Gradio): add articles, run, read the digest and each article side by side.

It calls the same `Summarizer.run` as the CLI with the same options. One process loads
each model once; runs go through a queue one at a time, so two users never load a model
twice or share memory for two runs. Articles come pasted, uploaded, or by web address
(fetched by the server); `limits` in models.yaml caps upload size, articles and characters
per run. The page reads only what a user uploads, binds to loopback unless told otherwise,
and opens no public link unless asked. Served to others (another host, or --share), it
fetches no private, loopback or link-local address unless started with --allow-private-urls.
"""

from __future__ import annotations

import dataclasses
import html
import ipaddress
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .config import LANG_CODE, ConfigError
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
PAGE_CSS = """
#paste textarea, .sr-report td, .sr-report p { unicode-bidi: plaintext; }
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
            timeout=(5.0, 15.0), retries=1, allow_private=allow_private_urls,
            private_fix=PRIVATE_FIX,
        )  # fmt: skip
        self.upload_root: Path | None = None  # set by build(): only files under it are read
        self._cancel: dict[str, threading.Event] = {}

    # --- adding articles -------------------------------------------------------------

    def add(
        self,
        paste: str | None,
        urls: str | None,
        files: list[str] | None,
        articles: list[Entry] | None,
    ) -> tuple[list[Entry], list[Row], str, str, str, None]:
        """Parse pasted text, fetch web addresses and read uploads into the article list,
        detecting each language."""
        articles, added, problems = self._add(paste, urls, files, list(articles or []))
        if not added and not problems:
            problems.append(NOTHING)
        status = f"{added} article(s) added, {len(articles)} in the list." if added else ""
        return articles, _rows(articles), _status(status, problems), "", "", None

    def _add(
        self, paste: str | None, urls: str | None, files: list[str] | None, articles: list[Entry]
    ) -> tuple[list[Entry], int, list[str]]:
        """The list with what fits of the new articles: limits.max_articles, then max_chars."""
        limits = self.limits
        room = max(limits.max_articles - len(articles), 0)
        new, problems, unfetched = self._read(paste, urls, files, room)
        over = max(len(new) - room, 0) + unfetched
        if over:
            problems.append(
                f"{over} article(s) not added: at most {limits.max_articles} articles per run "
                "(limits.max_articles in models.yaml); run the rest separately"
            )
            new = new[:room]
        total = sum(len(a.doc.text) for a in articles)
        for kept, entry in enumerate(new):
            total += len(entry.doc.text)
            if total > limits.max_chars:
                problems.append(
                    f"{len(new) - kept} article(s) not added, from {entry.doc.source} on: over "
                    f"{limits.max_chars:,} characters of text per run (limits.max_chars in "
                    "models.yaml); run them separately"
                )
                new = new[:kept]
                break
        return articles + new, len(new), problems

    def _read(
        self, paste: str | None, urls: str | None, files: list[str] | None, room: int
    ) -> tuple[list[Entry], list[str], int]:
        """Pasted, uploaded and fetched articles, problems, and how many addresses were not
        fetched: past ``room`` articles, none are (each one is a download)."""
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
        fetched, bad = self._fetch(lines[:wanted])
        return [_entry(doc) for doc in docs + fetched], problems + bad, len(lines[wanted:])

    def _fetch(self, urls: list[str]) -> tuple[list[Document], list[str]]:
        """Each web address's article, through one polite session; problems in one line."""
        docs: list[Document] = []
        problems: list[str] = []
        if not urls:
            return docs, problems
        cap = min(MAX_BYTES, self.limits.max_upload_mb * 2**20)
        with Fetcher(dataclasses.replace(self.fetch, max_bytes=cap)) as fetcher:
            for url in urls:
                if not is_web_address(url):
                    problems.append(
                        f"{url}: not a web address; give an http:// or https:// address, or "
                        "upload the file"
                    )
                    continue
                try:
                    docs.append(fetch_page(url, fetcher))
                except IngestError as exc:
                    problems.append(str(exc))
                except Exception as exc:  # a parser's bug must not end the others
                    logger.exception("reading %s failed", url)
                    problems.append(
                        f"{url}: could not be read ({type(exc).__name__}); paste its text"
                    )
        return docs, problems

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
        """Add anything still pending, apply language overrides, run, and render."""
        articles, problems = _apply_overrides(list(articles or []), rows)
        articles, _, pending = self._add(paste, urls, files, articles)  # not yet added ones too
        problems += pending
        rows_out = _rows(articles)
        lang = (lang or "").strip().lower() or None
        if lang and not LANG_CODE.match(lang):
            problems.append(f"'{lang}' is not a language code (ISO 639-1, e.g. ar); detecting")
            lang = None
        if not articles:
            status = _status("", [*problems, NOTHING])
            return articles, rows_out, status, "", None, None, "", "", None
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
        session = getattr(request, "session_hash", None) or "default"
        cancel = self._cancel.setdefault(session, threading.Event())
        cancel.clear()

        def on_progress(stage: str, done: int, total: int) -> None:
            if cancel.is_set():
                raise Cancelled
            if progress is not None:
                progress((done, total) if total else None, desc=stage)

        def stopped(status: str) -> tuple:
            return articles, rows_out, status, "", None, None, "", "", None

        try:
            result = self.summarizer.run([_document(a) for a in articles], options, on_progress)
        except Cancelled:
            return stopped("Cancelled.")
        except ConfigError as exc:
            return stopped(_status("", [str(exc)]))
        except Exception as exc:  # the server keeps serving; the user gets one line
            logger.exception("run failed")
            return stopped(_status("", [f"the run failed: {exc}"]))
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
            "",
            None,
        )

    def cancel(self, request: Any = None) -> str:
        session = getattr(request, "session_hash", None) or "default"
        self._cancel.setdefault(session, threading.Event()).set()
        return "Cancelling..."

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
        """The Gradio Blocks of the page."""
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
                    table = gr.Dataframe(
                        headers=HEADERS,
                        datatype=["number", "str", "str", "str", "number"],
                        type="array",
                        interactive=True,
                        static_columns=[0, 1, 3, 4],
                        label="Articles (edit a language code to override detection)",
                        elem_id="articles",
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
                    )
                    with gr.Row():
                        run_btn = gr.Button("Run", variant="primary", elem_id="run")
                        cancel_btn = gr.Button("Cancel", elem_id="cancel")
            status = gr.Markdown(elem_id="status")
            report = gr.HTML(elem_id="report")
            downloads = gr.File(label="Download (Markdown, JSON, HTML report)", elem_id="downloads")
            with gr.Accordion("JSON", open=False):
                raw = gr.JSON(label="Result")

            add_btn.click(
                self.add,
                [paste, urls, files, articles],
                [articles, table, status, paste, urls, files],
                api_name="add",
                concurrency_limit=4,
            )
            clear_btn.click(
                lambda: ([], _rows([]), ""), None, [articles, table, status], api_name=False
            )

            # Gradio injects the session and a progress bar into parameters annotated
            # gr.Request and defaulting to gr.Progress(); these wrappers carry them.
            def run(articles, rows, paste, urls, files, engine, brief_words, digest_words,
                    brief_model, digest_model, threshold, strict, translate_only, lang,
                    request=None, progress=gr.Progress()):  # noqa: B008  # fmt: skip
                return self.run(
                    articles, rows, paste, urls, files, engine, brief_words, digest_words,
                    brief_model, digest_model, threshold, strict, translate_only, lang, request,
                    progress,
                )  # fmt: skip

            def cancel(request=None):
                return self.cancel(request)

            run.__annotations__ = cancel.__annotations__ = {"request": gr.Request}
            run_event = run_btn.click(
                run,
                [articles, table, paste, urls, files, engine, brief_words, digest_words,
                 brief_model, digest_model, threshold, strict, translate_only, lang],
                [articles, table, status, report, raw, downloads, paste, urls, files],
                api_name="run",
                concurrency_limit=1,
                concurrency_id="pipeline",
            )  # fmt: skip
            cancel_btn.click(cancel, None, status, cancels=[run_event], queue=False, api_name=False)
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
    demo = app.build()
    demo.queue(default_concurrency_limit=1, max_size=32)
    if not is_loopback(host):
        logger.warning("serving on %s: anyone who can reach this machine can use the UI", host)
    if not app.fetch.allow_private:
        logger.info("web addresses on private networks are refused (--allow-private-urls)")
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        max_file_size=f"{app.limits.max_upload_mb}mb",
        prevent_thread_lock=not block,
        ssr_mode=False,
        show_error=False,
        quiet=not block,
        css=PAGE_CSS,
    )
    return demo


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


def _apply_overrides(articles: list[Entry], rows: Any) -> tuple[list[Entry], list[str]]:
    """Language codes the user typed into the table become the articles' languages."""
    values = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
    problems = []
    for entry, row in zip(articles, values, strict=False):
        code = str(row[2] if len(row) > 2 and row[2] is not None else "").strip().lower()
        if code == entry.lang:
            continue
        if not code:  # cleared: detection decides
            entry.doc.lang = None
            continue
        if not LANG_CODE.match(code):
            problems.append(
                f"{entry.doc.source}: '{code}' is not a language code (ISO 639-1, e.g. ar); "
                f"kept {language_name(entry.detected)}"
            )
            continue
        entry.doc.lang = code
    return articles, problems


def _document(entry: Entry) -> Document:
    """The entry's document for a run (a copy: the run must not change the list)."""
    return dataclasses.replace(entry.doc, warnings=list(entry.doc.warnings))


def _status(done: str, problems: list[str]) -> str:
    """Markdown for the status line; user-given names are escaped."""
    lines = [html.escape(done)] if done else []
    lines += [f"- **Problem:** {html.escape(p)}" for p in problems]
    return "\n".join(lines)


def _int(value: float | None) -> int | None:
    return int(value) if value else None
