"""The `summarize` command: a thin layer over `Summarizer`, with no logic of its own.

    summarize FILE|FOLDER|URL|- ...      translate, brief and digest (Markdown, JSON, HTML)
    summarize translate FILE ...         English translation only
    summarize batch INPUT... --out DIR   one digest per day/topic/source, resumable
    summarize models list | pull | convert | check [NAME]  what runs where; fetch;
                                         convert; self-check
    summarize eval TESTSET_DIR           BLEU, chrF, flag rate and speed per route
    summarize serve [--host H --port P]  the web UI (Gradio) on 127.0.0.1

Exit status: 0 all processed, 1 something failed (an article: see `failed`; a summarization
stage: see the warnings; empty stdin), 2 bad usage or config (a bad --lang or -o is found
before any work), 130 / 143 stopped by SIGINT / SIGTERM (a batch resumes when run again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .config import BACKENDS, COMPUTE_TYPES, ENV_VAR, WORDS, Config, ConfigError, load_config
from .types import MAX_FEED_ENTRIES, VERSION, SummarizerError, one_line

if TYPE_CHECKING:
    from .types import Document, Failure, Options

logger = logging.getLogger("summarizer")
COMMANDS = ("run", "translate", "batch", "models", "eval", "serve")
NO_PRIVATE_HELP = (
    "refuse URLs whose host is a private, loopback or link-local address, redirects "
    "included (for fetching on others' behalf; default: allowed)"
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help", "--version"):
        argv = ["run", *argv]
    args = _parser().parse_args(argv)
    _setup_logging(args.verbose, getattr(args, "quiet", False))
    try:
        return args.handler(args)
    except ConfigError as exc:  # a usage error, like argparse's own
        _error(f"summarize: error: {exc}")
        return 2
    except SummarizerError as exc:  # every other refusal: one line naming the fix
        _error(f"summarize: error: {exc}")
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C (130), or SIGTERM during a batch (143)
        import signal

        print("summarize: interrupted", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        logger.debug("unexpected failure", exc_info=True)
        why = one_line(exc) or type(exc).__name__  # MemoryError has no message of its own
        _error(f"summarize: error: {why} (run with --verbose for details)")
        return 1


def _error(line: str) -> None:
    """One line to stderr, its bidi and terminal controls shown (`<U+202E>`): a file name
    or an article's text in it must not reorder, hide or forge what the line says."""
    from .utils import visible_controls

    print(visible_controls(line), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarize",
        description="Translate foreign-language news articles into English, brief each one, "
        "and merge them into one cited digest.",
        epilog="A file named like a command can be given as `summarize run FILE`.",
    )
    parser.add_argument("--version", action="version", version=f"summarize {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        help=f"models.yaml to use (default: ${ENV_VAR}, else the packaged one)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")

    device_quiet = argparse.ArgumentParser(add_help=False, parents=[common])
    device_quiet.add_argument(
        "--lang",
        type=_lang,
        metavar="CODE",
        help="source language of every input (ISO 639-1, e.g. ar; or a name: arabic), skips "
        "detection (a text that reads as another language gets a warning)",
    )
    device_quiet.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where models run (default: auto = GPU when present)",
    )
    device_quiet.add_argument(
        "--backend",
        choices=BACKENDS,
        help="run every model on this backend (default: models.yaml's runtime.backend)",
    )
    device_quiet.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    work = argparse.ArgumentParser(add_help=False, parents=[device_quiet])
    work.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="article files (.txt/.md/.html), folders of them, http(s) URLs, or - for stdin",
    )
    work.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write here instead of stdout (a file in an existing folder; .md, .json or .html "
        "unless -f is given)",
    )
    work.add_argument(
        "--store",
        metavar="PATH",
        help="reuse and keep translations and briefs in this SQLite file (default: off)",
    )
    work.add_argument(
        "-f",
        "--format",
        choices=("md", "json", "html"),
        help="output format (default: from -o's suffix, else md); html is one self-contained "
        "report file",
    )
    work.add_argument("--no-private-urls", action="store_true", help=NO_PRIVATE_HELP)
    work.add_argument(
        "--second-opinion",
        metavar="MODEL",
        help="translate again, with this translation model of models.yaml, the sentences "
        "whose translation looks doubtful, and keep the better version (default: "
        "models.yaml's translation.second_opinion)",
    )

    summary = argparse.ArgumentParser(add_help=False)
    summary.add_argument("--brief-words", type=_words, metavar="N", help="length of each brief")
    summary.add_argument("--digest-words", type=_words, metavar="N", help="length of the digest")
    summary.add_argument(
        "--engine",
        choices=("abstractive", "extractive"),
        help="abstractive: the summarization models write briefs and digest; extractive: "
        "pick the articles' own key sentences, no model needed (default: models.yaml)",
    )
    summary.add_argument(
        "--strict",
        action="store_true",
        help="drop generated sentences naming numbers, dates or names not in their source",
    )
    summary.add_argument(
        "--story-threshold",
        type=_fraction,
        metavar="X",
        help="similarity (0-1] two articles need to share a story; higher splits more "
        "(default: models.yaml)",
    )
    for stage in ("brief", "digest"):
        summary.add_argument(
            f"--{stage}-model",
            metavar="NAME",
            help=f"summarization model of models.yaml for the {stage} (default: models.yaml)",
        )

    run = sub.add_parser(
        "run", parents=[work, summary], help="translate, brief and digest (default)"
    )
    run.set_defaults(handler=_run, translate_only=False)

    tr = sub.add_parser("translate", parents=[work], help="English translation only")
    tr.set_defaults(
        handler=_run,
        translate_only=True,
        brief_words=None,
        digest_words=None,
        engine=None,
        strict=False,
        story_threshold=None,
        brief_model=None,
        digest_model=None,
    )

    batch = sub.add_parser(
        "batch",
        parents=[device_quiet, summary],
        help="many articles: one digest per group, resumable",
        description="Read folders, manifests (.jsonl: one article per line), URLs and feeds; "
        "translate and brief what the store does not have yet; write one digest per group "
        "(Markdown, JSON, HTML) and an index.html.",
    )
    batch.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="article files, folders, manifests (.jsonl) or http(s) URLs",
    )
    batch.add_argument("--out", required=True, metavar="DIR", help="folder for the digests")
    batch.add_argument("--feeds", metavar="FILE", help="RSS/Atom feed URLs, one per line")
    batch.add_argument(
        "--max-feed-entries",
        type=_positive,
        default=MAX_FEED_ENTRIES,
        metavar="N",
        help=f"read the newest N links of each feed (default: {MAX_FEED_ENTRIES})",
    )
    batch.add_argument(
        "--since",
        type=_since,
        metavar="WHEN",
        help="feed entries published since: 24h, 7d, 2w, or a date (2026-11-01)",
    )
    batch.add_argument(
        "--group-by",
        choices=("day", "topic", "source", "none"),
        default="none",
        help="one digest per day, per topic (manifest field, else story), per source, or "
        "one in all (default: none)",
    )
    batch.add_argument(
        "--store",
        metavar="PATH",
        help="SQLite file of finished work, for resume and reuse (default: $SUMMARIZER_STORE, "
        "else the user cache folder)",
    )
    batch.add_argument(
        "--runner",
        choices=("local", "ray"),
        default="local",
        help="local: this process; ray: a Ray cluster (pip install -e '.[distributed]')",
    )
    batch.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="existing Ray cluster (auto, ray://host:10001; default: $RAY_ADDRESS, else a "
        "local Ray)",
    )
    batch.add_argument(
        "--workers", type=_positive, metavar="N", help="Ray workers (default: one per GPU/CPU)"
    )
    batch.add_argument(
        "--chunk-size",
        type=_positive,
        default=16,
        metavar="N",
        help="articles whose sentences share model batches (default: 16)",
    )
    batch.add_argument("--no-private-urls", action="store_true", help=NO_PRIVATE_HELP)
    batch.add_argument(
        "--wait",
        action="store_true",
        help="if another batch run is using the store, wait for it to finish (default: stop "
        "with an error)",
    )
    batch.set_defaults(handler=_batch, translate_only=False)

    models = sub.add_parser("models", help="inspect, fetch, convert and check the models")
    msub = models.add_subparsers(dest="models_command", required=True)
    mlist = msub.add_parser(
        "list", parents=[common], help="routes, stages, what is here, and self-check results"
    )
    mlist.set_defaults(handler=_models_list)
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto", help="where models run"
    )
    no_check = argparse.ArgumentParser(add_help=False)
    no_check.add_argument(
        "--no-check", action="store_true", help="skip the self-check at the end (models check)"
    )
    mpull = msub.add_parser(
        "pull",
        parents=[common, device, no_check],
        help="download models (needs the hub), then self-check them",
    )
    mpull.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="models to fetch (default: every model a route or stage uses)",
    )
    mpull.set_defaults(handler=_models_pull)
    mconv = msub.add_parser(
        "convert",
        parents=[common, device, no_check],
        help="convert models to CTranslate2 now (also done on first use), then self-check them",
    )
    mconv.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="models to convert (default: every translation and summarization model used)",
    )
    mconv.add_argument(
        "--compute-type",
        choices=COMPUTE_TYPES,
        help="CTranslate2 compute type (default: models.yaml; auto = int8 on CPU, float16 on GPU)",
    )
    mconv.add_argument("--force", action="store_true", help="convert again even if done")
    mconv.set_defaults(handler=_models_convert)
    mcheck = msub.add_parser(
        "check",
        parents=[common, device],
        help="make each model translate or summarize probe texts and check the output",
        description="Each translation model translates probe sentences (numbers, names, a "
        "date) in the languages routed to it; each summarizer summarizes a probe paragraph. "
        "The output must be non-empty English that keeps every number, has a sane length "
        "and does not loop. Exit status 1 when a model fails.",
    )
    mcheck.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="models to check (default: every translation and summarization model used)",
    )
    mcheck.add_argument("--backend", choices=BACKENDS, help="check on this backend")
    mcheck.add_argument(
        "--lang",
        type=_lang,
        metavar="CODE",
        help="probe a translation model in this language only (ISO 639-1, e.g. ar)",
    )
    mcheck.set_defaults(handler=_models_check)

    ev = sub.add_parser(
        "eval",
        parents=[common, device],
        help="measure each route's quality and speed on a parallel test set (FLORES layout)",
        description="Translate a parallel test set in the FLORES-200 layout (one file per "
        "language named like heb_Hebr.txt, one sentence per line in the same order, English "
        "references in eng_Latn.txt) with the models.yaml route of each of its languages, and "
        "report per route: BLEU and chrF (sacrebleu, corpus level) against the references, the "
        "share of sentences the output checks flag, sentences per second (model load "
        "excluded) and the process's peak memory. A Markdown table goes to stdout. Exit "
        "status 2 when the test set or the routes cannot be evaluated, 1 when a model fails.",
    )
    ev.add_argument("testset", metavar="TESTSET_DIR", help="the test set's folder")
    ev.add_argument(
        "--routes",
        nargs="+",
        metavar="LANG",
        help="only these languages (ISO 639-1, e.g. he ar; default: every language of the "
        "test set that models.yaml routes)",
    )
    ev.add_argument(
        "--limit", type=_positive, metavar="N", help="the first N sentences of each file"
    )
    ev.add_argument("-o", "--output", metavar="PATH", help="also write the scores as JSON here")
    ev.add_argument("--backend", choices=BACKENDS, help="run every model on this backend")
    ev.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    ev.set_defaults(handler=_eval)

    serve = sub.add_parser("serve", parents=[common], help="the web UI (Gradio)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=_port, default=7860, help="port (default: 7860)")
    serve.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto", help="where models run"
    )
    serve.add_argument("--backend", choices=BACKENDS, help="run every model on this backend")
    serve.add_argument(
        "--share", action="store_true", help="also open a public gradio.live link (off by default)"
    )
    serve.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="fetch web addresses on private, loopback and link-local networks even when "
        "serving others (default: only when serving on loopback without --share)",
    )
    serve.add_argument(
        "--store",
        metavar="PATH",
        help="reuse and keep translations and briefs in this SQLite file (default: off)",
    )
    serve.set_defaults(handler=_serve)
    return parser


