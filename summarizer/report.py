"""The HTML report: one self-contained file (inline CSS, no scripts, no network assets).

Digest first (stories, cited points, a coverage chart, timeline, sources), then one card
per article with the original and its translation side by side, sentence by sentence. Every
citation is a link to the cited sentence's row. All article text is escaped; right-to-left
originals carry `dir="rtl"` and their `lang`. Names (ids, files, outlets) and messages show
their bidi controls as `<U+202E>`; article text keeps them, closed within it
(`isolate_bidi`), so an override cannot reorder what follows it. The chart is inline SVG
(no script): each bar has a `<title>` tooltip and a count label, each chart an `aria-label`.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from .language import is_rtl, language_name
from .stories import parse_date
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
/* A long unbroken token (an id, a path, a URL) wraps instead of widening the page. */
.sr-report { overflow-wrap: anywhere; }
.sr-report th { overflow-wrap: normal; }
.sr-report .wide { overflow-x: auto; }
/* Fixed column widths: a long id, title or outlet wraps in its own column, never squeezing
   a short one ("unknow-n") or widening the page. */
.sr-report .sources { table-layout: fixed; }
.sr-report .sources th:nth-child(1) { width: 20%; }
.sr-report .sources th:nth-child(2) { width: 24%; }
.sr-report .sources th:nth-child(3) { width: 13%; }
.sr-report .sources th:nth-child(4) { width: 10%; }
.sr-report .sources th:nth-child(5) { width: 11%; }
.sr-report .sources th:nth-child(6) { width: 7%; }
.sr-report .sources th:nth-child(7) { width: 15%; }
.sr-report .card { min-width: 0; }
.sr-report .card h3 .untitled { color: var(--muted); font-size: .8rem; font-weight: normal;
                                margin: 0 .5rem; }
.sr-report .card .original-title { font-weight: bold; }
.sr-report .parallel caption { caption-side: top; text-align: start; color: var(--muted);
                               font-size: .9rem; padding: .25rem 0; }
.sr-report .chart { max-width: 100%; height: auto; display: block; }
.sr-report figure { margin: 1rem 0; }
.sr-report figcaption { color: var(--muted); font-size: .9rem; }
.sr-report .keys { list-style: none; padding: 0; margin: .25rem 0; display: flex;
                   flex-wrap: wrap; gap: .25rem 1rem; font-size: .9rem; }
.sr-report .keys svg { vertical-align: -1px; margin-right: .3rem; }
"""
DOUBT = "\u26a0"  # the mark of a sentence whose translation a check found doubtful
DOUBT_LEGEND = (
    f"{DOUBT} marks a sentence whose translation a check found doubtful (a number or name of "
    "the original missing, a loop, text left untranslated, an odd length): read it against "
    "the original."
)
TARGET = "en"  # the language translations are in (the report's headings say "English")
UNTITLED = "untitled: its first words"  # marks a heading made of an article's first words
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
    body += coverage(result)
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
    parts = [_n(_count(len(result.articles), "article"))]  # each part HTML (a model a span)
    parts.append(_n(_count(len(d.stories), "story", "stories")))
    if d.engine:
        parts.append(f"engine: {_n(d.engine)}")
    if d.similarity:
        parts.append(f"similarity: {_model(d.similarity)}")
    f = d.faithfulness
    if f.checked:
        flagged = f"faithfulness: {f.flagged} of {f.checked} summary sentences ({f.share:.0%})"
        parts.append(_n(flagged + " name a number, date or name not in their source"))
        if f.dropped:
            parts.append(_n(f"{f.dropped} dropped (--strict)"))
    return f'<p class="meta">{"; ".join(parts)}</p>'


_STORY_NOTE = regex.compile(r"story (\d+): (.+)", regex.DOTALL)


def note_groups(notes: Sequence[str]) -> list[tuple[list[int], str, int]]:
    """Each distinct note once, in the order first given: (the stories it concerns, its
    text, how often it was given). The digest adds one note per event (a left-out point, a
    story's fallback), so the same line can come many times; notes whose text after
    `story N: ` is the same are one group. A note about no story has no numbers."""
    merged: dict[tuple[bool, str], list[int]] = {}  # (a story note, its text): story numbers
    for note in notes:
        match = _STORY_NOTE.fullmatch(note)
        key = (True, match[2]) if match else (False, note)
        merged.setdefault(key, []).append(int(match[1]) if match else 0)
    return [
        (sorted(set(numbers)) if about_stories else [], text, len(numbers))
        for (about_stories, text), numbers in merged.items()
    ]


