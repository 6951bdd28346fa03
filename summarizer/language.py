"""Language identification (lingua) and the code tables the translation families need."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from .types import SummarizerError

# ISO 639-1 -> NLLB-200 (FLORES-200) codes for the languages lingua can detect.
NLLB_CODES = {
    "af": "afr_Latn", "sq": "als_Latn", "ar": "arb_Arab", "hy": "hye_Armn", "az": "azj_Latn",
    "eu": "eus_Latn", "be": "bel_Cyrl", "bn": "ben_Beng", "nb": "nob_Latn", "bs": "bos_Latn",
    "bg": "bul_Cyrl", "ca": "cat_Latn", "zh": "zho_Hans", "hr": "hrv_Latn", "cs": "ces_Latn",
    "da": "dan_Latn", "nl": "nld_Latn", "en": "eng_Latn", "eo": "epo_Latn", "et": "est_Latn",
    "fi": "fin_Latn", "fr": "fra_Latn", "lg": "lug_Latn", "ka": "kat_Geor", "de": "deu_Latn",
    "el": "ell_Grek", "gu": "guj_Gujr", "he": "heb_Hebr", "hi": "hin_Deva", "hu": "hun_Latn",
    "is": "isl_Latn", "id": "ind_Latn", "ga": "gle_Latn", "it": "ita_Latn", "ja": "jpn_Jpan",
    "kk": "kaz_Cyrl", "ko": "kor_Hang", "lv": "lvs_Latn", "lt": "lit_Latn", "mk": "mkd_Cyrl",
    "ms": "zsm_Latn", "mi": "mri_Latn", "mr": "mar_Deva", "mn": "khk_Cyrl", "nn": "nno_Latn",
    "fa": "pes_Arab", "pl": "pol_Latn", "pt": "por_Latn", "pa": "pan_Guru", "ro": "ron_Latn",
    "ru": "rus_Cyrl", "sr": "srp_Cyrl", "sn": "sna_Latn", "sk": "slk_Latn", "sl": "slv_Latn",
    "so": "som_Latn", "st": "sot_Latn", "es": "spa_Latn", "sw": "swh_Latn", "sv": "swe_Latn",
    "tl": "tgl_Latn", "ta": "tam_Taml", "te": "tel_Telu", "th": "tha_Thai", "ts": "tso_Latn",
    "tn": "tsn_Latn", "tr": "tur_Latn", "uk": "ukr_Cyrl", "ur": "urd_Arab", "vi": "vie_Latn",
    "cy": "cym_Latn", "xh": "xho_Latn", "yo": "yor_Latn", "zu": "zul_Latn",
}  # fmt: skip
# M2M100 uses ISO 639-1 codes, with a few differences.
M2M100_CODES = {"nb": "no", "nn": "no"}
RTL_LANGS = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "ku", "sd", "ug", "dv"})
SAMPLE_CHARS = 20000
# Invisible format and control characters (bidi marks, zero-width spaces, soft hyphens, BOM,
# NUL) split words for lingua, which then finds no language; ZWNJ is Persian spelling.
HIDDEN = regex.compile(r"[[\p{Cf}\p{Cc}]--[\u200c\s]]+", regex.V1)
SPACES = regex.compile(r"\s+")
# Every ISO 639-1 code (the deprecated "bh" aside): what --lang and a document's `lang`
# accept, whether or not lingua can detect it (Pashto, Yiddish ... are routed, not detected).
_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho "
    "hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku "
    "kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn "
    "no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm "
    "sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1.split())
# Codes ISO 639-1 withdrew that some tools still write (Java's Locale, old Google APIs).
OLD_CODES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
# Detection against a given language: at this confidence in another one, say so.
FORCED_DOUBT = 0.9


@dataclass(frozen=True)
class Detection:
    """A detected language (ISO 639-1, lower case) and lingua's confidence in it (0-1)."""

    lang: str | None
    confidence: float


def detect(text: str, quick: bool = False) -> Detection:
    """Identify the language of ``text``; lang is None when the text has no language in it.

    ``quick``: lingua's low-accuracy mode (trigrams only), for sentences and paragraphs. In
    high-accuracy mode a short text loads every language's 1- to 5-gram models, about 1 GB.
    """
    return _detect(_sample(text), quick)


@functools.lru_cache(maxsize=256)  # samples are up to SAMPLE_CHARS: at most ~20 MB
def _detect(sample: str, quick: bool) -> Detection:
    """lingua on one sample, once: the web UI's list, preparation and a syndicated copy
    all ask about the same text."""
    detector = _quick_detector() if quick else _detector()
    values = detector.compute_language_confidence_values(sample)
    if not values or values[0].value <= 0:
        return Detection(None, 0.0)
    top = values[0]
    return Detection(top.language.iso_code_639_1.name.lower(), round(float(top.value), 4))


def _sample(text: str) -> str:
    """Up to SAMPLE_CHARS of ``text`` for lingua, without invisible characters and with runs
    of whitespace made one space, so that neither hides the words nor fills the sample."""
    parts: list[str] = []
    size = 0
    for at in range(0, len(text), SAMPLE_CHARS):
        part = SPACES.sub(" ", HIDDEN.sub("", text[at : at + SAMPLE_CHARS]))
        parts.append(part)
        size += len(part)
        if size >= SAMPLE_CHARS:
            break
    return "".join(parts)[:SAMPLE_CHARS]


class LanguageCodeError(SummarizerError, ValueError):
    """A language given by a user that is no ISO 639 code or language name we know."""