def _run(args: argparse.Namespace) -> int:
    from .fetch import FetchSettings
    from .inputs import expand_inputs
    from .pipeline import Summarizer
    from .render import render
    from .types import Failure, describe_doubtful, describe_flags
    from .utils import atomic_write

    fmt = _output_format(args.output, args.format)  # a bad -o is a usage error, before work
    if not args.verbose:  # our own bars show progress; the weight-loading bars are noise
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # A folder holding -o's file is not read from it: a run never reads its own digest.
    sources, problems = expand_inputs(args.inputs, [args.output] if args.output else [])
    fetch = FetchSettings(allow_private=not getattr(args, "no_private_urls", False))
    summarizer = Summarizer(_config(args), device=args.device, store=args.store, fetch=fetch)
    options = _options(args)
    summarizer.check_options(options)  # models named, --lang routed: before reading input
    sources, stdin_failure = _with_stdin(sources)
    result = summarizer.run(sources, options)
    result.failed[:0] = [Failure(src, f"{src}: {why}") for src, why in problems]
    if stdin_failure is not None:
        result.failed.insert(0, stdin_failure)
    text = render(result, fmt)  # type: ignore[arg-type]
    if args.output:
        try:
            atomic_write(args.output, text)
        except OSError as exc:
            print(
                f"summarize: error: cannot write {args.output} ({exc.strerror}); "
                "the previous file, if any, is unchanged",
                file=sys.stderr,
            )
            return 1
    else:
        sys.stdout.write(text)
    for failure in result.failed:
        _error(f"summarize: failed: {failure.error}")
    for stage, why in result.stage_errors.items():
        _error(f"summarize: failed: the {stage} stage: {why}")
    done = len(result.articles)
    faith = result.digest.faithfulness
    if faith.checked:
        logger.info(
            "faithfulness: %d of %d summary sentences (%.0f%%) name a number, date or name not "
            "in their source%s",
            faith.flagged,
            faith.checked,
            faith.share * 100,
            f"; {faith.dropped} dropped (--strict)" if faith.dropped else "",
        )
    flagged = describe_flags(result.flagged_outputs())
    doubts = describe_doubtful(result.articles)
    stages = _stage_note(result.stage_errors)
    logger.log(
        logging.WARNING if flagged or doubts or stages else logging.INFO,
        "%d article(s) processed, %d failed%s%s%s",
        done,
        len(result.failed),
        f"; {stages}" if stages else "",
        f"; {flagged} (see the articles' warnings)" if flagged else "",
        f"; {doubts}" if doubts else "",
    )
    return 1 if result.failed or result.stage_errors else 0


