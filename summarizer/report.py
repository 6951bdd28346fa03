"""The HTML report: one self-contained file (inline CSS, no scripts, no network assets).

Digest first (stories, cited points, timeline, sources), then one card per article with
the original and its translation side by side, sentence by sentence. Every citation is a
link to the cited sentence's row. All article text is escaped; right-to-left originals
carry `dir="rtl"` and their `lang`. Names (ids, files, outlets) and messages show their bidi
controls as `<U+202E>`; article text keeps them, closed within it (`isolate_bidi`), so an
override cannot reorder what follows it.
"""

from __future__ import annotations

import html

import regex

from .language import is_rtl, language_name
from .types import NO_POINTS, Article, Result, Segment
from .utils import BIDI_CONTROLS, isolate_bidi, visible_controls

# Scoped to .sr-report so the same markup can sit inside the web UI's page.
CSS = """
.sr-report { --ink: #1d2430; --muted: #5b6473; --line: #d8dde5; --ok: #1f7a45;
             --warn: #a2561b; color: var(--ink); font: 16px/1.5 system-ui, sans-serif; }
.sr-report * { box-sizing: border-box; }
.sr-report h1, .sr-report h2, .sr-report h3 { line-height: 1.25; }
.sr-report .meta, .sr-report .dates { color: var(--muted); font-size: .9rem; }
.sr-report .story { border-left: 4px solid var(--line); padding-left: 1rem; margin: 1.5rem 0; }
.sr-report .point { margin: .5rem 0; }
.sr-report .badge { font-size: .75rem; border-radius: .6rem; padding: 0 .5rem;
                    margin-left: .3rem; border: 1px solid currentColor; white-space: nowrap; }
.sr-report .corroborated .badge { color: var(--ok); }
.sr-report .single .badge, .sr-report .unsupported .badge { color: var(--warn); }
.sr-report .cite { font-size: .85rem; margin-left: .3rem; }
.sr-report .flag { display: block; color: var(--warn); font-size: .85rem; }
.sr-report table { border-collapse: collapse; width: 100%; }
.sr-report th, .sr-report td { border-bottom: 1px solid var(--line); padding: .35rem .5rem;
                               text-align: start; vertical-align: top; }
.sr-report .card { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem 1.25rem;
                   margin: 1.5rem 0; }
.sr-report .parallel td { width: 50%; }
.sr-report .parallel td.n { width: 2.5rem; color: var(--muted); }
.sr-report .parallel.single td { width: auto; }
.sr-report .brief { background: #f3f5f8; padding: .75rem 1rem; border-radius: .4rem; }
.sr-report .in-brief td { background: #fbf7e6; }
.sr-report tr:target td, .sr-report .card:target { outline: 3px solid #e0a526;
                                                  background: #fff4cf; }
/* !important: a page that embeds the report (the web UI's) styles its cells too */
.sr-report [dir="rtl"] { text-align: right !important; }
.sr-report .doubtful td { background: #fdf0ec; }
.sr-report .doubt, .sr-report .other { display: block; color: var(--warn); font-size: .85rem;
                                       text-align: start; }
.sr-report .other { color: var(--muted); }
.sr-report .legend { color: var(--warn); font-size: .85rem; }
.sr-report mark { background: #f7d4c4; }
"""
DOUBT = "\u26a0"  # the mark of a sentence whose translation a check found doubtful
DOUBT_LEGEND = (
    f"{DOUBT} marks a sentence whose translation a check found doubtful (a number or name of "
    "the original missing, a loop, text left untranslated, an odd length): read it against "
    "the original."
)
PAGE_CSS = "body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; }"


def anchor(article: str, segment: int | None = None) -> str:
    """An ASCII, collision-free HTML id for an article (or one of its sentences)."""
    safe = regex.sub(r"[^A-Za-z0-9_-]", lambda m: f".{ord(m.group()):x}.", article)
    return f"a-{safe}" if segment is None else f"a-{safe}~s{segment}"  # "~" never in safe