def normalize_lang(value: str, names: bool = False) -> str:
    """A language code as a user gives it (``de``, ``DE``, ``de-AT``, ``deu``) as its
    lower-case ISO 639-1 code (an ISO 639-3 code without one, ``yue``, lower-cased), so that
    routes and the detector's codes match it; otherwise LanguageCodeError, one line saying
    what to give instead: a language's name (``german``) gets its code, a misspelt one the
    closest language's code. ``names``: take a name as its language (an article's own
    metadata says `lang: German` as often as `de`; a user's --lang is a code)."""
    given = value.strip()
    code = given.lower().replace("_", "-")
    primary = code.split("-", 1)[0]  # a locale (pt-BR, zh_Hant): its language
    primary = OLD_CODES.get(primary, primary)
    if primary in ISO_639_1:
        return primary
    known = _language_names()
    if len(code) == 3 and code in known:
        return known[code]  # an ISO 639-3 code lingua knows (deu, fas)
    if len(code) == 3 and code.isascii() and code.isalpha():
        return code  # ISO 639-2/3 (yue, ckb): only a route that names it can take it
    listing = "(`summarize models list` shows the languages routed to a model)"
    if code in known and names:
        return known[code]
    if code in known:  # a name is not taken as a code: `german` is no code, `de` is
        raise LanguageCodeError(
            f"'{given}' is a language's name, not its code; give its ISO 639-1 code: "
            f"{known[code]} {listing}"
        )
    import difflib

    words = [n for n in known if len(n) > 3]  # names only: codes are too short to guess at
    close = difflib.get_close_matches(code, words, n=1, cutoff=0.75) if len(code) > 3 else []
    hint = f"; did you mean {known[close[0]]} ({close[0]})?" if close else ""
    raise LanguageCodeError(
        f"'{given}' is not a language code: give an ISO 639-1 code (e.g. de, ar, fa, he)"
        f"{hint} {listing}"
    )


@functools.lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """lingua's languages by lower-case English name and ISO 639-3 code (and a few other
    names) -> their ISO 639-1 code."""
    from lingua import Language

    names: dict[str, str] = {}
    for lang in Language.all():
        code = lang.iso_code_639_1.name.lower()
        names[lang.name.lower()] = names[lang.iso_code_639_3.name.lower()] = code
    names |= {"farsi": "fa", "slovenian": "sl", "norwegian": "no", "sesotho": "st"}
    names |= {"bokmål": "nb", "luganda": "lg", "filipino": "tl", "mandarin": "zh"}
    return names


def detectable(lang: str) -> bool:
    """Whether lingua knows ``lang`` (a text in another language cannot be told from it)."""
    from lingua import IsoCode639_1

    return isinstance(getattr(IsoCode639_1, lang.upper(), None), IsoCode639_1)


def confidence_in(text: str, lang: str) -> float:
    """lingua's confidence (0-1) that ``text`` is in ``lang``; 0.0 for a language it does
    not know."""
    from lingua import IsoCode639_1, Language

    code = getattr(IsoCode639_1, lang.upper(), None)
    if not isinstance(code, IsoCode639_1):
        return 0.0
    language = Language.from_iso_code_639_1(code)
    return round(float(_detector().compute_language_confidence(_sample(text), language)), 4)


def language_name(lang: str) -> str:
    """English name of an ISO 639-1 code, or the code itself."""
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, lang.upper())).name.title()
    except (AttributeError, ValueError):
        return lang


def is_rtl(lang: str | None) -> bool:
    return lang in RTL_LANGS


def nllb_code(lang: str) -> str | None:
    return NLLB_CODES.get(lang)


def m2m100_code(lang: str) -> str:
    return M2M100_CODES.get(lang, lang)


@functools.lru_cache(maxsize=1)
def _detector():
    """One lingua detector per process; models load lazily per language."""
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().build()


@functools.lru_cache(maxsize=1)
def _quick_detector():
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def main_script(text: str, sample: int = 2000) -> str | None:
    """The writing system most of ``text``'s letters belong to ("Latin", "Cherokee" ...),
    from Unicode character names; None when it has no letters."""
    import unicodedata
    from collections import Counter

    counts: Counter[str] = Counter()
    for ch in text[:sample]:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name:
                counts[name.split()[0]] += 1
    return counts.most_common(1)[0][0].title() if counts else None


MIXED_MIN_LETTERS = 12  # a sentence in another script needs this many letters to count
MIXED_PARAGRAPH_LETTERS = 60  # a same-script paragraph needs this many, and
MIXED_CONFIDENCE = 0.9  # this confidence, to be taken as another language


def sentence_languages(texts: list[str], paragraphs: list[int], lang: str) -> list[str | None]:
    """Per sentence, the language it is written in when that is clearly not ``lang`` (None
    otherwise): a sentence in another script (English quotes in a Hebrew article), or a
    whole paragraph that lingua is confident is another language (French paragraphs in an
    Arabic one). Short runs and names stay with the article's language."""
    out: list[str | None] = [None] * len(texts)
    script = main_script(" ".join(texts))
    for i, text in enumerate(texts):
        letters = sum(ch.isalpha() for ch in text)
        if letters >= MIXED_MIN_LETTERS and main_script(text) != script:
            found = detect(text, quick=True)
            if found.lang and found.lang != lang and found.confidence >= 0.5:
                out[i] = found.lang
    groups: dict[int, list[int]] = {}  # one pass: a scan per paragraph is quadratic
    for i, number in enumerate(paragraphs):
        groups.setdefault(number, []).append(i)
    for number in sorted(groups):
        members = groups[number]
        if all(out[i] for i in members):
            continue
        text = " ".join(texts[i] for i in members)
        if sum(ch.isalpha() for ch in text) < MIXED_PARAGRAPH_LETTERS:
            continue
        found = detect(text, quick=True)
        if found.lang and found.lang != lang and found.confidence >= MIXED_CONFIDENCE:
            for i in members:
                out[i] = out[i] or found.lang
    return out