def note_line(stories: list[int], text: str, count: int, link: Callable[[int], str]) -> str:
    """One group of `note_groups` as a line: `stories 2, 4: text`, and `(6 times)` when it
    was given more often than it names stories; ``link`` writes a story's number."""
    line = text
    if stories:
        numbers = ", ".join(link(k) for k in stories)
        line = f"{'story' if len(stories) == 1 else 'stories'} {numbers}: {text}"
    return line + (f" ({count} times)" if count > max(len(stories), 1) else "")


def merge_notes(notes: Sequence[str]) -> list[str]:
    """Each distinct note once, as HTML (`note_groups`), each story number a link."""
    return [
        note_line(stories, _n(text), count, lambda k: f'<a href="#story-{k}">{k}</a>')
        for stories, text, count in note_groups(notes)
    ]


def model_name(model: str) -> str:
    """A model's short name: a hub repository's name, a folder's last component (the repo
    of a hub cache snapshot folder, `models--org--name/snapshots/<hash>`)."""
    parts = [p for p in regex.split(r"[/\\]+", model.strip()) if p]
    if not parts:
        return model
    for k, part in enumerate(parts):
        if part.startswith("models--") and "snapshots" in parts[k + 1 :]:
            return part.split("--")[-1] or parts[-1]
    return parts[-1]


def _model(model: str) -> str:
    """A model named short, its full id or path in a tooltip (paths made a table too wide)."""
    short = model_name(model)
    if short == model:
        return _n(model)
    return f'<span class="model" title="{_n(model)}">{_n(short)}</span>'


def _digest(result: Result, articles: dict[str, Article]) -> list[str]:
    d = result.digest
    if not d.stories:
        return []
    out = ['<section id="digest"><h2>Digest</h2>']
    out += [f'<p class="flag">{note}</p>' for note in merge_notes(d.warnings)]
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
            f'<a href="#{anchor(e.article)}"><bdi>{_t(_title(articles, e.article))}</bdi></a> '
            f"{story}</li>"
        )
    out.append("</ol></section>")
    return out


# --- the coverage chart: inline SVG, no script --------------------------------------------

# Okabe and Ito's colours, told apart with any colour vision; languages past them are grey.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f")
OTHER = "#9aa1ab"
MAX_OUTLETS = 12  # rows of the outlet chart; the rest share one


@dataclass(frozen=True)
class Bin:
    """One bar of the time chart: the dates from ``start`` on (to the next bin's start)."""

    start: dt.date
    label: str  # under the bar
    name: str  # in its tooltip


def date_bins(first: dt.date, last: dt.date) -> tuple[str, list[Bin]]:
    """The bins from ``first`` to ``last`` and their unit, so that a chart stays readable:
    days up to a month, weeks up to half a year, months up to five years, else years (a
    run of years per bin past 40). Empty bins are kept: a gap in coverage shows."""
    days = (last - first).days + 1
    if days <= 31:
        return "day", [
            Bin(d, d.isoformat(), d.isoformat())
            for d in (first + dt.timedelta(k) for k in range(days))
        ]
    if days <= 26 * 7:
        start = first - dt.timedelta(first.weekday())  # weeks start on Monday (ISO)
        weeks = (last - start).days // 7 + 1
        return "week", [
            Bin(w, w.isoformat(), f"the week of {w.isoformat()}")
            for w in (start + dt.timedelta(7 * k) for k in range(weeks))
        ]
    if days <= 5 * 366:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        out = []
        for k in range(months):
            y, m = divmod(first.month - 1 + k, 12)
            month = dt.date(first.year + y, m + 1, 1)
            out.append(Bin(month, f"{month:%Y-%m}", f"{month:%B %Y}"))
        return "month", out
    step = math.ceil((last.year - first.year + 1) / 40)
    years = range(max(1, first.year - first.year % step), last.year + 1, step)
    return "year", [
        Bin(dt.date(y, 1, 1), *(2 * [str(y) if step == 1 else f"{y}\u2013{y + step - 1}"]))
        for y in years
    ]


