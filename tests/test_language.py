"""Language identification and the code tables of the translation families."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, SEEDS

from summarizer.language import detect, is_rtl, m2m100_code, nllb_code

PERSIAN = (
    "امروز صبح کتابخانه عمومی تازه‌ای در مرکز شهر باز شد. مدیر پروژه می‌گوید دانشجویان "
    "می‌توانند هر روز هفته به رایگان از سالن مطالعه استفاده کنند."
)
ARABIC = (
    "افتتحت البلدية صباح اليوم مكتبة عامة جديدة في وسط المدينة. وقال مدير المشروع إن "
    "الطلاب يستطيعون استخدام قاعة القراءة مجاناً طوال أيام الأسبوع."
)
SEED_LANGS = ["he", "ar", "fa", "ar", "de"]


def test_all_example_languages_present() -> None:
    langs = sorted({p.name.split("_", 1)[0] for p in EXAMPLES.glob("*.txt")})
    assert langs == ["ar", "de", "en", "fa", "he"]


@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.glob("*.txt")), ids=lambda p: p.name.split("_", 1)[0]
)
def test_examples_detected(path: Path) -> None:
    found = detect(path.read_text(encoding="utf-8"))
    assert found.lang == path.name.split("_", 1)[0]
    assert found.confidence > 0.5


def test_persian_not_arabic() -> None:
    assert detect(PERSIAN).lang == "fa"


def test_arabic_not_persian() -> None:
    assert detect(ARABIC).lang == "ar"


@pytest.mark.parametrize("text", ["", "   \n\t", "12345 678 90", "2025-03-12", "... !!! 42"])
def test_no_language(text: str) -> None:
    found = detect(text)
    assert found.lang is None
    assert found.confidence == 0.0


def test_seed_languages() -> None:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip(f"seed articles not available at {SEEDS}")
    assert [detect(p.read_text(encoding="utf-8")).lang for p in files] == SEED_LANGS


def test_nllb_codes() -> None:
    assert nllb_code("ar") == "arb_Arab"
    assert nllb_code("he") == "heb_Hebr"
    assert nllb_code("fa") == "pes_Arab"
    assert nllb_code("de") == "deu_Latn"
    assert nllb_code("en") == "eng_Latn"
    assert nllb_code("xx") is None


def test_m2m100_codes() -> None:
    assert m2m100_code("fa") == "fa"
    assert m2m100_code("he") == "he"
    assert m2m100_code("nb") == "no"
    assert m2m100_code("nn") == "no"


@pytest.mark.parametrize(
    ("lang", "rtl"),
    [
        ("ar", True),
        ("he", True),
        ("fa", True),
        ("ur", True),
        ("de", False),
        ("en", False),
        (None, False),
    ],
)
def test_is_rtl(lang: str | None, rtl: bool) -> None:
    assert is_rtl(lang) is rtl
