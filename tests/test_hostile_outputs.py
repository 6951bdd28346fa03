"""Hostile input meets the outputs (issue 17): text from an article, its metadata or a file
name is shown as text in every output, and messages say what is wrong and what to do.

- Markdown: no heading, link, image, list or HTML comes from an input, as GitHub
  (cmark-gfm) and CommonMark (markdown-it) render the digest; a newline stays inside.
- Bidi controls (U+202E ...): shown as <U+202E> in names, ids and messages (Markdown, the
  HTML report, terminal lines); closed within their own text in articles.
- The store: a full disk says so (free space, never delete); a garbled row is a miss with
  a warning naming the store and the article, and the run goes on.
- --since: any value that is not a time in the past is a usage error (status 2).
- A huge article: ranked in seconds (TextRank in numpy over its first 1,000 sentences).
"""

from __future__ import annotations

import errno
import html
import json
import logging
import re
import sqlite3
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from test_batch import batch, index, synthetic_manifest

from summarizer import Document, Options, Summarizer
from summarizer.cli import main
from summarizer.extractive import RANKED, position_prior, textrank
from summarizer.render import render
from summarizer.store import Store, StoreError
from summarizer.utils import isolate_bidi, visible_controls

cmarkgfm = pytest.importorskip("cmarkgfm")
markdown_it = pytest.importorskip("markdown_it")

RLO, PDF, FSI, PDI = "\u202e", "\u202c", "\u2068", "\u2069"
EVIL_TITLE = "# Hi ![x](http://evil/x.png) [click](http://evil)"
EVIL_BODY = (
    "The council approved the budget on Monday after a long debate [click](http://evil) in "
    "the chamber. Officials said the plan would be funded ![img](http://evil/y.png) by new "
    "taxes <img src=http://evil/z.png> and www.evil.com grants. The mayor called the vote "
    "a `turning` point for *the* city and its _people_ | all of them, see http://evil.com."
)
ENGLISH = (
    "The regional water authority opened a new desalination plant on the coast on Tuesday. "
    "The plant will supply drinking water to three hundred thousand people in the region. "
    "Engineers said the facility uses solar power for most of its energy needs. "
    "Environmental groups asked for careful monitoring of the brine it returns to the sea."
)


