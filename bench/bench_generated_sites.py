"""Generated sample sites: construction, per-site build, serving speed and memory.

    .venv-bench/bin/python bench/bench_generated_sites.py           # ~30 s on 2 cores
    .venv-bench/bin/python bench/bench_generated_sites.py --quick   # fewer sites

Figures: constructing GeneratedSites(count=10,000) and listing its hosts; the cold cost of
deriving one site (plan + ground truth) over a seeded sample of indexes; warm get() rates for
homepages, pages and sitemaps; the shape of the set (pages/site, contacts); and the traced
memory held after touching many sites with the default 64-site cache. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
import tracemalloc
from urllib.parse import urlsplit

from scrapersky.sampleweb.generated import GeneratedSites

SEED = 20240611
COUNT = 10_000


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sample fewer sites")
    args = parser.parse_args()
    sample_size = 150 if args.quick else 600

    started = time.perf_counter()
    sites = GeneratedSites(seed=SEED, count=COUNT)
    construct_s = time.perf_counter() - started
    started = time.perf_counter()
    hosts = sites.hosts()
    hosts_s = time.perf_counter() - started
    assert len(set(hosts)) == COUNT
    print(f"construct count={COUNT}: {_ms(construct_s)} ms; hosts(): {_ms(hosts_s)} ms")

    indexes = random.Random(SEED).sample(range(COUNT), sample_size)
    cold = GeneratedSites(seed=SEED, count=COUNT, cache_size=1)
    builds, pages, contacts = [], [], []
    for index in indexes:
        started = time.perf_counter()
        truth = cold.truth_at(index)
        builds.append(time.perf_counter() - started)
        pages.append(len(truth.pages))
        contacts.append(len(truth.contacts))
    builds.sort()
    p95 = builds[int(len(builds) * 0.95)]
    print(
        f"cold site build over {sample_size} sites: median {_ms(statistics.median(builds))} ms, "
        f"p95 {_ms(p95)} ms, max {_ms(builds[-1])} ms"
    )
    big = sum(1 for n in pages if n >= 1000)
    print(
        f"pages/site: median {statistics.median(pages)}, max {max(pages)}, "
        f"{big} of {sample_size} sites with >= 1000 pages; contacts/site: "
        f"mean {statistics.mean(contacts):.1f}"
    )

    warm = GeneratedSites(seed=SEED, count=COUNT, cache_size=len(indexes))
    requests: dict[str, list[tuple[str, str]]] = {"homepage": [], "page": [], "sitemap": []}
    for index in indexes:
        truth = warm.truth_at(index)
        requests["homepage"].append((truth.domain, "/"))
        requests["page"] += [(truth.domain, urlsplit(p.url).path) for p in truth.pages[:20]]
        requests["sitemap"] += [(truth.domain, urlsplit(s.url).path) for s in truth.sitemaps]
    rates = {}
    for kind, batch in requests.items():
        started = time.perf_counter()
        served = sum(len(r.body) for host, path in batch if (r := warm.get(host, path)))
        elapsed = time.perf_counter() - started
        rates[kind] = round(len(batch) / elapsed)
        print(f"warm get() {kind}: {rates[kind]} /s over {len(batch)} requests, {served} bytes")

    gc.collect()
    tracemalloc.start()
    bounded = GeneratedSites(seed=SEED, count=COUNT)
    for index in random.Random(1).sample(range(COUNT), sample_size):
        bounded.get(bounded.domain_at(index), "/")
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory after touching {sample_size} sites (cache {bounded.cache_info()}): "
        f"{held / 2**20:.1f} MiB held, {peak / 2**20:.1f} MiB peak"
    )
    print(
        json.dumps(
            {
                "bench": "generated_sites",
                "construct_10k_ms": _ms(construct_s),
                "hosts_10k_ms": _ms(hosts_s),
                "site_build_median_ms": _ms(statistics.median(builds)),
                "site_build_p95_ms": _ms(p95),
                "homepage_get_per_s": rates["homepage"],
                "page_get_per_s": rates["page"],
                "sitemap_get_per_s": rates["sitemap"],
                "held_mib_after_touching_sites": round(held / 2**20, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
