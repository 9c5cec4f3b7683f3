"""CPU per page, stage by stage, of the pure pipeline on the bench's synthetic pages.

``python -m bench.profile_pages [--pages 300] [--seed 6] [--cprofile]``

No server and no flow: the pages come straight from :class:`bench.corpus.Corpus`
and go through :func:`extractors.pipeline.extract_page`, as a worker runs it.
Each stage's functions are wrapped with a timer that charges ``time.process_time``
to that stage, minus the time of any wrapped stage called inside it, so the
stages add up to the page's total and "other" is what no stage claims. The
baseline row is the bench's baseline work on the same bytes (trafilatura on
the raw page, nothing else), for scale. ``--cprofile`` adds the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timezone

from bench.corpus import Corpus
from extractors.records import FeedEntry

BASE = "http://127.0.0.1:8000"
# stage -> (module, attribute) pairs; an attribute the code does not have is skipped, so the
# table stays comparable while the functions behind a stage change. "Class.method" wraps a method.
STAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "charset decode": (("extractors.articles", "decode_html"),),
    "html parse": (("extractors.articles", "BeautifulSoup"), ("extractors.articles", "parse_html")),
    "metadata": tuple(("extractors.articles", name) for name in (
        "json_ld_article", "meta_content", "canonical_link", "title_from_title_tag", "first_time_element",
        "parse_datetime", "meta_tags")),
    "boilerplate": (("extractors.boilerplate", "Cleaner.__init__"), ("extractors.boilerplate", "Cleaner.run"),
                    ("extractors.boilerplate", "Cleaner.drop_bylines")),
    "trafilatura": (("extractors.articles", "_main_text"), ("extractors.articles", "_trafilatura"),
                    ("extractors.articles", "_densest_block")),
    "language": (("extractors.articles", "_guess_language"),),
    "deal extraction": (("extractors.pipeline", "extract_deals"),),
}


class StageClock:
    """Exclusive CPU time per stage: a nested stage's time is not also its caller's."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list] = []  # [stage, started, time spent in nested stages]

    def wrap(self, stage: str, func: Callable) -> Callable:
        @functools.wraps(func)
        def timed(*args, **kwargs):
            self._stack.append([stage, time.process_time(), 0.0])
            try:
                return func(*args, **kwargs)
            finally:
                name, started, nested = self._stack.pop()
                spent = time.process_time() - started
                self.seconds[name] += spent - nested
                if self._stack:
                    self._stack[-1][2] += spent

        return timed

    def install(self) -> list[str]:
        installed = []
        for stage, targets in STAGES.items():
            for module_name, attribute in targets:
                owner = importlib.import_module(module_name)
                *path, name = attribute.split(".")
                for part in path:
                    owner = getattr(owner, part, None)
                if owner is None or not hasattr(owner, name):
                    continue
                setattr(owner, name, self.wrap(stage, getattr(owner, name)))
                installed.append(f"{module_name}.{attribute}")
        return installed


def _pages(seed: int, count: int) -> list[tuple[bytes, FeedEntry]]:
    corpus = Corpus(seed, count)
    pages = []
    for index in range(count):
        meta = corpus.meta(index)
        entry = FeedEntry(feed_url=f"{BASE}/feeds/{meta.feed}.xml", link=BASE + meta.path, guid=str(index),
                          title=meta.title, summary=meta.summary, published_at=meta.published_at,
                          language=meta.outlet.language)
        pages.append((corpus.page(index, BASE), entry))
    return pages


def _baseline_ms(pages: list[tuple[bytes, FeedEntry]]) -> float:
    """The bench baseline's per-page work (bench.stages.baseline_stage), on the same bytes."""
    import trafilatura

    started = time.process_time()
    for content, entry in pages:
        trafilatura.extract(content, url=entry.link, favor_precision=True, include_comments=False,
                            include_tables=False, include_images=False, include_links=False, output_format="txt")
    return (time.process_time() - started) * 1000 / len(pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU per page, stage by stage, of extractors.pipeline")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--cprofile", action="store_true", help="also print the top functions (cProfile)")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative, ...)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline row")
    args = parser.parse_args(argv)

    from extractors import pipeline

    pages = _pages(args.seed, args.pages)
    pipeline.warm_up()  # as a worker does before its first page
    fetched_at = datetime.now(timezone.utc)
    clock = StageClock()
    installed = clock.install()
    profiler = cProfile.Profile() if args.cprofile else None
    failed = 0
    started = time.process_time()
    if profiler:
        profiler.enable()
    for content, entry in pages:
        outcome = pipeline.extract_page(content, entry, fetched_at, "text/html; charset=utf-8")
        failed += outcome.record is None
    if profiler:
        profiler.disable()
    total_ms = (time.process_time() - started) * 1000 / len(pages)

    print(f"{len(pages)} pages (seed {args.seed}, {sum(len(c) for c, _ in pages) / len(pages) / 1000:.0f} KB "
          f"on average), {failed} without a record; timed: {', '.join(installed)}")
    print(f"{'stage':<18}{'ms/page':>9}")
    claimed = 0.0
    for stage in STAGES:
        ms = clock.seconds.get(stage, 0.0) * 1000 / len(pages)
        claimed += ms
        print(f"{stage:<18}{ms:>9.2f}")
    print(f"{'other':<18}{total_ms - claimed:>9.2f}")
    print(f"{'total':<18}{total_ms:>9.2f}")
    if not args.no_baseline:
        print(f"{'baseline':<18}{_baseline_ms(pages):>9.2f}   (trafilatura on the raw page: bench.stages.baseline_stage)")
    if profiler:
        print()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(args.top)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