class Rendered(HTMLParser):
    """Tags, link targets, image sources and heading texts of a rendered document."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, "".join(self._text)))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)


def as_github(markdown: str) -> Rendered:
    return Rendered(cmarkgfm.github_flavored_markdown_to_html(markdown))


def as_commonmark(markdown: str) -> Rendered:
    md = markdown_it.MarkdownIt("commonmark").enable("table")
    return Rendered(md.render(markdown))


@pytest.fixture(scope="module")
def hostile(summarizer, tmp_path_factory: pytest.TempPathFactory):
    """An extractive run over articles whose every field is hostile, and a file that fails
    with a hostile name."""
    folder = tmp_path_factory.mktemp("hostile")
    bad = folder / f"# bad ![i](http:evil) [c](http:evil) `x`\ninvoice{RLO}txt.exe"
    bad.write_bytes(b"")  # refused: empty, so its name is in the failures
    docs = [
        Document(
            source=f"[src](http://evil) `tick`` invoice{RLO}txt.exe",
            text=EVIL_BODY,
            title=EVIL_TITLE + "\n## Injected\n- item",
            lang="en",
            id=f"id-<b>bold</b>-[x](http://evil)-{RLO}",
            outlet="![o](http://evil/o.png) | Outlet",
        ),
        Document(
            source="plain.txt", text=ENGLISH, title=f"Water {RLO}news{PDI}{PDI} today", lang="en"
        ),
    ]
    result = summarizer.run([*docs, str(bad)], Options(engine="extractive"))
    assert len(result.articles) == 2 and len(result.failed) == 1
    return result


def test_markdown_makes_no_heading_link_or_image_from_input(hostile) -> None:
    markdown = render(hostile, "md")
    for page in (as_github(markdown), as_commonmark(markdown)):
        assert "img" not in page.tags and "script" not in page.tags and "b" not in page.tags
        assert page.hrefs and all(h.startswith("#") for h in page.hrefs), page.hrefs
        tops = [text for tag, text in page.headings if tag == "h1"]
        assert tops == ["Digest", "Timeline", "Sources", "Articles", "Failed"]
        titles = [text for tag, text in page.headings if tag != "h1"]
        # the title is shown whole, as written, on its line: its newlines became spaces
        shown = f"{EVIL_TITLE} ## Injected - item"
        assert shown in titles and not {"Injected", "Hi", "item"} & set(titles)
        assert all(tag in ("h1", "h2") for tag, _ in page.headings)
    github = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert "http://evil.com" in github and 'href="http' not in github  # text, not autolinks
    assert html.escape("*the* city and its _people_ | all") in github  # no emphasis
    # a name's own backticks stay inside its code span
    assert "<code>[src](http://evil) `tick`` invoice&lt;U+202E&gt;txt.exe</code>" in github


def test_markdown_tables_keep_their_columns(hostile) -> None:
    github = cmarkgfm.github_flavored_markdown_to_html(render(hostile, "md"))
    rows = re.findall(r"<tr>(.*?)</tr>", github, re.S)
    assert len(rows) == 3  # the head and one row per article
    assert all(row.count("<td") + row.count("<th") == 7 for row in rows)


def test_bidi_controls_are_shown_in_names_and_closed_in_text(hostile) -> None:
    for fmt in ("md", "html"):
        page = render(hostile, fmt)
        assert f"invoice{RLO}" not in page  # never raw in a name: the file, source, id
        assert "invoice&lt;U+202E&gt;txt.exe" in page or "invoice<U+202E>txt.exe" in page
        for line in page.splitlines():
            assert_contained(line)
    # an article's own text keeps its controls, closed within it
    title = hostile.articles[1].title
    shown = f"{FSI}Water {RLO}news today{PDF}{PDI}"  # its stray PDIs dropped, RLO closed
    assert isolate_bidi(title) == shown
    assert shown in render(hostile, "md") and shown in render(hostile, "html")


def assert_contained(line: str) -> None:
    """Every bidi embedding, override or isolate of ``line`` is closed on it, inside an
    isolate of its own (so it cannot reorder the rest of the line)."""
    stack: list[str] = []
    for ch in line:
        if ch in "\u202a\u202b\u202d\u202e":
            assert PDI in stack, f"an override outside an isolate: {line!r}"
            stack.append(PDF)
        elif ch in "\u2066\u2067\u2068":
            stack.append(PDI)
        elif ch in (PDF, PDI):
            assert stack and stack[-1] == ch, f"a closer that closes nothing: {line!r}"
            stack.pop()
    assert not stack, f"left open: {line!r}"


def test_isolate_bidi_leaves_plain_and_rtl_text_alone() -> None:
    for text in ("plain", "שלום עולם", "مرحبا بالعالم", "سلام دنیا", ""):
        assert isolate_bidi(text) == text
    assert isolate_bidi(f"a{RLO}b") == f"{FSI}a{RLO}b{PDF}{PDI}"
    assert isolate_bidi(f"a{PDI}{PDF}b") == f"{FSI}ab{PDI}"  # closers of nothing dropped
    assert visible_controls(f"x{RLO}\n\x1b[2J") == "x<U+202E><U+000A><U+001B>[2J"


def test_terminal_lines_show_controls(tmp_path: Path, capsys) -> None:
    bad = tmp_path / f"evil{RLO}txt.exe\nsummarize: 0 failed"
    bad.write_bytes(b"")
    assert main([str(bad), "--engine", "extractive", "-q", "-o", str(tmp_path / "o.md")]) == 1
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if x.startswith("summarize: failed:")]
    assert "evil<U+202E>txt.exe<U+000A>summarize: 0 failed" in line
    assert RLO not in err and "\nsummarize: 0 failed" not in err
    logging.getLogger("summarizer").warning("from %s", f"a{RLO}b")  # every log line too
    assert "from a<U+202E>b" in capsys.readouterr().err


def test_batch_index_shows_controls(tiny_config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / f"bad{RLO}exe.txt").write_bytes(b"")  # shown as "badtxt.exe"
    assert batch(tiny_config, tmp_path, str(folder), "--engine", "extractive") == 1
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert RLO not in page and "bad&lt;U+202E&gt;exe.txt" in page


# --- the store: a full disk, a garbled row ---------------------------------------------------

FULL = [
    sqlite3.OperationalError("database or disk is full"),
    OSError(errno.ENOSPC, "No space left on device"),
]


@pytest.mark.parametrize("error", FULL, ids=["sqlite", "ENOSPC"])
def test_a_full_disk_when_opening_the_store_says_so(tmp_path, monkeypatch, error) -> None:
    def connect(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("summarizer.store.sqlite3.connect", connect)
    path = tmp_path / "store.sqlite"
    with pytest.raises(StoreError) as exc:
        Store(path)
    message = str(exc.value)
    assert message.startswith(f"{path}: cannot be used as the store")
    assert "the disk is full; free some space" in message and "--store" in message
    assert "delete" not in message and "aside" not in message


@pytest.mark.parametrize("error", FULL, ids=["sqlite", "ENOSPC"])
def test_a_full_disk_when_writing_says_so(tmp_path, monkeypatch, error) -> None:
    store = Store(tmp_path / "store.sqlite")

    def put(*args: object) -> None:
        raise error

    monkeypatch.setattr(Store, "put_page", put)
    with pytest.raises(StoreError) as exc, store.transaction():
        store.put_page("http://x", {"source": "http://x", "text": "t"})
    message = str(exc.value)
    assert message.startswith(f"{store.path}: cannot be written, the disk is full")
    assert "free some space on it" in message and "delete" not in message
    with pytest.raises(StoreError, match=r"then run the same command again"):
        store.apply([("page", ["http://y", {"source": "http://y", "text": "t"}])])
    assert store.counts()["pages"] == 0 and store.check() == "ok"


def test_a_single_run_on_a_full_disk_still_writes_its_output(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    def full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "put_article", full)
    source, out, store = tmp_path / "a.txt", tmp_path / "d.json", tmp_path / "s.sqlite"
    source.write_text(ENGLISH, encoding="utf-8")
    args = [str(source), "--engine", "extractive", "--store", str(store), "-o", str(out)]
    assert main([*args, "-q"]) == 0
    err = capsys.readouterr().err
    assert f"{store}: cannot be written, the disk is full" in err
    assert "not kept in the store" in err and "Traceback" not in err
    assert json.loads(out.read_text(encoding="utf-8"))["articles"][0]["brief"]


GERMAN = (
    "Die Regierung hat am Montag einen neuen Plan vorgestellt. Der Plan soll die Wasserversorgung "
    "verbessern. Kritiker sagen, er komme zu spät."
)


def garble(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute(sql).rowcount >= 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE translations SET data = '{not json'",
        "UPDATE translations SET data = '[1, 2]'",
        'UPDATE translations SET data = \'{"title": null, "segments": []}\'',  # does not fit
        "UPDATE briefs SET data = '{\"brief\": 3}'",
    ],
    ids=["translation-not-json", "translation-a-list", "translation-too-short", "brief-shape"],
)
def test_a_garbled_row_is_made_again_with_a_warning(summarizer, tmp_path, caplog, sql) -> None:
    path = tmp_path / "s.sqlite"
    run = Summarizer(summarizer.config, "cpu", store=Store(path))
    run.pool = summarizer.pool
    doc = Document(source="wasser.txt", text=GERMAN, lang="de")
    first = run.run([doc], Options(engine="extractive"))
    assert first.failed == []
    garble(path, sql)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        again = run.run([doc], Options(engine="extractive"))
    assert again.failed == [] and again.articles[0].translation == first.articles[0].translation
    warned = [r.getMessage() for r in caplog.records if "cannot be read back" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith(f"{path}: the stored ")
    assert "wasser.txt" in warned[0] and "it is made again" in warned[0]
    caplog.clear()
    run.run([doc], Options(engine="extractive"))  # stored over: read back as it should be
    assert not [r for r in caplog.records if "cannot be read back" in r.getMessage()]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE translations SET data = 'garbage' WHERE rowid = 1",
        "UPDATE articles SET spans = '[[0, 99999, 0]]' WHERE rowid = 1",
        "UPDATE articles SET spans = 'oops' WHERE rowid = 1",
        "UPDATE digests SET data = '{\"texts\": {}}'",
    ],
    ids=["translation", "spans-out-of-text", "spans-not-json", "digest"],
)
def test_a_batch_goes_on_past_a_garbled_row(tiny_config, tmp_path, capsys, sql) -> None:
    manifest = synthetic_manifest(tmp_path / "m.jsonl", 3)
    args = ("--engine", "extractive")
    assert batch(tiny_config, tmp_path, str(manifest), *args) == 0
    garble(tmp_path / "store.sqlite", sql)
    capsys.readouterr()
    assert batch(tiny_config, tmp_path, str(manifest), *args) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "summarize: error" not in err
    warned = [line for line in err.splitlines() if "cannot be read back" in line]
    assert len(warned) == 1 and f"{tmp_path / 'store.sqlite'}: the stored" in warned[0]
    summary = index(tmp_path)["summary"]
    if "digests" in sql:  # every article was done; the digest is written again
        assert summary["skipped"] == 3 and "digest 'All articles'" in warned[0]
    else:
        assert summary["done"] == 1 and summary["skipped"] == 2
        assert re.search(r"of \S+m\.jsonl:\d", warned[0]), warned[0]  # names the article


# --- --since and other values -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "9999999999d"],
        ["--since", "99999999d"],
        ["--since", "yesterday-ish"],
        ["--since", "2999-01-01"],
        ["--since", "0h"],
        ["--since", "10000-01-01"],
    ],
)
def test_a_bad_since_is_a_usage_error(tmp_path: Path, capsys, args: list[str]) -> None:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["batch", "--feeds", str(feeds), "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("summarize batch: error: argument --since: ")
    assert "Traceback" not in err and "OverflowError" not in err


def test_a_bad_port_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", "99999"])
    assert exc.value.code == 2 and "argument --port: must be a port" in capsys.readouterr().err


# --- a huge article ---------------------------------------------------------------------------


def test_textrank_is_networkx_pagerank() -> None:
    """The numpy iteration gives networkx's numbers (an edgeless sentence included)."""
    import networkx as nx

    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 60):
        vectors = rng.random((n, 12)) * (rng.random((n, 12)) > 0.7)
        vectors[n // 2] = 0  # a sentence sharing no word
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sim = vectors @ vectors.T
        prior = position_prior(n)
        weights = np.clip(sim, 0, None)
        np.fill_diagonal(weights, 0)
        ranks = nx.pagerank(nx.from_numpy_array(weights), alpha=0.85,
                            personalization=dict(enumerate(prior)))  # fmt: skip
        expected = np.array([ranks[i] for i in range(n)])
        assert np.allclose(textrank(sim, prior), expected, atol=1e-9)


def test_a_huge_article_is_briefed_in_seconds(summarizer, monkeypatch) -> None:
    """3,000 sentences (networkx took minutes for that many; a 20 MB text's similarity
    matrix would not fit in memory): no matrix past RANKED x RANKED sentences, ranked over
    the first RANKED, said in a warning."""
    from summarizer.similarity import Similarity

    real, shapes = Similarity.matrix, []

    def matrix(self: Similarity, a: list[str], b: list[str]) -> np.ndarray:
        shapes.append((len(a), len(b)))
        return real(self, a, b)

    monkeypatch.setattr(Similarity, "matrix", matrix)
    words = ENGLISH.split(". ")
    text = "\n\n".join(
        " ".join(f"{words[(i + k) % 4].rstrip('.')} in district {i}-{k}." for k in range(5))
        for i in range(600)
    )
    started = time.monotonic()
    result = summarizer.run(
        [Document(source="huge.txt", text=text, lang="en")], Options(engine="extractive")
    )
    elapsed = time.monotonic() - started
    (article,) = result.articles
    assert len(article.segments) == 3000 and article.brief and result.digest.points
    assert f"first {RANKED:,} of 3,000 sentences" in " ".join(article.warnings)
    assert all(k < RANKED for k in article.brief_segments)
    assert max(a * b for a, b in shapes) <= RANKED * RANKED
    assert elapsed < 60, elapsed


# --- models: a full disk is not the network's fault -----------------------------------------


def test_a_full_disk_while_pulling_says_so(tiny_config: Path) -> None:
    from summarizer.config import load_config
    from summarizer.hub import HubError, _call

    spec = load_config(tiny_config).models["tiny-marian"]

    def download() -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:  # as huggingface_hub wraps it
            raise RuntimeError("download failed") from exc

    with pytest.raises(HubError) as exc:
        _call(spec, "main", download)
    message = str(exc.value)
    assert "cannot be saved in the model cache" in message and "free some space" in message
    assert "network" not in message


def test_a_full_disk_for_the_model_lock_says_so(monkeypatch, tmp_path: Path) -> None:
    from summarizer import hub

    def full(path: object, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv(hub.LOCK_ENV, str(tmp_path / "lock.json"))
    monkeypatch.setattr(hub, "atomic_write", full)
    with pytest.raises(hub.HubError) as exc, hub.editing_lock():
        pass
    assert str(exc.value) == (
        f"the model lock {tmp_path / 'lock.json'} cannot be written (No space left on device); "
        "free some space on its disk"
    )
