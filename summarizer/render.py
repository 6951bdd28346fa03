"""Render a Result as Markdown, JSON or a self-contained HTML report.

Article text is HTML-escaped everywhere (Markdown renderers pass raw HTML through), and
text in right-to-left languages sits in blocks with the right `dir` and `lang`.
"""

from __future__ import annotations

import html
from typing import Literal

from .language import is_rtl, language_name
from .report import DOUBT, DOUBT_LEGEND, anchor, to_html
from .types import NO_POINTS, Result

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
    """A readable report: stories and cited points, timeline, sources, articles, failures."""
    esc = _escape
    digest = result.digest
    out: list[str] = []
    if digest.stories:
        out += ["# Digest", ""]
        for story in digest.stories:
            dates = _dates(story.first_date, story.last_date)
            out += [
                f"## {esc(story.headline)}",
                "",
                f"{dates}; {len(story.articles)} article{'s' * (len(story.articles) != 1)}",
                "",
            ]
            if not story.points:
                out.append(f"- {NO_POINTS}")
            for i in story.points:
                point = digest.points[i]
                cites = "; ".join(
                    f"[{esc(a)}](#{anchor(a)}) sentence {', '.join(str(k + 1) for k in ks)}"
                    for a, ks in point.cited().items()
                )
                out.append(f"- {esc(point.text)} ({point.support_label()}: {cites or 'none'})")
                out += [f"  - Warning: {esc(f.describe())}" for f in point.warnings]
            out.append("")
        out += _faithfulness_lines(result)
        out += [f"> Note: {esc(w)}" for w in digest.warnings]
        out.append("")
    if digest.timeline:
        out += ["# Timeline", ""]
        titles = {a.id: a.title_translation or a.title or a.id for a in result.articles}
        for entry in digest.timeline:
            story = f"story {entry.story + 1}" if entry.story is not None else "no story"
            out.append(
                f"- {entry.date or 'undated'}: [{esc(titles.get(entry.article, entry.article))}]"
                f"(#{anchor(entry.article)}) ({story})"
            )
        out.append("")
    if digest.sources:
        out += ["# Sources", ""]
        out.append("| Article | Title | Outlet | Language | Published | Words | Model |")
        out.append("|---|---|---|---|---|---|---|")
        for row in digest.sources:
            cells = [
                f"[{row.article}](#{anchor(row.article)})",
                row.title or "",
                row.outlet or "unknown",
                language_name(row.language),
                row.published or "undated",
                str(row.words),
                row.translation_model or "not translated",
            ]
            out.append("| " + " | ".join(esc(c).replace("|", "\\|") for c in cells) + " |")
        out.append("")
    if result.articles:
        out += ["# Articles", ""]
    for a in result.articles:
        heading = a.title_translation or a.title or a.id
        out += [f'<a id="{anchor(a.id)}"></a>', f"## {esc(heading)}", ""]
        meta = [
            f"id `{esc(a.id)}`",
            f"{language_name(a.language)} ({a.language_confidence:.2f})",
            f"source `{esc(a.source)}`",
        ]
        if a.published:
            meta.append(f"published {esc(a.published)}")
        out += ["; ".join(meta), ""]
        if a.brief:
            out += [f"**Brief:** {esc(a.brief)}", ""]
        for flag in a.brief_warnings:
            out += [f"> Brief warning: {esc(flag.describe())}", ""]
        for warning in a.warnings:
            out += [f"> Warning: {esc(warning)}", ""]
        out += ["**Translation, sentence by sentence:**", ""]
        if any(s.flags for s in a.segments):
            out += [f"_{esc(DOUBT_LEGEND)}_", ""]
        for k, s in enumerate(a.segments):
            line = f"{k + 1}. {esc(s.translation)}"
            if s.flags:
                line += f" {DOUBT} _({esc('; '.join(f.reason for f in s.flags))})_"
            if s.alternative is not None:
                line += f" (other version, {esc(s.alternative_model or '')}: {esc(s.alternative)})"
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
                out += [f"<p><b>{esc(a.title)}</b></p>", ""]
            out += [f"<p>{esc(p)}</p>" for p in a.original.split("\n\n")]
            out += ["", "</div>", "</details>", ""]
    if result.failed:
        out += ["# Failed", ""]
        out += [f"- `{esc(f.source)}`: {esc(f.error)}" for f in result.failed]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


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


def _escape(text: str) -> str:
    """Neutralise HTML in article text (quotes only matter inside attributes)."""
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)
