"""Batch digests on the tiny models: folders, manifests, HTML, pages and feeds from a local
server, grouping, the store (reuse, syndicated copies, resume after SIGKILL) and memory."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email.utils import format_datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ARTIFACTS, EXAMPLES, ROOT

from summarizer.cli import main
from summarizer.store import Store

GERMAN_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Neue Solaranlage versorgt Dörfer | Testblatt</title>
<meta property="og:site_name" content="Testblatt">
<meta name="author" content="Jana Beispiel">
<meta property="article:published_time" content="{date}">
</head><body><nav><a href="/">Startseite</a> <a href="/politik">Politik</a></nav>
<article><h1>Neue Solaranlage versorgt Dörfer</h1>
<p>Eine neue Solaranlage im Süden des Landes liefert seit Montag Strom für rund zwölftausend
Haushalte. Der Betreiber teilte mit, dass die Anlage bei voller Leistung vierzig Megawatt
erzeugt.</p>
<p>Die Gemeinden hatten jahrelang auf den Anschluss gewartet. Kritiker bemängeln dagegen die
hohen Kosten des Projekts und den Flächenverbrauch in der Wüste.</p>
<p>Im kommenden Jahr soll ein Speicher hinzukommen, der den Strom auch nachts bereitstellt.</p>
</article><footer>© Testblatt · Impressum · Datenschutz</footer></body></html>"""