def _stage_note(errors: dict[str, str]) -> str:
    """What a failed summarization stage left out, for the run's summary line ('' if none)."""
    if "brief" in errors:
        return "no briefs and no digest (the brief stage failed)"
    if "digest" in errors:
        return "no digest (the digest stage failed)"
    return ""


def _with_stdin(sources: list[str]) -> tuple[list[str | Document], Failure | None]:
    """``sources`` with '-' read now (once: a second '-' would read nothing): empty stdin
    refuses the whole command (EmptyInput: one line, exit 1, no document); other faults
    of it (binary, too big) are its failure, the other inputs still run."""
    from .inputs import EmptyInput, read_stdin
    from .types import Failure, IngestError

    if "-" not in sources:
        return list(sources), None
    failure = None
    try:
        stdin: Document | None = read_stdin()
    except EmptyInput:
        raise
    except IngestError as exc:
        stdin, failure = None, Failure("-", str(exc))
    first = sources.index("-")
    rest = [s for i, s in enumerate(sources) if s != "-" or i == first]
    out: list[str | Document] = [stdin if s == "-" else s for s in rest if s != "-" or stdin]
    return out, failure


_SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def _output_format(output: str | None, given: str | None) -> str:
    """The output format: -f, else -o's suffix, else Markdown; -o is checked first (see
    `_check_output`). An unknown suffix without -f is a usage error (ConfigError, exit 2):
    writing Markdown into report.pdf helps no one."""
    if output is not None:
        _check_output(output, "-o")
    if given:
        return given
    suffix = Path(output or "").suffix.lower()
    if not suffix:
        return "md"
    if suffix not in _SUFFIXES:
        raise ConfigError(
            f"-o {output}: '{suffix}' is not an output format; name the file .md, .json or "
            ".html, or give the format with -f md|json|html"
        )
    return _SUFFIXES[suffix]


