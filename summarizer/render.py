"""Render a Result as Markdown or JSON.

Article text is HTML-escaped in Markdown (renderers pass raw HTML through), and originals
in right-to-left languages are wrapped in a block with the right `dir` and `lang`.
"""

from __future__ import annotations

import html
from typing import Literal

from .language import is_rtl, language_name
from .pipeline import Result

Format = Literal["md", "json"]
FORMATS: tuple[str, ...] = ("md", "json")


def render(result: Result, fmt: Format) -> str:
    if fmt == "json":
        return result.to_json()
    if fmt == "md":
        return to_markdown(result)
    raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")


def to_markdown(result: Result) -> str:
    """A readable report: the digest with citations, then every article, then failures."""
    esc = _escape
    out: list[str] = []
    if result.digest.text:
        out += ["# Digest", ""]
        for point in result.digest.points:
            cites = (
                ", ".join(f"[{esc(s)}](#{_attr(s)})" for s in point.sources) or "no source found"
            )
            out.append(f"- {esc(point.text)} ({cites})")
        out.append("")
    if result.articles:
        out += ["# Articles", ""]
    for a in result.articles:
        heading = a.title_translation or a.title or a.id
        out += [f'<a id="{_attr(a.id)}"></a>', f"## {esc(heading)}", ""]
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
        for warning in a.warnings:
            out += [f"> Warning: {esc(warning)}", ""]
        out += ["**Translation:**", "", *_paragraphs(a.translation), ""]
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


def _paragraphs(text: str) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        out += [_escape(paragraph), ""]
    return out[:-1]


def _escape(text: str) -> str:
    """Neutralise HTML in article text (quotes only matter inside attributes)."""
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)