def coverage(result: Result) -> list[str]:
    """A "Coverage" section: articles per day (week, month) and per outlet, by language.

    Two charts read faster than the timeline and sources tables: when the articles came
    and from whom. Undated articles are counted apart (their own bar), not guessed.
    """
    articles = result.articles
    if len(articles) < 2:
        return []
    dates: dict[str, dt.date | None] = {e.article: _date(e.date) for e in result.digest.timeline}
    when = [dates[a.id] if a.id in dates else parse_date(a.published) for a in articles]
    by_lang = Counter(a.language for a in articles)
    top = [lang for lang, _ in sorted(by_lang.items(), key=lambda x: (-x[1], x[0]))]
    colours = {lang: PALETTE[k] if k < len(PALETTE) else OTHER for k, lang in enumerate(top)}
    keys = [(f"{language_name(lang)} ({by_lang[lang]})", colours[lang]) for lang in top]
    if len(top) > len(PALETTE):
        rest = sum(by_lang[lang] for lang in top[len(PALETTE) :])
        keys[len(PALETTE) :] = [(f"{len(top) - len(PALETTE)} other languages ({rest})", OTHER)]
    legend = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{colour}"/></svg>{_n(name)}</li>'
        for name, colour in keys
    )
    out = ['<section id="coverage"><h2>Coverage</h2>', f'<ul class="keys">{legend}</ul>']
    out += _time_chart(articles, when, colours)
    out += _outlet_chart(articles, colours)
    out.append("</section>")
    return out


def _time_chart(
    articles: Sequence[Article], when: list[dt.date | None], colours: dict[str, str]
) -> list[str]:
    dated = [d for d in when if d is not None]
    undated = Counter(a.language for a, d in zip(articles, when, strict=True) if d is None)
    if not dated:
        return [f"<p>No article has a publication date ({_count(len(articles), 'article')} "
                "undated), so there is no chart over time.</p>"]  # fmt: skip
    unit, bins = date_bins(min(dated), max(dated))
    starts = [b.start for b in bins]
    counts: list[Counter[str]] = [Counter() for _ in bins]
    for a, d in zip(articles, when, strict=True):
        if d is not None:
            counts[bisect_right(starts, d) - 1][a.language] += 1
    columns = [(b.label, b.name, c) for b, c in zip(bins, counts, strict=True)]
    if undated:
        columns.append(("undated", "no date", undated))
    busiest = max(range(len(bins)), key=lambda k: sum(counts[k].values()))
    span = bins[0].name if len(bins) == 1 else f"{bins[0].label} to {bins[-1].label}"
    label = (
        f"Articles per {unit} by language, {span}: {_count(len(dated), 'dated article')}, "
        f"most in {bins[busiest].name} ({sum(counts[busiest].values())})"
        + (f"; {sum(undated.values())} undated, counted apart" if undated else "")
    )
    caption = f"Articles per {unit}, coloured by language" + (
        "; undated articles are counted apart, in the last bar" if undated else ""
    )
    svg = _columns(columns, colours, label, gap_before_last=bool(undated))
    return [f"<figure>{svg}<figcaption>{_e(caption)}.</figcaption></figure>"]