def _check_output(output: str, flag: str) -> None:
    """A usage error (ConfigError, exit 2) before any work when ``output`` cannot be written
    as a file: a folder, a device or pipe, or in a folder that is missing or not writable."""
    path = Path(output)
    folder = path.parent
    try:
        if output.endswith(("/", os.sep)) or path.is_dir():
            raise ConfigError(
                f"{flag} {output}: is a folder; give a file name, e.g. {path / 'digest.md'}"
            )
        if path.exists() and not path.is_file():
            raise ConfigError(
                f"{flag} {output}: is not a regular file (a device or pipe); give a file path, "
                f"or leave out {flag} to write to stdout"
            )
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise ConfigError(f"{flag} {output}: {folder} {what}; create the folder first")
    except OSError as exc:  # a name too long, a loop of links
        raise ConfigError(f"{flag} {output}: {exc.strerror or exc}; check the path") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{flag} {output}: cannot write in the folder {folder} (permission denied); "
            "choose another folder"
        )


def _options(args: argparse.Namespace) -> Options:
    from .types import Options

    return Options(
        brief_words=args.brief_words,
        digest_words=args.digest_words,
        lang=args.lang,
        translate_only=args.translate_only,
        engine=args.engine,
        strict=args.strict,
        story_threshold=args.story_threshold,
        brief_model=args.brief_model,
        digest_model=args.digest_model,
        second_opinion=getattr(args, "second_opinion", None),
        show_progress=not args.quiet,
    )


