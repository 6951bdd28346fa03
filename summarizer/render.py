"""Render a Result as Markdown, JSON or a self-contained HTML report.

Text from the inputs is shown as text everywhere: in Markdown its syntax is escaped (no
heading, link, image, list or raw HTML comes from an article or a file name) and it stays
on its line; names show their bidi and terminal controls (`<U+202E>`), article text keeps
them closed within itself. Text in right-to-left languages sits in blocks with the right
`dir` and `lang`.
"""

from __future__ import annotations

import html
from typing import Literal

import regex

from .language import is_rtl, language_name
from .report import DOUBT, DOUBT_LEGEND, anchor, model_name, note_groups, note_line, to_html
from .types import NO_POINTS, Result
from .utils import isolate_bidi, visible_controls

Format = Literal["md", "json", "html"]
FORMATS: tuple[str, ...] = ("md", "json", "html")


def render(result: Result, fmt: Format, title: str = "News digest") -> str:
    """The result as text in ``fmt``; ``title`` heads the HTML report."""
    if fmt == "json":
        return result.to_json()
    if fmt == "md":
        return to_markdown(result)
    if fmt == "html":
        return to_html(result, title)
    raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")


def to_markdown(result: Result) -> str:
    """A readable report: stories and cited points, timeline, sources, articles, failures.

    Every text from the inputs is shown as text (see `_text` and `_name`): no heading,
    link, image, list or HTML comes from an article, a file name or a message.
    """
    digest = result.digest
    out: list[str] = []
    if digest.stories:
        out += ["# Digest", ""]
        for story in digest.stories:
            dates = _dates(story.first_date, story.last_date)
            out += [
                f"## {_text(story.headline)}",
                "",
                f"{_name(dates)}; {len(story.articles)} article{'s' * (len(story.articles) != 1)}",
                "",
            ]
            if not story.points:
                out.append(f"- {NO_POINTS}")
            for i in story.points:
                point = digest.points[i]
                cites = "; ".join(
                    f"{_link(a, anchor(a))} sentence {', '.join(str(k + 1) for k in ks)}"
                    for a, ks in point.cited().items()
                )
                out.append(f"- {_text(point.text)} ({point.support_label()}: {cites or 'none'})")
                out += [f"  - Warning: {_name(f.describe())}" for f in point.warnings]
            out.append("")
        out += _faithfulness_lines(result)
        out += _notes(digest.warnings)
        out.append("")
    else:
        out += ["# Digest", "", f"No digest: {_no_digest(result)}.", ""]
        out += _notes(digest.warnings)
        out += [""] if digest.warnings else []
    if digest.timeline:
        out += ["# Timeline", ""]
        titles = {a.id: _title(a.title_translation or a.title, a.id) for a in result.articles}
        for entry in digest.timeline:
            story = f"story {entry.story + 1}" if entry.story is not None else "no story"
            title = titles.get(entry.article) or _name(entry.article)
            out.append(
                f"- {_name(entry.date or 'undated')}: [{title}](#{anchor(entry.article)}) ({story})"
            )
        out.append("")
    if digest.sources:
        out += ["# Sources", ""]
        out.append("| Article | Title | Outlet | Language | Published | Words | Model |")
        out.append("|---|---|---|---|---|---|---|")
        for row in digest.sources:
            cells = [
                _link(row.article, anchor(row.article)),
                _text(row.title or ""),
                _name(row.outlet or "unknown"),
                _name(language_name(row.language)),
                _name(row.published or "undated"),
                str(row.words),
                _name(
                    model_name(row.translation_model) if row.translation_model else "not translated"
                ),
            ]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if result.articles:
        out += ["# Articles", ""]
    for a in result.articles:
        out += [
            f'<a id="{anchor(a.id)}"></a>',
            f"## {_title(a.title_translation or a.title, a.id)}",
        ]
        meta = [
            f"id {_code(a.id)}",
            f"{_name(language_name(a.language))} ({a.language_confidence:.2f})",
            f"source {_code(a.source)}",
        ]
        if a.published:
            meta.append(f"published {_name(a.published)}")
        out += ["", "; ".join(meta), ""]
        if a.brief:
            out += [f"**Brief:** {_text(a.brief)}", ""]
        for flag in a.brief_warnings:
            out += [f"> Brief warning: {_name(flag.describe())}", ""]
        for warning in a.warnings:
            out += [f"> Warning: {_name(warning)}", ""]
        # An article already in the target language was not translated: its own sentences.
        heading = "Translation" if a.translation_model else "Text"
        out += [f"**{heading}, sentence by sentence:**", ""]
        if any(s.flags for s in a.segments):
            out += [f"_{_name(DOUBT_LEGEND)}_", ""]
        for k, s in enumerate(a.segments):
            line = f"{k + 1}. {_text(s.translation)}"
            if s.flags:
                line += f" {DOUBT} _({_name('; '.join(f.reason for f in s.flags))})_"
            if s.alternative is not None:
                model = _name(s.alternative_model or "")
                line += f" (other version, {model}: {_text(s.alternative)})"
            out.append(line)
        out.append("")
        if a.translation != a.original:
            direction = "rtl" if is_rtl(a.language) else "ltr"
            out += [
                "<details><summary>Original</summary>",
                "",
                f'<div dir="{direction}" lang="{_attr(a.language)}">',
                "",
            ]
            if a.title:
                out += [f"<p><b>{_html(a.title)}</b></p>", ""]
            out += [f"<p>{_html(p)}</p>" for p in a.original.split("\n\n") if p.strip()]
            out += ["", "</div>", "</details>", ""]
    if result.failed:
        out += ["# Failed", ""]
        out += [f"- {_code(f.source)}: {_name(_reason(f.source, f.error))}" for f in result.failed]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _no_digest(result: Result) -> str:
    """Why a result has no digest, in a few words (a stage's own reason is a note below)."""
    if result.options.translate_only:
        return "translation only (`summarize translate`)"
    if not result.articles:
        return "no article could be processed (see Failed)" if result.failed else "no input"
    if result.digest.warnings:
        return "see the note below"
    return "no story could be made from the briefs"


