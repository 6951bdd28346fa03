"""Reading articles: encodings, refusals with one-line reasons, front matter, ids."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from summarizer.formats import article_id
from summarizer.inputs import expand_inputs, read_source
from summarizer.types import IngestError

ENGLISH = "The library opened on Monday. Visitors queued for an hour before the doors opened.\n"
ARABIC = (
    "افتتحت البلدية صباح اليوم مكتبة عامة جديدة في وسط المدينة القديمة. "
    "وتضم المكتبة أكثر من عشرين ألف كتاب باللغتين العربية والإنجليزية. "
    "وقال مدير المشروع إن القاعة الكبرى ستستقبل الطلاب مجاناً طوال أيام الأسبوع. "
    "ومن المتوقع أن تفتح المكتبة أبوابها للجمهور في بداية الشهر المقبل."
)
HEBREW = (
    "העירייה פתחה הבוקר ספרייה ציבורית חדשה במרכז העיר העתיקה. "
    "בספרייה יותר מעשרים אלף ספרים בעברית ובאנגלית, וגם פינת קריאה לילדים. "
    "מנהל הפרויקט אמר כי האולם הגדול יהיה פתוח לסטודנטים בחינם בכל ימות השבוע. "
    "הציבור יוכל להיכנס לספרייה כבר בתחילת החודש הבא."
)
GERMAN = (
    "Die Stadtverwaltung hat heute früh eine neue öffentliche Bibliothek in der Altstadt "
    "eröffnet. Dort stehen mehr als zwanzigtausend Bücher über Flüsse, Straßen und große "
    "Brücken. Der Projektleiter sagte, dass Schülerinnen und Schüler den Lesesaal künftig "
    "kostenlos nutzen dürfen. Die Öffnungszeiten werden Anfang nächsten Monats bekanntgegeben."
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path | str, match: str) -> IngestError:
    with pytest.raises(IngestError, match=match) as info:
        read_source(str(path))
    message = str(info.value)
    assert "\n" not in message
    assert Path(path).name in message
    return info.value


# --- encodings -------------------------------------------------------------------------


def test_utf8(tmp_path: Path) -> None:
    doc = read_source(str(write(tmp_path, "a.txt", ENGLISH.encode("utf-8"))))
    assert doc.text == ENGLISH
    assert doc.encoding == "utf-8"


def test_utf8_with_bom(tmp_path: Path) -> None:
    doc = read_source(str(write(tmp_path, "a.txt", b"\xef\xbb\xbf" + GERMAN.encode("utf-8"))))
    assert doc.text == GERMAN
    assert not doc.text.startswith("\ufeff")
    assert doc.encoding == "utf-8"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    data = HEBREW.encode(codec)
    if codec != "utf-16":
        data = ("\ufeff" + HEBREW).encode(codec)
    doc = read_source(str(write(tmp_path, "a.txt", data)))
    assert doc.text == HEBREW
    assert doc.encoding == "utf-16"


def test_crlf_newlines_unified(tmp_path: Path) -> None:
    doc = read_source(str(write(tmp_path, "a.txt", b"First line.\r\nSecond line.\r\n")))
    assert doc.text == "First line.\nSecond line.\n"


@pytest.mark.parametrize(
    ("text", "codec"),
    [(ARABIC, "cp1256"), (HEBREW, "cp1255"), (GERMAN, "cp1252")],
    ids=["arabic-cp1256", "hebrew-cp1255", "german-cp1252"],
)
def test_legacy_encoding_decoded_exactly(tmp_path: Path, text: str, codec: str) -> None:
    assert len(text) >= 200
    data = text.encode(codec)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = read_source(str(write(tmp_path, "legacy.txt", data)))
    assert doc.text == text
    assert doc.encoding != "utf-8"


# --- refusals --------------------------------------------------------------------------


def test_png_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    refused(path, r"PNG image, not text")


def test_zip_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", ENGLISH)
    path = write(tmp_path, "archive.txt", buffer.getvalue())
    refused(path, r"zip archive")


def test_nul_bytes_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.txt", b"some text\x00\x01\x02 more text")
    refused(path, r"looks binary, not text")


def test_empty_file_refused(tmp_path: Path) -> None:
    refused(write(tmp_path, "empty.txt", b""), r"file is empty")


def test_whitespace_only_file_refused(tmp_path: Path) -> None:
    refused(write(tmp_path, "blank.txt", b"  \n\t\r\n   \n"), r"file is empty")


def test_front_matter_only_file_refused(tmp_path: Path) -> None:
    data = b"---\ntitle: Nothing here\n---\n\n  \n"
    refused(write(tmp_path, "meta-only.txt", data), r"file is empty")


def test_missing_path_refused(tmp_path: Path) -> None:
    refused(tmp_path / "absent.txt", r"no such file")


def test_directory_refused(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    refused(folder, r"is a folder")


def test_broken_symlink_refused(tmp_path: Path) -> None:
    link = tmp_path / "dangling.txt"
    os.symlink(tmp_path / "gone.txt", link)
    refused(link, r"broken symbolic link")


# --- front matter ----------------------------------------------------------------------


def test_front_matter_read_and_stripped(tmp_path: Path) -> None:
    data = (
        "---\ntitle: Library opens downtown\npublished: 2025-01-02\nlang: de\n---\n" + GERMAN
    ).encode("utf-8")
    doc = read_source(str(write(tmp_path, "fm.md", data)))
    assert doc.title == "Library opens downtown"
    assert doc.published == "2025-01-02"
    assert doc.lang == "de"
    assert doc.text == GERMAN
    assert "---" not in doc.text


def test_text_without_front_matter_has_no_metadata(tmp_path: Path) -> None:
    doc = read_source(str(write(tmp_path, "plain.txt", ENGLISH.encode("utf-8"))))
    assert (doc.title, doc.published, doc.lang) == (None, None, None)


# --- expand_inputs ---------------------------------------------------------------------


def test_expand_folder_lists_articles_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.md", "a.txt", "sub/c.txt", "notes.pdf", "image.png"):
        (folder / name).write_text(ENGLISH, encoding="utf-8")
    sources, problems = expand_inputs([str(folder)])
    assert problems == []
    assert [Path(s).relative_to(folder).as_posix() for s in sources] == [
        "a.txt",
        "b.md",
        "sub/c.txt",
    ]


def test_expand_empty_folder_reported(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "readme.pdf").write_bytes(b"%PDF-1.4")
    sources, problems = expand_inputs([str(folder)])
    assert sources == []
    assert len(problems) == 1
    assert problems[0][0] == str(folder)
    assert ".txt" in problems[0][1]


def test_expand_keeps_files_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    sources, problems = expand_inputs([str(path), "-"])
    assert sources == [str(path), "-"]
    assert problems == []


# --- article_id ------------------------------------------------------------------------


def test_article_id_is_readable() -> None:
    assert article_id("in/My Article (1).txt", "x", set()) == "my-article-1"
    assert article_id("in/חדשות.txt", "x", set()) == "חדשות"
    assert article_id("stdin", "x", set()) == "stdin"
    assert article_id("in/!!!.txt", "x", set()) == "article"


def test_article_id_is_stable() -> None:
    def ids() -> list[str]:
        taken: set[str] = set()
        return [article_id(s, "same body", taken) for s in ("a/news.txt", "b/news.txt")]

    assert ids() == ids()


def test_article_id_is_unique() -> None:
    taken: set[str] = set()
    ids = [
        article_id("a/news.txt", "one", taken),
        article_id("b/news.txt", "two", taken),
        article_id("c/news.txt", "two", taken),
        article_id("d/News.md", "two", taken),
    ]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "news"
    assert all(i.startswith("news-") for i in ids[1:])