class Site(BaseHTTPRequestHandler):
    """Pages and an RSS feed whose entries are dated relative to now."""

    def do_GET(self) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        if self.path.startswith("/article"):
            days = int(self.path.rsplit("-", 1)[-1].split(".")[0]) if "-" in self.path else 0
            body = GERMAN_PAGE.format(date=(now - dt.timedelta(days=days)).date().isoformat())
            body = body.replace("Montag", f"Montag ({self.path})")
            self._send("text/html; charset=utf-8", body)
        elif self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Solar {h}</title><link>http://{self.headers['Host']}/article-"
                f"{h // 24}.html?h={h}</link><pubDate>"
                f"{format_datetime(now - dt.timedelta(hours=h))}</pubDate></item>"
                for h in (1, 2, 72)
            )
            self._send(
                "application/rss+xml",
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>Testblatt</title>'
                f"<link>http://{self.headers['Host']}/</link>{items}</channel></rss>",
            )
        else:
            self.send_error(404)

    def _send(self, ctype: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def batch(tiny_config: Path, tmp: Path, *args: str, store: str = "store.sqlite") -> int:
    return main(["batch", *args, "--out", str(tmp / "out"), "--store", str(tmp / store),
                 "--config", str(tiny_config), "-q"])  # fmt: skip


def index(tmp: Path) -> dict:
    return json.loads((tmp / "out" / "index.json").read_text(encoding="utf-8"))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def check_outputs(tmp: Path) -> dict:
    """Every group has its three files, parseable, and every index link resolves."""
    found = index(tmp)
    out = tmp / "out"
    for g in found["groups"]:
        data = json.loads((out / f"{g['slug']}.json").read_text(encoding="utf-8"))
        assert len({a["hash"] for a in data["articles"]}) == len(data["articles"])
        assert data["digest"]["points"], g["name"]
        assert (out / f"{g['slug']}.md").read_text(encoding="utf-8").strip()
        assert "<html" in (out / f"{g['slug']}.html").read_text(encoding="utf-8")
    links = Links()
    links.feed((out / "index.html").read_text(encoding="utf-8"))
    assert links.hrefs and all((out / h).is_file() for h in links.hrefs)
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"
    return found


def test_folder_by_source_with_html_and_syndicated_copy(tiny_config: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for outlet, files in {"wire": ["en_desalination_wire.txt", "de_wasserkonferenz.txt"],
                          "daily": ["he_solar.txt", "ar_desalination.txt"]}.items():  # fmt: skip
        (corpus / outlet).mkdir(parents=True)
        for name in files:
            shutil.copy(EXAMPLES / name, corpus / outlet / name)
    (corpus / "daily" / "solar.html").write_text(GERMAN_PAGE.format(date="2024-06-03"), "utf-8")
    # A syndicated copy: the German text again, under another name.
    shutil.copy(EXAMPLES / "de_wasserkonferenz.txt", corpus / "wire" / "de_copy.txt")

    assert batch(tiny_config, tmp_path, str(corpus), "--group-by", "source") == 0
    found = check_outputs(tmp_path)
    assert [g["name"] for g in found["groups"]] == ["daily", "wire"]
    assert found["summary"] == found["summary"] | {"done": 6, "failed": 0, "duplicates": 1}
    daily = json.loads((tmp_path / "out" / "daily.json").read_text(encoding="utf-8"))
    html_article = next(a for a in daily["articles"] if a["source"].endswith("solar.html"))
    assert html_article["title"] == "Neue Solaranlage versorgt Dörfer"
    assert "Impressum" not in html_article["original"]
    # The copy was translated and briefed once (and the English article needs no translation).
    assert rows(tmp_path / "store.sqlite", "translations") == 4
    assert rows(tmp_path / "store.sqlite", "briefs") == 5
    wire = json.loads((tmp_path / "out" / "wire.json").read_text(encoding="utf-8"))
    assert len(wire["articles"]) == 2  # the copy is listed once, naming both sources
    german = next(a for a in wire["articles"] if a["language"] == "de")
    named = german["source"] + " ".join(w for w in german["warnings"] if "also came from" in w)
    assert "de_copy.txt" in named and "de_wasserkonferenz.txt" in named

    # Run again: everything is found in the store, and the digests come out the same.
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("[!i]*")}
    assert batch(tiny_config, tmp_path, str(corpus), "--group-by", "source") == 0
    assert index(tmp_path)["summary"] | {"seconds": 0} == {
        "done": 0, "failed": 0, "skipped": 6, "duplicates": 1, "seconds": 0}  # fmt: skip
    assert before == {p.name: p.read_bytes() for p in (tmp_path / "out").glob("[!i]*")}


def test_manifest_bad_lines_urls_and_topics(
    tiny_config: Path, tmp_path: Path, site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))}
    lines = [
        json.dumps(
            {
                "path": str(EXAMPLES / "de_wasserkonferenz.txt"),
                "topic": "water",
                "source": "Konferenzblatt",
            }
        ),
        "{not json",
        json.dumps({"text": texts["ar_desalination"], "topic": "water", "lang": "ar"}),
        json.dumps({"title": "no article here"}),
        json.dumps({"path": "missing.txt"}),
        json.dumps({"url": f"{site}/article-1.html"}),
        json.dumps({"text": texts["he_solar"], "published": "2024-06-03"}),
        json.dumps(["a", "list"]),
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert batch(tiny_config, tmp_path, str(manifest), "--group-by", "topic") == 1
    found = check_outputs(tmp_path)
    failed = {f["source"]: f["error"] for f in found["failed"]}
    assert set(failed) == {f"{manifest}:{n}" for n in (2, 4, 5, 8)}
    assert "not valid JSON" in failed[f"{manifest}:2"]
    assert "'text', 'path' or 'url'" in failed[f"{manifest}:4"]
    assert "no such file" in failed[f"{manifest}:5"]
    assert "not a JSON object" in failed[f"{manifest}:8"]
    err = capsys.readouterr().err
    assert f"{manifest}:2:" in err and "Traceback" not in err
    names = [g["name"] for g in found["groups"]]
    assert names[0] == "water" and all(n.startswith("Story ") for n in names[1:])
    assert sum(g["articles"] for g in found["groups"]) == 4
    water = json.loads((tmp_path / "out" / "water.json").read_text(encoding="utf-8"))
    assert sorted(a["language"] for a in water["articles"]) == ["ar", "de"]


def test_feeds_since_and_group_by_day(tiny_config: Path, tmp_path: Path, site: str) -> None:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# our test outlet\n{site}/feed.xml\n", encoding="utf-8")
    assert batch(tiny_config, tmp_path, "--feeds", str(feeds), "--since", "24h",
                 "--group-by", "day") == 0  # fmt: skip
    found = check_outputs(tmp_path)
    assert found["summary"]["done"] == 2  # the 72-hour-old entry is older than --since
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert [g["name"] for g in found["groups"]] == [today]
    data = json.loads((tmp_path / "out" / f"{today}.json").read_text(encoding="utf-8"))
    assert {a["source"].split("?")[0] for a in data["articles"]} == {f"{site}/article-0.html"}
    with sqlite3.connect(tmp_path / "store.sqlite") as db:  # pages are kept for a re-run
        assert db.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 2


def test_single_run_reads_a_web_page(
    tiny_config: Path, tmp_path: Path, site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([f"{site}/article-0.html", "--config", str(tiny_config), "-f", "json", "-q",
                 "--store", str(tmp_path / "s.sqlite")])  # fmt: skip
    assert code == 0
    article = json.loads(capsys.readouterr().out)["articles"][0]
    assert article["title"] == "Neue Solaranlage versorgt Dörfer"
    assert article["published"] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert article["language"] == "de" and article["translation"]
    assert main([f"{site}/missing.html", "--config", str(tiny_config), "-q"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_bad_usage_is_one_line(tiny_config: Path, tmp_path: Path, capsys) -> None:
    assert main(["batch", "--out", str(tmp_path), "--config", str(tiny_config)]) == 2
    assert "nothing to read" in capsys.readouterr().err
    feeds = tmp_path / "f.txt"
    feeds.write_text("http://127.0.0.1:9/feed\n", encoding="utf-8")
    args = ["batch", "--feeds", str(feeds), "--since", "yesterday-ish", "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exc:  # argparse's own usage error
        main([*args, "--config", str(tiny_config)])
    assert exc.value.code == 2 and "argument --since" in capsys.readouterr().err
    (tmp_path / "dir.sqlite").mkdir()
    code = main(["batch", str(EXAMPLES), "--out", str(tmp_path / "o"), "--store",
                 str(tmp_path / "dir.sqlite"), "--config", str(tiny_config), "-q"])  # fmt: skip
    assert code == 1
    assert "cannot be used as the store" in capsys.readouterr().err


WORDS = (
    "Die Anlage in der Stadt liefert seit Montag Wasser für viele Haushalte und der "
    "Betreiber plant einen Ausbau im nächsten Jahr während Kritiker die Kosten bemängeln"
)


def synthetic_manifest(path: Path, n: int, sentences: int = 3) -> Path:
    """``n`` short German articles of our own words, over 20 days and 5 outlets."""
    import random

    rnd = random.Random(7)
    words = WORDS.split()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            body = " ".join(
                " ".join(rnd.sample(words, 9)).capitalize() + "." for _ in range(sentences)
            )
            day, outlet = f"2026-11-{1 + i % 20:02d}", f"outlet{i % 5}"
            record = {"text": f"Meldung {i}. {body}", "lang": "de", "published": day,
                      "source": outlet}  # fmt: skip
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def cli(tiny_config: Path, manifest: Path, out: Path, store: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "summarizer.cli", "batch", str(manifest), "--out", str(out),
            "--store", str(store), "--config", str(tiny_config), "-q", "--group-by", "source",
            *extra]  # fmt: skip


def child_env() -> dict[str, str]:
    return dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))


def rows(store: Path, table: str) -> int:
    try:
        with sqlite3.connect(store, timeout=5) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_outputs(tiny_config: Path, tmp_path: Path) -> None:
    n = 120
    manifest = synthetic_manifest(tmp_path / "m.jsonl", n)
    args = cli(tiny_config, manifest, tmp_path / "whole", tmp_path / "w.sqlite")
    whole = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr

    store = tmp_path / "k.sqlite"
    args = cli(tiny_config, manifest, tmp_path / "out", store, "--chunk-size", "4")
    child = subprocess.Popen(args, env=child_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while rows(store, "briefs") < 12 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    killed_at = rows(store, "briefs")
    assert 12 <= killed_at < n, f"the run was not stopped mid-way ({killed_at} of {n})"
    with Store(store) as opened:
        assert opened.check() == "ok"
        counts = opened.counts()
    assert counts["translations"] == counts["briefs"] == killed_at  # whole chunks only
    assert not (tmp_path / "out" / "index.html").exists()

    resumed = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    # Only what the killed run had not finished was translated: no article twice.
    summary = json.loads((tmp_path / "out" / "index.json").read_text())["summary"]
    assert (summary["done"], summary["skipped"], summary["failed"]) == (n - killed_at, killed_at, 0)
    assert rows(store, "translations") == n
    same = {p.name: p.read_bytes() for p in (tmp_path / "whole").iterdir() if p.stem != "index"}
    again = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.stem != "index"}
    assert len(same) == 3 * 5 and same == again


def check_engine_outputs(out: Path, n: int, engine: str) -> None:
    """Every article of the run was translated (from German, by the routed model) and
    briefed by ``engine``: the abstractive run really ran the seq2seq models."""
    summary = json.loads((out / "index.json").read_text())["summary"]
    assert (summary["done"], summary["failed"], summary["skipped"]) == (n, 0, 0), summary
    articles = []
    for group in sorted(out.glob("outlet*.json")):
        data = json.loads(group.read_text(encoding="utf-8"))
        assert not data["failed"], data["failed"]
        assert data["digest"]["engine"] == engine
        brief = data["models"]["brief"]  # who wrote the briefs: the model, or TextRank
        if engine == "abstractive":
            assert Path(brief).name == Path(data["models"]["digest"]).name == "bart"
            assert data["digest"]["points"], group.name
        else:
            assert brief == "extractive"
        assert Path(data["models"]["translation.de"]).name == "marian"
        articles += data["articles"]
    assert len(articles) == n
    for a in articles:
        assert a["language"] == "de" and a["translation_model"], a["id"]
        assert a["translation"].strip() and a["brief"].strip(), a["id"]
    if engine == "abstractive":  # generated, not sentences picked from the translation
        assert not any(a["brief"] in a["translation"] for a in articles)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["extractive", "abstractive"])
def test_memory_of_a_2000_article_run_stays_bounded(
    tiny_config: Path, tmp_path: Path, engine: str
) -> None:
    """Peak memory grows little from 200 to 2,000 articles: work streams through in chunks.

    Both engines translate every (German) article with the routed Marian model; the
    extractive one then ranks sentences (TextRank) for briefs and digest, the abstractive
    one writes them with the BART model. Measured on the development machine (tiny models,
    CPU, 2 shared cores; peak VmHWM of the child): extractive 630 MB at 200 articles and
    653 MB at 2,000 (runs of 8 s and 17 s); abstractive 620 MB and 642 MB (8 s and 20 s).
    The bounds below leave room for other machines.
    """
    peaks = {}
    for n in (200, 2000):
        manifest = synthetic_manifest(tmp_path / f"m{n}.jsonl", n, sentences=1)
        peak_file = tmp_path / f"peak{n}"
        args = cli(tiny_config, manifest, tmp_path / f"o{n}", tmp_path / f"s{n}",
                   "--engine", engine)[3:]  # fmt: skip
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent, so the
        # child would report this test process's own peak (models, lingua) as its own.
        code = (
            "import re, sys\nfrom summarizer.cli import main\n"
            f"status = main({args!r})\n"
            "status_text = open('/proc/self/status').read()\n"
            "peak = re.search(r'VmHWM:\\s*(\\d+)', status_text).group(1)\n"
            f"open({str(peak_file)!r}, 'w').write(peak)\n"
            "sys.exit(status)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=child_env(), capture_output=True, text=True,
            timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        peaks[n] = int(peak_file.read_text()) / 1024  # MB
        check_engine_outputs(tmp_path / f"o{n}", n, engine)
    # One file for both engines: {"peak_mb": {"extractive": {...}, "abstractive": {...}}}.
    ARTIFACTS.mkdir(exist_ok=True)
    record = ARTIFACTS / "batch-memory.json"
    try:
        found = json.loads(record.read_text())["peak_mb"]
        kept = {k: v for k, v in found.items() if k in ("extractive", "abstractive")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        kept = {}
    record.write_text(json.dumps({"peak_mb": {**kept, engine: peaks}}) + "\n")
    assert peaks[2000] < 1500, peaks
    assert peaks[2000] - peaks[200] < 100, peaks