def _batch(args: argparse.Namespace) -> int:
    """A batch run: one per store at a time (a lock file beside it); SIGINT and SIGTERM stop
    it between chunks, and running the same command again resumes."""
    import signal

    from .batch import BatchOptions, run_batch, stop_on_signals
    from .fetch import FetchSettings
    from .pipeline import Summarizer
    from .store import Store, batch_lock, store_path

    if not args.verbose:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if not args.inputs and not args.feeds:
        raise ConfigError(
            "nothing to read: give INPUT files, folders, manifests or URLs, or --feeds"
        )
    since = args.since  # a time already: see _since
    if since and not args.feeds:
        logger.warning("--since applies to feed entries only; no --feeds given")
    batch = BatchOptions(
        out=Path(args.out),
        feeds=args.feeds,
        since=since,
        max_feed_entries=args.max_feed_entries,
        group_by=args.group_by,
        runner=args.runner,
        chunk_size=args.chunk_size,
        workers=args.workers,
        ray_address=args.ray_address or os.environ.get("RAY_ADDRESS"),
        fetch=FetchSettings(allow_private=not args.no_private_urls),
    )
    config, path = _config(args), store_path(args.store)
    try:
        with stop_on_signals(), batch_lock(path, wait=args.wait), Store(path) as store:
            logger.info("store: %s", store.path)
            summarizer = Summarizer(config, device=args.device, store=store, fetch=batch.fetch)
            report = run_batch(summarizer, args.inputs, batch, _options(args))
    except KeyboardInterrupt as exc:
        kept = getattr(exc, "kept", None)
        done = "work done so far is" if kept is None else f"the {kept} article(s) done are"
        print(
            f"summarize: interrupted; {done} kept in the store {path}; run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 128 + getattr(exc, "signum", signal.SIGINT)
    for failure in report.failed:
        _error(f"summarize: failed: {failure.error}")
    where = f"; index: {report.index}" if report.index else ""
    logger.info("batch: %s%s; store: %s", report.summary(), where, _home(path))
    return 1 if report.failed else 0


def _home(path: str | os.PathLike[str]) -> str:
    """``path`` with the user's home folder written as ~ (shorter, and the same for all)."""
    full, home = Path(path), Path.home()
    return f"~{os.sep}{full.relative_to(home)}" if full.is_relative_to(home) else str(full)


def _serve(args: argparse.Namespace) -> int:
    from .webui import serve

    serve(
        _config(args),
        host=args.host,
        port=args.port,
        device=args.device,
        share=args.share,
        store=args.store,
        allow_private_urls=args.allow_private_urls,
    )
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, table, to_json
    from .utils import atomic_write

    if args.output is not None:
        _check_output(args.output, "-o")  # before the hour of translating, not after
    if not args.verbose:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    routes = [lang for given in args.routes or [] for lang in given.split(",") if lang]
    config = _config(args)
    scores = evaluate(config, args.testset, routes, args.limit, not args.quiet, args.device)
    sys.stdout.write(table(scores))
    if args.output:
        try:
            atomic_write(args.output, to_json(scores, args.testset, config, args.limit))
        except OSError as exc:
            print(f"summarize: error: cannot write {args.output} ({exc.strerror})", file=sys.stderr)
            return 1
    for s in scores:
        if s.error:
            print(f"summarize: failed: route '{s.route}' ({s.lang}): {s.error}", file=sys.stderr)
    return 1 if any(s.error or s.failed for s in scores) else 0


def _config(args: argparse.Namespace) -> Config:
    """models.yaml, with every model on --backend when given."""
    config = load_config(args.config)
    return config.with_backend(args.backend) if args.backend else config


def _say(line: str) -> None:
    """A line of a `models` command: errors to stderr, results to stdout (controls shown,
    as in `_error`)."""
    from .utils import visible_controls

    out = sys.stderr if line.startswith("summarize: ") else sys.stdout
    print(visible_controls(line), file=out, flush=True)


def _models_list(args: argparse.Namespace) -> int:
    from .manage import list_models

    return list_models(load_config(args.config), _say)


def _models_pull(args: argparse.Namespace) -> int:
    from .manage import pull_models

    return pull_models(load_config(args.config), args.names, args.device, not args.no_check, _say)


def _models_convert(args: argparse.Namespace) -> int:
    from .manage import convert_models

    return convert_models(
        load_config(args.config), args.names, args.device, args.compute_type, args.force,
        not args.no_check, _say,
    )  # fmt: skip


def _models_check(args: argparse.Namespace) -> int:
    from .manage import check_models

    return check_models(_config(args), args.names, args.device, _say, args.lang)


def _lang(value: str) -> str:
    """--lang as a lower-case ISO 639-1 code (``DE``, ``deu`` -> ``de``); anything else
    is a usage error naming what to give."""
    from .language import LanguageCodeError, normalize_lang

    try:
        return normalize_lang(value)
    except LanguageCodeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _whole(value: str, low: int, high: int | None, why: str) -> int:
    """``value`` as a whole number from ``low`` to ``high`` (None: no top), else a usage
    error saying ``why``."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if n < low or (high is not None and n > high):
        raise argparse.ArgumentTypeError(why)
    return n


def _positive(value: str) -> int:
    return _whole(value, 1, None, "must be 1 or more")


def _words(value: str) -> int:
    return _whole(value, WORDS[0], WORDS[1], f"must be from {WORDS[0]} to {WORDS[1]} words")


def _fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number") from None
    if not 0 < x <= 1:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1")
    return x


def _since(value: str) -> dt.datetime:
    """--since as a time in the past: a duration back from now or a date; anything else
    (not a time, too far back for a date, in the future) is a usage error."""
    from .fetch import parse_since

    try:
        when = parse_since(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except OverflowError:  # 9999999999d: before year 1
        raise argparse.ArgumentTypeError(
            f"'{value}' reaches back past the year 1; give a shorter duration (7d) or a date"
        ) from None
    if when > dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1):  # 0h: now
        raise argparse.ArgumentTypeError(
            f"'{value}' is not in the past, so no feed entry would be read"
        )
    return when


def _port(value: str) -> int:
    return _whole(value, 1, 65535, "must be a port number from 1 to 65535")


class _Shown(logging.Formatter):
    """Log lines with their bidi and terminal controls shown (see `_error`); a traceback
    (--verbose) is left as it is."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        from .utils import visible_controls

        return visible_controls(super().formatMessage(record))


def _setup_logging(verbose: bool, quiet: bool) -> None:
    from .utils import BarSafeHandler

    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = BarSafeHandler(sys.stderr)  # a log line never lands inside a progress bar
    handler.setFormatter(_Shown("summarize: %(message)s"))
    root = logging.getLogger("summarizer")
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False
    if not verbose:  # the libraries' own chatter is not for users
        # transformers configures its logger when imported (later), so use its switch.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        for noisy in ("transformers", "huggingface_hub", "sentencex"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


if __name__ == "__main__":
    sys.exit(main())
