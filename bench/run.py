"""The speed benchmark: the naive transformers loop, this project's transformers backend and
its CTranslate2 backend, on the same articles, with random-weight models of the real sizes.

Decoding length is fixed (min = max new tokens), so random weights cost what real ones do.
Every (stage, method) runs in a fresh process, so peak memory and load time are its own.

    python -m bench [--quick] [--json PATH] [--models DIR]    (from the repository root)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("summarizer")

ROOT = Path(__file__).resolve().parents[1]  # the repository root (bench/ is not installed)
TEXTS = [ROOT / "examples", ROOT / "tests" / "data"]  # the project's own articles
STAGES = ("translation", "summarization", "pipeline")
METHODS = ("naive", "transformers", "ctranslate2")
BEAMS = 4
MODELS = ("opus-mt", "nllb-600m", "distilbart-cnn-12-6", "minilm-l6")
TRAINED_PIECES = 8000
SIZES: dict[str, dict[str, Any]] = {
    # Languages, articles per language, sentences per article (title included), English
    # articles to brief, and the fixed new tokens per sentence and per summary call.
    "quick": {
        "langs": ("de", "he"),
        "articles": 1,
        "sentences": 3,
        "english": 1,
        "translation_tokens": 32,
        "summary_tokens": 48,
    },
    "full": {
        "langs": ("de", "he", "ar", "fa"),
        "articles": 2,
        "sentences": 12,
        "english": 6,
        "translation_tokens": 40,
        "summary_tokens": 96,
    },
}


def bench_yaml(models: Path, size: str) -> str:
    """models.yaml of the benchmark: the default models' shapes and decoding settings."""
    translation_tokens = SIZES[size]["translation_tokens"]
    summary_tokens = SIZES[size]["summary_tokens"]
    fixed = f"max_new_tokens: {translation_tokens}, min_new_tokens: {translation_tokens}"
    summary = (
        f"num_beams: {BEAMS}, no_repeat_ngram_size: 3, length_penalty: 2.0, "
        f"max_new_tokens: {summary_tokens}, min_new_tokens: {summary_tokens}"
    )
    opus = f"task: translation, family: marian, generation: {{num_beams: {BEAMS}, {fixed}}}"
    return f"""
models:
  opus-de-en: {{id: {models}/opus-mt, {opus}}}
  opus-he-en: {{id: {models}/opus-mt, {opus}}}
  opus-ar-en: {{id: {models}/opus-mt, {opus}}}
  nllb: {{id: {models}/nllb-600m, task: translation, family: nllb,
          generation: {{num_beams: {BEAMS}, {fixed}}}}}
  distilbart: {{id: {models}/distilbart-cnn-12-6, task: summarization, family: bart,
                generation: {{{summary}}}}}
  minilm: {{id: {models}/minilm-l6, task: embedding, family: sentence-transformers}}
translation:
  routes: {{de: opus-de-en, he: opus-he-en, ar: opus-ar-en, fa: nllb, "*": nllb}}
summarization:
  brief: {{model: distilbart, words: 80}}
  digest: {{model: distilbart, words: 160}}
stories: {{model: minilm}}
"""


def build_models(models: Path, corpus: list[str]) -> None:
    """Random-weight models at the default models' sizes (built once, then reused). The
    tokenizers are trained on our texts with a few thousand pieces, so that a word costs
    about as many tokens as with the real ones; the rest of the vocabulary is padding."""
    import shutil

    from .build import REAL_SIZES

    for name in MODELS:
        folder = models / name
        if (folder / "config.json").is_file():
            continue
        build, arch = REAL_SIZES[name]
        logger.info("building %s (random weights, real size) in %s", name, folder)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=models))
        build(tmp, corpus, arch=arch, vocab_size=TRAINED_PIECES)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)


def our_articles() -> dict[str, list[str]]:
    """The project's own articles by language (file names start with the language code)."""
    texts: dict[str, list[str]] = {}
    for folder in TEXTS:
        for path in sorted(folder.glob("*.txt")):
            texts.setdefault(path.name[:2], []).append(path.read_text(encoding="utf-8"))
    if not texts:
        raise SystemExit("the benchmark reads examples/ and tests/data/: run it from a checkout")
    return texts


