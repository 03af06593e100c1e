"""Attachment text extraction in pages per second: regarkiv (pypdfium2) beside pdfminer.six.

pdfminer.six is the anchor most Python scrapers use; it is a benchmark-only dependency:
``pip install -e '.[bench]'``. Both read the same PDFs, the replica's text PDFs (Norwegian
and English, one to a dozen pages). Each round times both on every PDF in CPU time, in
alternating order (A then B, then B then A), so neither always runs on a warm cache; the
figures are min, median and max pages/s over the rounds.

    python benchmarks/documents_bench.py [--rounds 6] [--documents 30] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.extract.documents import extract_document  # noqa: E402
from benchmarks.rounds import rotated, spread  # noqa: E402
from replica import documents  # noqa: E402
from replica.site import Site  # noqa: E402


def replica_pdfs(count: int) -> list[bytes]:
    """The first ``count`` text PDFs the replica's articles list."""
    site = Site(articles=3000, seed=1)
    found: list[bytes] = []
    for article_id in site.ids_with("attachments"):
        for link in site.attachment_links(article_id):
            if documents.kind_of(link.href.split("/")[-2])[0] == "pdf":
                found.append(site.render(link.href).body)
                if len(found) == count:
                    return found
    return found


def regarkiv(body: bytes) -> str:
    return extract_document(body, "pdf").text


def pdfminer(body: bytes) -> str:
    # Imported here: a benchmark-only dependency, and the script says how to install it.
    from pdfminer.high_level import extract_text

    return str(extract_text(io.BytesIO(body)))


def timed(extract: Callable[[bytes], str], pdfs: list[bytes]) -> float:
    started = time.process_time()
    for body in pdfs:
        extract(body)
    return time.process_time() - started


def run(rounds: int, count: int) -> dict[str, object]:
    pdfs = replica_pdfs(count)
    pages = sum(extract_document(body, "pdf").pages or 0 for body in pdfs)
    for body in pdfs:  # both must read the same words: a check, not a timing
        ours, theirs = regarkiv(body).split(), pdfminer(body).split()
        assert ours[:50] == theirs[:50], "the two extractors disagree on the text"
    rates: dict[str, list[float]] = {"regarkiv (pypdfium2)": [], "pdfminer.six": []}
    contenders = list(zip(rates, (regarkiv, pdfminer), strict=True))
    for number in range(rounds):
        for name, extract in rotated(contenders, number):
            rates[name].append(pages / timed(extract, pdfs))
    summary = {name: spread(values, digits=1) for name, values in rates.items()}
    ratio = statistics.median(a / b for a, b in zip(*rates.values(), strict=True))
    return {"pdfs": len(pdfs), "pages": pages, "rounds": rounds, "pages_per_s": summary,
            "median_ratio": round(ratio, 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--documents", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        import pdfminer  # noqa: F401 - only to say how to install it when missing
    except ImportError:
        raise SystemExit("pdfminer.six is missing: pip install -e '.[bench]'") from None
    result = run(args.rounds, args.documents)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['pdfs']} replica PDFs, {result['pages']} pages, {result['rounds']} rounds")
    for name, figures in result["pages_per_s"].items():  # type: ignore[attr-defined]
        print(
            f"  {name:<22} pages/s min {figures['min']:>8,.1f}  median "
            f"{figures['median']:>8,.1f}  max {figures['max']:>8,.1f}"
        )
    print(f"  regarkiv / pdfminer.six, median of paired rounds: {result['median_ratio']}x")


if __name__ == "__main__":
    main()
