"""Without a dev extra (warcio, hypothesis, ...) the tests that need it are skipped: the suite
still collects, and every other test still runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPTIONAL = ("warcio", "fastwarc", "trafilatura", "pywb", "datasette", "psutil", "hypothesis")
# Modules that import a package of the dev extra, and tests that reach one through a fixture.
THROUGH_IMPORTS = [
    ("tests/warc/test_writer.py", "fastwarc"),
    ("tests/index/test_search.py", "hypothesis"),
    ("tests/extract/test_trim.py", "hypothesis"),
    ("tests/extract/test_prefixes.py", "hypothesis"),
    ("tests/extract/test_head_runs.py", "hypothesis"),
    ("tests/warc/test_surt_key_generated.py", "hypothesis"),
    ("tests/extract/test_replica_pages.py", "hypothesis"),
    ("tests/regarkiv/web/test_pages.py", "datasette"),
    ("tests/regarkiv/web/test_serve.py", "datasette"),
    ("tests/regarkiv/web/test_browser.py", "datasette"),
]
THROUGH_FIXTURES = [
    ("tests/warc/test_repair.py", "test_garbage_after_the_last_record_is_cut", "warcio"),
    ("tests/warc/test_writer_queue.py", "test_a_failing_on_written_is_logged", "warcio"),
    ("tests/warc/test_cdxj.py", "test_writer_cdxj_equals_pywb_cdx_indexer", "pywb"),
]


def test_a_missing_optional_dependency_skips_its_tests(tmp_path: Path, root: Path) -> None:
    hidden = tmp_path / "hidden"
    for name in OPTIONAL:  # as Python says it when a package is not installed
        (hidden / name).mkdir(parents=True)
        message = f"No module named {name!r}"
        (hidden / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError({message!r}, name={name!r})\n"
        )
    # -p no:hypothesispytest: hypothesis's own pytest plugin goes with it.
    options = ["-q", "-rs", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    selected = " or ".join(test for _, test, _ in THROUGH_FIXTURES)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *options, "-k", selected, "tests"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(hidden)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:]
    assert "ERROR" not in out, out[-3000:]  # no module fails to collect
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    for module, *_, name in THROUGH_IMPORTS + THROUGH_FIXTURES:
        assert any(module in line and name in line for line in skipped), (module, out[-3000:])
    summary = out.splitlines()[-1]
    assert summary.startswith(f"{len(THROUGH_IMPORTS) + len(THROUGH_FIXTURES)} skipped, "), out