def bench_input(size: str) -> dict[str, Any]:
    """Fixed articles: per language, sentences of our texts taken in turn."""
    from summarizer.segment import sentence_texts

    plan, texts = SIZES[size], our_articles()
    articles = []
    for lang in plan["langs"]:
        pool = [s for t in texts[lang] for s in sentence_texts(t, lang) if len(s) > 25]
        for k in range(plan["articles"]):
            start = k * plan["sentences"]
            picked = [pool[(start + i) % len(pool)] for i in range(plan["sentences"])]
            articles.append({"lang": lang, "title": picked[0], "sentences": picked[1:]})
    english = [texts["en"][i % len(texts["en"])] for i in range(plan["english"])]
    return {
        "articles": articles,
        "english": english,
        "translation_tokens": plan["translation_tokens"],
        "summary_tokens": plan["summary_tokens"],
    }


# --- one measurement, in its own process -------------------------------------------------


def child(stages: list[str], method: str, config_path: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run ``stages`` with ``method``; peak RSS is this process's so far after each."""
    from summarizer.config import load_config

    config = load_config(config_path)
    if method != "naive":
        config = config.with_backend(method)  # type: ignore[arg-type]
    runner = _naive if method == "naive" else _ours
    results = {}
    for stage in stages:
        results[stage] = runner(stage, config, data)
        results[stage]["peak_rss_mb"] = peak_rss_mb()
    return results


def peak_rss_mb() -> int:
    """This process's peak resident memory. /proc's VmHWM starts afresh at exec; getrusage's
    maxrss would carry over the parent's peak on Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _ours(stage: str, config: Any, data: dict[str, Any]) -> dict[str, Any]:
    from summarizer.pool import ModelPool
    from summarizer.summarize import summarize_many
    from summarizer.translate import TranslationJob, translate_jobs

    if stage == "pipeline":
        return _ours_pipeline(config, data)
    pool = ModelPool(config, "cpu")
    start = time.perf_counter()
    if stage == "translation":
        articles = data["articles"]
        for name in dict.fromkeys(config.routes[a["lang"]] for a in articles):
            pool.get(name, "bench")
        loaded = time.perf_counter()
        jobs = [
            TranslationJob(i, a["lang"], [a["title"], *a["sentences"]])
            for i, a in enumerate(articles)
        ]
        results = translate_jobs(jobs, pool, config)
        assert all(r.translations for r in results.values()), results
        items = sum(len(j.texts) for j in jobs)
        tokens = items * data["translation_tokens"]
    else:
        model = pool.get("distilbart", "bench")
        loaded = time.perf_counter()
        summarize_many(model, data["english"], words=80)
        items, tokens = len(data["english"]), 0
    done = time.perf_counter()
    return _figures(loaded - start, done - loaded, items, tokens or None)


def _ours_pipeline(config: Any, data: dict[str, Any]) -> dict[str, Any]:
    from summarizer import Document, Options, Summarizer

    summarizer = Summarizer(config, device="cpu")
    start = time.perf_counter()
    langs = {a["lang"] for a in data["articles"]}
    for name in dict.fromkeys([*(config.routes[lang] for lang in sorted(langs)), "distilbart"]):
        summarizer.pool.get(name, "bench")
    if config.stories.model in config.models:
        summarizer.pool.embedder(config.stories.model, "bench")
    loaded = time.perf_counter()
    stages: dict[str, float] = {}
    last = ["reading", 0.0]  # the stage in progress and when it was last heard of

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - loaded
        stages[last[0]] = stages.get(last[0], 0.0) + now - last[1]  # type: ignore[operator]
        last[:] = ["reading" if stage.startswith("reading") else stage.split(" (")[0], now]

    docs = [
        Document(
            source=f"{a['lang']}-{i}.txt",
            text=" ".join(a["sentences"]),
            title=a["title"],
            lang=a["lang"],
        )
        for i, a in enumerate(data["articles"])
    ]
    result = summarizer.run(docs, Options(show_progress=False), progress=progress)
    done = time.perf_counter()
    progress("done", 0, 0)
    assert not result.failed and result.digest.text, result.failed
    items = sum(1 + len(a["sentences"]) for a in data["articles"])
    out = _figures(loaded - start, done - loaded, items, None)
    out["stages_s"] = {k: round(v, 2) for k, v in stages.items() if v >= 0.005}
    return out


def _naive(stage: str, config: Any, data: dict[str, Any]) -> dict[str, Any]:
    """What a user of transformers writes: one generate call per sentence or article. (The
    translation/summarization pipelines that did exactly this left transformers in v5.)"""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from summarizer.language import nllb_code

    start = time.perf_counter()
    names = [config.routes[a["lang"]] for a in data["articles"]] if stage != "summarization" else []
    if stage != "translation":
        names.append("distilbart")
    loaded: dict[str, Any] = {}
    for name in dict.fromkeys(names):
        path = str(config.models[name].local_path)
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSeq2SeqLM.from_pretrained(path, use_safetensors=True).eval()
        loaded[name] = (tok, model, config.models[name])
    ready = time.perf_counter()

    def generate(name: str, text: str, lang: str | None, new: int) -> str:
        tok, model, spec = loaded[name]
        extra: dict[str, Any] = {}
        if spec.family == "nllb":
            tok.src_lang = nllb_code(lang or "")
            extra["forced_bos_token_id"] = tok.convert_tokens_to_ids("eng_Latn")
        if spec.task == "summarization":
            extra.update(no_repeat_ngram_size=3, length_penalty=2.0)
        inputs = tok(text, return_tensors="pt", truncation=True)
        with torch.inference_mode():
            ids = model.generate(
                **inputs, num_beams=BEAMS, max_new_tokens=new, min_new_tokens=new, **extra
            )
        return tok.decode(ids[0], skip_special_tokens=True)

    items = 0
    stages: dict[str, float] = {"translating": 0.0, "briefs": 0.0, "digest": 0.0}
    briefs = []
    if stage == "summarization":
        for text in data["english"]:
            generate("distilbart", text, None, data["summary_tokens"])
        items = len(data["english"])
    for a in data["articles"] if stage != "summarization" else []:
        name = config.routes[a["lang"]]
        t0 = time.perf_counter()
        if stage == "translation":
            sentences = [a["title"], *a["sentences"]]
        else:  # split by hand, as a user would
            sentences = [a["title"], *re.split(r"(?<=[.!?؟])\s+", " ".join(a["sentences"]))]
        english = [generate(name, s, a["lang"], data["translation_tokens"]) for s in sentences]
        t1 = time.perf_counter()
        stages["translating"] += t1 - t0
        items += 1 + len(a["sentences"])
        if stage == "pipeline":
            briefs.append(generate("distilbart", " ".join(english), None, data["summary_tokens"]))
            stages["briefs"] += time.perf_counter() - t1
    if briefs:
        t2 = time.perf_counter()
        generate("distilbart", " ".join(briefs), None, data["summary_tokens"])
        stages["digest"] = time.perf_counter() - t2
    done = time.perf_counter()
    tokens = items * data["translation_tokens"] if stage == "translation" else None
    out = _figures(ready - start, done - ready, items, tokens)
    if stage == "pipeline":
        out["stages_s"] = {k: round(v, 2) for k, v in stages.items()}
    return out


def _figures(load: float, seconds: float, items: int, tokens: int | None) -> dict[str, Any]:
    out = {
        "load_s": round(load, 2),
        "seconds": round(seconds, 2),
        "items": items,
        "items_per_s": round(items / seconds, 3),
    }
    if tokens:
        out["tokens_per_s"] = round(tokens / seconds, 1)
    return out


# --- the driver ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small input (under 2 minutes)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here as JSON")
    parser.add_argument("--models", metavar="DIR", help="where the built models are kept")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s")
    if args.child:
        spec = json.loads(args.child)
        result = child(spec["stages"], spec["method"], spec["config"], spec["data"])
        print(json.dumps(result))
        return 0
    from platformdirs import user_cache_dir

    models = Path(args.models or Path(user_cache_dir("summarizer")) / "bench-models")
    models.mkdir(parents=True, exist_ok=True)
    size = "quick" if args.quick else "full"
    data = bench_input(size)
    corpus = [line for texts in our_articles().values() for t in texts for line in t.splitlines()]
    build_models(models, [line for line in corpus if line.strip()])
    config = models / "models.yaml"
    config.write_text(bench_yaml(models, size), encoding="utf-8")
    _convert_first(config, data)
    results: dict[str, Any] = {
        "machine": _machine(),
        "input": {
            "size": size,
            "articles": len(data["articles"]),
            "sentences": sum(1 + len(a["sentences"]) for a in data["articles"]),
            "english_articles": len(data["english"]),
            "translation_tokens": data["translation_tokens"],
            "summary_tokens": data["summary_tokens"],
            "beams": BEAMS,
        },
    }
    started = time.perf_counter()
    # Full: a process per stage and method, so each peak RSS is that stage's own. Quick: a
    # process per method (peak RSS is then the method's over the stages run so far).
    groups = [list(STAGES)] if args.quick else [[stage] for stage in STAGES]
    runs_by: dict[str, dict[str, Any]] = {stage: {} for stage in STAGES}
    for group in groups:
        for method in METHODS:
            for stage, figures in _spawn(group, method, config, data).items():
                runs_by[stage][method] = figures
    for stage in STAGES:
        runs = runs_by[stage]
        results[stage] = {
            **runs,
            "speedup_vs_naive": _ratio(runs["naive"], runs["ctranslate2"]),
            "speedup_vs_transformers": _ratio(runs["transformers"], runs["ctranslate2"]),
            "peak_rss_mb": runs["ctranslate2"]["peak_rss_mb"],
        }
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    sys.stdout.write(report(results))
    if args.json:
        from summarizer.utils import atomic_write

        atomic_write(args.json, json.dumps(results, indent=2) + "\n")
    return 0


def _convert_first(config: Path, data: dict[str, Any]) -> None:
    """Conversion is a one-off per model (cached beside it), not part of any timing."""
    from summarizer.config import load_config
    from summarizer.pool import ModelPool

    pool = ModelPool(load_config(config), "cpu")
    for name in dict.fromkeys([pool.config.routes[a["lang"]] for a in data["articles"]]):
        pool.get(name, "bench")
    pool.get("distilbart", "bench")


def _spawn(
    stages: list[str], method: str, config: Path, data: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    label = "+".join(stages)
    logger.info("%s: %s ...", label, method)
    spec = json.dumps({"stages": stages, "method": method, "config": str(config), "data": data})
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    # bench/ lives at the repository root, not in the installed package: the child finds it
    # there whatever the current directory.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--child", spec],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench: {label}/{method} failed:\n{proc.stderr[-3000:]}")
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for stage, r in results.items():
        logger.info("%s: %s: %.1f s (+%.1f s load)", stage, method, r["seconds"], r["load_s"])
    return results


def _ratio(slow: dict[str, Any], fast: dict[str, Any]) -> float:
    return round(slow["seconds"] / fast["seconds"], 2)


def _machine() -> dict[str, Any]:
    import ctranslate2
    import torch
    import transformers

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "ctranslate2": ctranslate2.__version__,
    }


def report(results: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| stage | method | seconds | per s | tokens/s | load s | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    unit = {"translation": "sentences", "summarization": "briefs", "pipeline": "sentences"}
    for stage in STAGES:
        for method in METHODS:
            r = results[stage][method]
            lines.append(
                f"| {stage} | {method} | {r['seconds']} | {r['items_per_s']} {unit[stage]} | "
                f"{r.get('tokens_per_s', '-')} | {r['load_s']} | {r['peak_rss_mb']} |"
            )
    lines.append("")
    for stage in STAGES:
        s = results[stage]
        lines.append(
            f"{stage}: ctranslate2 is {s['speedup_vs_naive']}x the naive loop, "
            f"{s['speedup_vs_transformers']}x the transformers backend"
        )
    lines.append("")
    for method in METHODS:
        parts = results["pipeline"][method].get("stages_s", {})
        lines.append(
            f"pipeline stages, {method}: " + ", ".join(f"{k} {v} s" for k, v in parts.items())
        )
    return "\n".join(lines) + "\n"