def _columns(
    columns: list[tuple[str, str, Counter[str]]],
    colours: dict[str, str],
    label: str,
    gap_before_last: bool,
) -> str:
    """Stacked columns, one per bin: a count above each, a date under every few."""
    n = len(columns)
    width = min(48.0, max(8.0, 880 / n))  # a bar and its gap
    left, top, plot, bottom, gap = 36, 18, 140, 34, 16 if gap_before_last else 0
    w = max(240, round(left + n * width + gap + 12))
    h = top + plot + bottom
    most = max(sum(c.values()) for _, _, c in columns)
    scale = plot / most
    base = top + plot
    parts = [
        f'<svg class="chart" role="img" aria-label="{_e(label)}" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-size="11" fill="#5b6473">'
    ]
    ticks = sorted({0, most, most // 2} if most >= 4 else {0, most})
    for t in ticks:
        y = base - t * scale
        parts.append(
            f'<line x1="{left}" x2="{w - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dde5"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{t}</text>'
        )
    every = math.ceil(n / max(1, int(n * width // 72)))  # a date label needs about 72 px
    bar = max(4.0, width * 0.78)
    for k, (short, name, counts) in enumerate(columns):
        x = left + k * width + (gap if gap_before_last and k == n - 1 else 0)
        total = sum(counts.values())
        share = ", ".join(f"{language_name(lang)} {c}" for lang, c in _in_order(counts, colours))
        tip = f"{name}: {_count(total, 'article')}" + (f" ({share})" if share else "")
        parts.append(f"<g><title>{_n(tip)}</title>")
        parts.append(
            f'<rect x="{x:.1f}" y="{top}" width="{width:.1f}" height="{plot}" fill="transparent"/>'
        )
        y = float(base)
        for lang, c in _in_order(counts, colours):
            y -= c * scale
            parts.append(
                f'<rect x="{x + (width - bar) / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{c * scale:.1f}" fill="{colours[lang]}"/>'
            )
        if total:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'fill="#1d2430">{total}</text>'
            )
        apart = gap_before_last and k == n - 1
        if apart or k % every == 0:
            style = ' font-style="italic"' if apart else ""
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{base + 16}" text-anchor="middle"{style}>'
                f"{_n(short)}</text>"
            )
        parts.append("</g>")
    if gap_before_last:
        x = left + (n - 1) * width + gap / 2
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{base + 4}" stroke="#5b6473" '
            'stroke-dasharray="3 3"/>'
        )
    parts.append(f'<line x1="{left}" x2="{w - 8}" y1="{base}" y2="{base}" stroke="#5b6473"/>')
    parts.append("</svg>")
    return "".join(parts)


def _outlet_chart(articles: Sequence[Article], colours: dict[str, str]) -> list[str]:
    """One bar per outlet (the most productive first), split by language."""
    if not any(a.outlet for a in articles):
        return []  # one bar, "unknown": the key's counts by language say as much
    by_outlet: dict[str, Counter[str]] = {}
    for a in articles:
        by_outlet.setdefault(a.outlet or "unknown outlet", Counter())[a.language] += 1
    rows = sorted(by_outlet.items(), key=lambda x: (-sum(x[1].values()), x[0]))
    if len(rows) > MAX_OUTLETS:
        rest: Counter[str] = Counter()
        for _, c in rows[MAX_OUTLETS - 1 :]:
            rest.update(c)
        rows = [*rows[: MAX_OUTLETS - 1], (f"{len(rows) - MAX_OUTLETS + 1} more outlets", rest)]
    left, row, top, most = 210, 24, 6, max(sum(c.values()) for _, c in rows)
    w, h = 760, top + row * len(rows) + 6
    scale = (w - left - 40) / most
    named = "; ".join(f"{visible_controls(o)} {sum(c.values())}" for o, c in rows)
    label = f"Articles per outlet, by language: {named}"
    parts = [
        f'<svg class="chart" role="img" aria-label="{_n(label)}" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-size="12" fill="#1d2430">'
    ]
    for k, (outlet, counts) in enumerate(rows):
        y = top + k * row
        total = sum(counts.values())
        share = ", ".join(f"{language_name(lang)} {c}" for lang, c in _in_order(counts, colours))
        tip = f"{outlet}: {_count(total, 'article')} ({share})"
        parts.append(f"<g><title>{_n(tip)}</title>")
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{_n(_cut(outlet, 30))}</text>'
        )
        x = float(left)
        for lang, c in _in_order(counts, colours):
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{c * scale:.1f}" height="{row - 8}" '
                f'fill="{colours[lang]}"/>'
            )
            x += c * scale
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}">{total}</text></g>')
    parts.append("</svg>")
    caption = "Articles per outlet, coloured by language"
    return [f"<figure>{''.join(parts)}<figcaption>{caption}.</figcaption></figure>"]


def _in_order(counts: Counter[str], colours: dict[str, str]) -> list[tuple[str, int]]:
    """A bar's languages in the key's order (most articles first), so that every bar
    stacks its colours the same way."""
    return [(lang, counts[lang]) for lang in colours if counts[lang]]


