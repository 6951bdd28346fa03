"""Pasted text and uploads: web pages, JSON and JSON Lines records, and their failures."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES

from summarizer.formats import read_upload, split_pasted
from summarizer.types import IngestError

ARTICLE = (EXAMPLES / "en_solar_negev.txt").read_text(encoding="utf-8")
BODY = ARTICLE.split("\n\n", 1)[1]

PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Solar park opens | Example News</title>
<meta property="article:published_time" content="2024-06-03T09:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/energy">Energy</a></nav>
<article><h1>450-megawatt solar park opens in the Negev desert</h1>
{"".join(f"<p>{p}</p>" for p in BODY.split(chr(10) + chr(10)))}
</article><footer>© 2024 Example News. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>"""


def test_pasted_articles_split_on_separator_lines() -> None:
    docs = split_pasted(f"{ARTICLE}\n---\n{ARTICLE}\n\n=====\n\n  \n---\n")
    assert [d.source for d in docs] == ["pasted-1", "pasted-2"]
    assert split_pasted(ARTICLE)[0].source == "pasted"
    assert split_pasted("   \n---\n") == []


def test_html_page_gives_the_article_text_title_and_date() -> None:
    (doc,), problems = read_upload("page.html", PAGE.encode("utf-8"))
    assert problems == []
    assert "Sde Or" in doc.text and "Orna Ben-Dov" in doc.text
    assert "Subscribe" not in doc.text and "Home" not in doc.text.split()
    assert doc.title and "solar park" in doc.title.lower()
    assert doc.published and doc.published.startswith("2024-06-03")


def test_html_without_article_text_is_refused() -> None:
    with pytest.raises(IngestError, match=r"empty.html: no article text found in the page"):
        read_upload("empty.html", b"<html><head><title>x</title></head><body></body></html>")


def test_json_records_and_their_problems() -> None:
    records = [
        {"id": "a1", "title": "T", "text": BODY, "lang": "en", "published": "2024-06-03"},
        {"title": "no text here"},
        {"content": BODY, "url": "https://example.org/x"},
    ]
    docs, problems = read_upload("batch.json", json.dumps(records).encode("utf-8"))
    assert [(d.id, d.source, d.lang) for d in docs] == [
        ("a1", "batch.json[0]", "en"),
        (None, "https://example.org/x", None),
    ]
    assert problems == [
        "batch.json[1]: no article text; give each record a 'text' field "
        "(or one of content, body, article)"
    ]


def test_jsonl_bad_line_is_named_and_the_rest_read() -> None:
    lines = [json.dumps({"text": BODY}), "{not json", json.dumps({"body": BODY})]
    docs, problems = read_upload("feed.jsonl", "\n".join(lines).encode("utf-8"))
    assert len(docs) == 2
    assert len(problems) == 1 and problems[0].startswith("feed.jsonl:2: not valid JSON")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", b"%PDF-1.7", r"scan.pdf: '.pdf' files are not read; upload .txt, .md"),
        ("broken.json", b'{"text": ', r"broken.json: not valid JSON .* fix the file"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(16), r"photo.txt: is a PNG image, not text"),
        ("empty.md", b"  \n", r"empty.md: file is empty"),
    ],
)
def test_unreadable_uploads_are_one_line_reasons(name: str, data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_upload(name, data)


def test_one_metadata_mapper_for_front_matter_json_and_manifests(tmp_path) -> None:
    """The same keys mean the same fields wherever metadata comes from: "source" (or
    "outlet") is who published it, "url" is where the text came from."""
    from summarizer.fetch import Fetcher
    from summarizer.formats import document_from_bytes
    from summarizer.inputs import documents, plan

    meta = {"title": "T", "date": "2026-11-02", "language": "de", "source": "Tagesblatt",
            "author": "A", "topic": "water", "id": "x1"}  # fmt: skip
    expected = {"title": "T", "published": "2026-11-02", "lang": "de", "outlet": "Tagesblatt",
                "author": "A", "topic": "water", "id": "x1"}  # fmt: skip
    front = "---\n" + "".join(f"{k}: {v}\n" for k, v in meta.items()) + "---\nDer Text.\n"
    record = {"text": "Der Text.", "url": "https://example.org/a", **meta}
    docs, problems = read_upload("a.json", json.dumps(record).encode())
    assert not problems and docs[0].source == "https://example.org/a"
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({k: v for k, v in record.items() if k != "url"}) + "\n")
    with Fetcher() as fetcher:
        from_manifest = list(documents(plan([str(manifest)], None, None, fetcher), None, fetcher))
    for doc in (document_from_bytes(front.encode(), "a.txt"), docs[0], from_manifest[0]):
        assert {k: getattr(doc, k) for k in expected} == expected