def _reason(source: str, error: str) -> str:
    """A failure's reason without the source it starts with (the list shows it already)."""
    for lead in (source, "stdin" if source == "-" else None):
        if lead and error.startswith(f"{lead}: "):
            return error[len(lead) + 2 :]
    return error


def _faithfulness_lines(result: Result) -> list[str]:
    f = result.digest.faithfulness
    if not f.checked:
        return []
    line = (
        f"Faithfulness: {f.flagged} of {f.checked} summary sentences ({f.share:.0%}) name a "
        "number, date or name not found in their source"
    )
    if f.dropped:
        line += f"; {f.dropped} dropped (--strict)"
    return [f"*{line}.*", ""]


def _dates(first: str | None, last: str | None) -> str:
    if not first:
        return "undated"
    return first if first == last else f"{first} to {last}"


# Markdown's inline syntax: escaped wherever text from the inputs is (a backslash makes any
# of them plain). "(", ")" and "!" are left: a link or image needs "[" and "]", always
# escaped. "&", "<" and ">" become entities instead (no HTML, no <autolink>).
_MD_INLINE = regex.compile(r"([\\`*_\[\]#|~])")
# At the start of a line (a heading, a list item's text, a numbered sentence) these would
# start a block: a list, a quote, a heading underline.
_MD_BLOCK_START = regex.compile(r"^(\d{1,9})([.)])|^([-+=])")
# GitHub's extended autolinks (http://..., www....) made links of bare addresses: an
# escaped ":" or "." keeps them text (email addresses stay links: they show their target).
_MD_AUTOLINK = regex.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,31}):(?=//)|\b(www)\.")
_LINE_BREAK = regex.compile(r"\s*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]\s*")
_TERMINAL = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # after _LINE_BREAK


def _markdown(text: str) -> str:
    """``text`` (one line) as Markdown that shows exactly it."""
    text = html.escape(text, quote=False)
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: f"{m[1]}\\:" if m[1] else f"{m[2]}\\.", text)
    return _MD_BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text)


def _text(text: str) -> str:
    """Article text (a title, a sentence, a brief) in Markdown: on one line, its bidi
    controls closed within it, terminal controls shown as <U+001B>."""
    one = _LINE_BREAK.sub(" ", text).strip()
    one = _TERMINAL.sub(lambda m: f"<U+{ord(m.group()):04X}>", one)
    return _markdown(isolate_bidi(one))


def _notes(warnings: list[str]) -> list[str]:
    """The digest's notes, each distinct one once with the stories it concerns."""
    return [
        f"> Note: {note_line(stories, _name(text), count, str)}"
        for stories, text, count in note_groups(warnings)
    ]


def _name(text: str) -> str:
    """A name, id, path or message in Markdown, every control character shown."""
    return _markdown(visible_controls(text.strip()))


def _title(title: str | None, article_id: str) -> str:
    """An article's heading: its title as text, else its id as a name."""
    return _text(title) if title and title.strip() else _name(article_id)


def _link(label: str, target: str) -> str:
    """A link inside the document (``target``: an `anchor`) labelled with name ``label``."""
    return f"[{_name(label)}](#{target})"


def _code(text: str) -> str:
    """A name as a code span: shown literally, so only its backticks and controls matter."""
    text = visible_controls(text)
    fence = "`" * (max((len(run) for run in regex.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _html(text: str) -> str:
    """Article text inside the Markdown's HTML blocks: escaped, on one line (a blank line
    would end the block and let Markdown in), its bidi controls closed within it."""
    return html.escape(isolate_bidi(_LINE_BREAK.sub(" ", text).strip()), quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)