def _cut(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` graphemes, with an ellipsis when it was longer."""
    graphemes = regex.findall(r"\X", text)
    return text if len(graphemes) <= chars else "".join(graphemes[: chars - 1]) + "\u2026"


def _date(value: str | None) -> dt.date | None:
    """The timeline's ISO date, else None (the timeline has parsed the article's own)."""
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if value else None
    except ValueError:
        return None


def _sources(result: Result) -> list[str]:
    rows = result.digest.sources
    if not rows:
        return []
    out = [
        '<section id="sources"><h2>Sources</h2><div class="wide"><table class="sources"><thead><tr>'
        "<th>Article</th><th>Title</th>"
        "<th>Outlet</th><th>Language</th><th>Published</th><th>Words</th><th>Translated by</th>"
        "</tr></thead>"
        "<tbody>"
    ]
    for r in rows:
        out.append(
            f'<tr><td><a href="#{anchor(r.article)}">{_n(r.article)}</a></td>'
            f'<td dir="auto">{_t(r.title or "")}</td><td>{_n(r.outlet or "unknown")}</td>'
            f"<td>{_n(language_name(r.language))}</td>"
            f"<td>{_n(r.published or 'undated')}</td><td>{r.words}</td>"
            f"<td>{_model(r.translation_model) if r.translation_model else 'not translated'}"
            "</td></tr>"
        )
    out.append("</tbody></table></div></section>")
    return out


def _card(a: Article) -> str:
    lang = _e(a.language)
    direction = "rtl" if is_rtl(a.language) else "ltr"
    translated = a.translation != a.original
    out = [f'<article class="card" id="{anchor(a.id)}">', *_card_heading(a)]
    meta = [_n(a.id), _n(f"{language_name(a.language)} ({a.language_confidence:.2f})")]
    meta += [_n(a.source), _n(f"published {a.published}" if a.published else "undated")]
    if a.translation_model:
        meta.append(f"translated by {_model(a.translation_model)}")
    out.append(f'<p class="meta">{"; ".join(meta)}</p>')
    if a.brief:
        out.append(f'<div class="brief"><b>Brief:</b> {_t(a.brief)}</div>')
    out += [f'<p class="flag">Brief: {_n(f.describe())}</p>' for f in a.brief_warnings]
    out += [f'<p class="flag">{note}</p>' for note in merge_notes(a.warnings)]
    if any(s.flags for s in a.segments):
        out.append(f'<p class="legend">{_e(DOUBT_LEGEND)}</p>')
    name = _n(language_name(a.language))
    if translated:
        caption = "The original and its English translation, sentence by sentence"
        head = f"<th>Original ({name})</th><th>English</th>"
    elif a.language == TARGET:
        caption = "The text, sentence by sentence (written in English: not translated)"
        head = "<th>Text</th>"
    else:
        caption = f"The text as written, sentence by sentence ({name}: not translated)"
        head = "<th>Text</th>"
    out.append(
        f'<table class="parallel{"" if translated else " single"}"><caption>{caption}</caption>'
        f"<thead><tr><th>#</th>{head}</tr></thead><tbody>"
    )
    # Untranslated text is in the article's own language (right to left for he, ar, fa).
    text_lang = ' lang="en"' if translated else f' dir="{direction}" lang="{lang}"'
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
        cells += f"<td{text_lang}{sure}>{_t(s.translation)}"
        if s.alternative is not None:
            cells += (
                f'<span class="other" dir="ltr" lang="en">Other version '
                f"({_n(s.alternative_model or '')}): {_t(s.alternative)}</span>"
            )
        cells += "</td>"
        out.append(f'<tr id="{anchor(a.id, k)}"{mark}>{cells}</tr>')
    out.append("</tbody></table></article>")
    return "\n".join(out)


def _card_heading(a: Article) -> list[str]:
    """The card's heading, each title once, each in its own direction and language.

    The translated title heads the card, the original follows it (`dir="rtl"` for he, ar,
    fa); a title left untranslated (none, or the same text) is the heading itself, in the
    article's language. An untitled article is headed by its first words, marked so.
    """
    lang = _e(a.language)
    direction = "rtl" if is_rtl(a.language) else "ltr"
    own = f'dir="{direction}" lang="{lang}"'
    title = (a.title or "").strip()
    shown = (a.title_translation or "").strip()
    if shown and shown != title:
        out = [f'<h3 dir="auto" lang="{TARGET}">{_t(shown)}</h3>']
        if title:
            out.append(f'<p class="original-title" {own}>{_t(title)}</p>')
        return out
    if title:
        return [f"<h3 {own}>{_t(title)}</h3>"]
    translated = a.translation != a.original and a.translation.strip()
    words = first_words(a.translation if translated else a.original)
    tag = f'<span class="untitled" dir="ltr" lang="en">{UNTITLED}</span>'
    if not words:
        return [f'<h3 dir="ltr">{_n(a.id)}{tag}</h3>']
    where = f'dir="auto" lang="{TARGET}"' if translated else own
    return [f"<h3 {where}>{_t(words)}{tag}</h3>"]


def first_words(text: str, words: int = 10, chars: int = 80) -> str:
    """The first ``words`` words of ``text`` (at most ``chars`` characters, cut between
    graphemes), with an ellipsis when there is more: the heading of an untitled article."""
    found = text.split()
    head = " ".join(found[:words])
    if len(head) > chars:
        head = "".join(regex.findall(r"\X", head)[:chars]).rstrip()
    return head + ("\u2026" if head != " ".join(found) else "")


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