def to_html(result: Result, title: str = "News digest") -> str:
    """The whole report as one HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_n(title)}</title>\n"
        f"<style>{PAGE_CSS}{CSS}</style>\n</head>\n<body>\n"
        + report_body(result, title)
        + "\n</body>\n</html>\n"
    )


def report_body(result: Result, title: str | None = "News digest") -> str:
    """The report's content in one `.sr-report` element (the web UI shows exactly this)."""
    articles = {a.id: a for a in result.articles}
    body: list[str] = ['<div class="sr-report">']
    body += [f"<h1>{_n(title)}</h1>"] if title else []
    body.append(_summary_line(result))
    body += _digest(result, articles)
    body += _timeline(result, articles)
    body += _sources(result)
    if result.articles:
        body.append('<section id="articles"><h2>Articles</h2>')
        body += [_card(a) for a in result.articles]
        body.append("</section>")
    if result.failed:
        body.append('<section id="failed"><h2>Not processed</h2><ul>')
        body += [f"<li><code>{_n(f.source)}</code>: {_n(f.error)}</li>" for f in result.failed]
        body.append("</ul></section>")
    body.append("</div>")
    return "\n".join(body)


def _summary_line(result: Result) -> str:
    d = result.digest
    parts = [_count(len(result.articles), "article"), _count(len(d.stories), "story", "stories")]
    if d.engine:
        parts.append(f"engine: {d.engine}")
    if d.similarity:
        parts.append(f"similarity: {d.similarity}")
    f = d.faithfulness
    if f.checked:
        flagged = f"faithfulness: {f.flagged} of {f.checked} summary sentences ({f.share:.0%})"
        parts.append(flagged + " name a number, date or name not in their source")
        if f.dropped:
            parts.append(f"{f.dropped} dropped (--strict)")
    return f'<p class="meta">{_n("; ".join(parts))}</p>'


def _digest(result: Result, articles: dict[str, Article]) -> list[str]:
    d = result.digest
    if not d.stories:
        return []
    out = ['<section id="digest"><h2>Digest</h2>']
    out += [f'<p class="flag">{_n(w)}</p>' for w in d.warnings]
    for n, story in enumerate(d.stories):
        dates = story.first_date or "undated"
        if story.last_date and story.last_date != story.first_date:
            dates += f" to {story.last_date}"
        out.append(f'<article class="story" id="story-{n + 1}">')
        out.append(f"<h3>{_t(story.headline)}</h3>")
        count = _count(len(story.articles), "article")
        out.append(f'<p class="dates">{_n(dates)}; {count}</p><ul>')
        if not story.points:
            out.append(f'<li class="point unsupported">{_e(NO_POINTS)}</li>')
        for i in story.points:
            point = d.points[i]
            kind = (
                "corroborated"
                if point.corroborated
                else "single"
                if point.sources
                else "unsupported"
            )
            links = [
                f'<a class="cite" href="#{anchor(a, k)}" title="{_t(_title(articles, a))}">'
                f"[{_n(a)} §{k + 1}]</a>"
                for a, ks in point.cited().items()
                for k in ks
            ]
            flags = [f'<span class="flag">{_n(f.describe())}</span>' for f in point.warnings]
            out.append(
                f'<li class="point {kind}">{_t(point.text)}'
                f'<span class="badge">{_e(point.support_label())}</span>'
                + "".join(links)
                + "".join(flags)
                + "</li>"
            )
        out.append("</ul></article>")
    out.append("</section>")
    return out


def _timeline(result: Result, articles: dict[str, Article]) -> list[str]:
    entries = result.digest.timeline
    if not entries:
        return []
    out = ['<section id="timeline"><h2>Timeline</h2><ol>']
    for e in entries:
        story = (
            f'<a href="#story-{e.story + 1}">story {e.story + 1}</a>' if e.story is not None else ""
        )
        out.append(
            f"<li><time>{_n(e.date or 'undated')}</time> "
            f'<a href="#{anchor(e.article)}">{_t(_title(articles, e.article))}</a> {story}</li>'
        )
    out.append("</ol></section>")
    return out


def _sources(result: Result) -> list[str]:
    rows = result.digest.sources
    if not rows:
        return []
    out = [
        '<section id="sources"><h2>Sources</h2><table><thead><tr><th>Article</th><th>Title</th>'
        "<th>Outlet</th><th>Language</th><th>Published</th><th>Words</th><th>Translated by</th>"
        "</tr></thead>"
        "<tbody>"
    ]
    for r in rows:
        out.append(
            f'<tr><td><a href="#{anchor(r.article)}">{_n(r.article)}</a></td>'
            f"<td>{_t(r.title or '')}</td><td>{_n(r.outlet or 'unknown')}</td>"
            f"<td>{_n(language_name(r.language))}</td>"
            f"<td>{_n(r.published or 'undated')}</td><td>{r.words}</td>"
            f"<td>{_n(r.translation_model or 'not translated')}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return out


def _card(a: Article) -> str:
    lang = _e(a.language)
    direction = "rtl" if is_rtl(a.language) else "ltr"
    translated = a.translation != a.original
    out = [f'<article class="card" id="{anchor(a.id)}">']
    if a.title_translation or a.title:
        out.append(f"<h3>{_t(a.title_translation or a.title or '')}</h3>")
    if translated and a.title:
        out.append(f'<p dir="{direction}" lang="{lang}"><b>{_t(a.title)}</b></p>')
    meta = [a.id, f"{language_name(a.language)} ({a.language_confidence:.2f})", a.source]
    meta.append(f"published {a.published}" if a.published else "undated")
    if a.translation_model:
        meta.append(f"translated by {a.translation_model}")
    out.append(f'<p class="meta">{_n("; ".join(meta))}</p>')
    if a.brief:
        out.append(f'<div class="brief"><b>Brief:</b> {_t(a.brief)}</div>')
    out += [f'<p class="flag">Brief: {_n(f.describe())}</p>' for f in a.brief_warnings]
    out += [f'<p class="flag">{_n(w)}</p>' for w in a.warnings]
    if any(s.flags for s in a.segments):
        out.append(f'<p class="legend">{_e(DOUBT_LEGEND)}</p>')
    head = f"<th>Original ({_n(language_name(a.language))})</th><th>English</th>"
    out.append(
        f'<table class="parallel{"" if translated else " single"}"><thead><tr><th>#</th>'
        + (head if translated else "<th>Text</th>")
        + "</tr></thead><tbody>"
    )
    in_brief = set(a.brief_segments)
    for k, s in enumerate(a.segments):
        classes = " ".join(
            c for c, on in (("in-brief", k in in_brief), ("doubtful", s.flags)) if on
        )
        mark = f' class="{classes}"' if classes else ""
        number = f"{DOUBT} {k + 1}" if s.flags else str(k + 1)
        cells = f'<td class="n">{number}</td>'
        if translated:
            cells += f'<td dir="{direction}" lang="{lang}">{_source(s)}'
            cells += "".join(
                f'<span class="doubt" dir="ltr" lang="en">{DOUBT} {_n(f.reason)}</span>'
                for f in s.flags
            )
            cells += "</td>"
        sure = f' title="model confidence {s.confidence:.2f}"' if s.confidence is not None else ""
        cells += f'<td lang="en"{sure}>{_t(s.translation)}'
        if s.alternative is not None:
            cells += (
                f'<span class="other">Other version ({_n(s.alternative_model or "")}): '
                f"{_t(s.alternative)}</span>"
            )
        cells += "</td>"
        out.append(f'<tr id="{anchor(a.id, k)}"{mark}>{cells}</tr>')
    out.append("</tbody></table></article>")
    return "\n".join(out)


def _source(s: Segment) -> str:
    """A sentence of the original, escaped, with what a check found missing marked (not in
    one with bidi controls: it is isolated whole, and a mark could split a pair)."""
    if any(c in BIDI_CONTROLS for c in s.source):
        return _t(s.source)
    spans = sorted({f.source_span for f in s.flags if f.source_span})
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        out += [_e(s.source[at:start]), f"<mark>{_e(s.source[start:end])}</mark>"]
        at = end
    return "".join([*out, _e(s.source[at:])])


def _title(articles: dict[str, Article], article_id: str) -> str:
    a = articles.get(article_id)
    return (a.title_translation or a.title or a.id) if a else article_id


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _t(text: str) -> str:
    """Article text (a title, a sentence, a brief), escaped; bidi controls closed within it."""
    return _e(isolate_bidi(text))


def _n(text: str) -> str:
    """A name, id, path or message, escaped; its bidi and terminal controls shown."""
    return _e(visible_controls(text))
