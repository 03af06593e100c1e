"""CDXJ lines kept in sorted runs on a temporary file and merged: the same lines, in the
same order, as sorting them all in memory; nothing left in the directory."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from archive.warc import cdxj_runs
from archive.warc.cdxj_runs import CdxjRuns


@pytest.mark.parametrize("count", [0, 1, 7, 20, 21, 95])
def test_the_merged_runs_are_every_line_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    monkeypatch.setattr(cdxj_runs, "RUN", 10)
    monkeypatch.setattr(cdxj_runs, "BUFFER", 64)  # lines cut across reads
    rng = random.Random(count)
    lines = [
        f"no,regjeringen)/{rng.choice('abcæøå')}/id{rng.randrange(99)} 2026{n:010d}"
        f' {{"url": "https://x/{"é" * rng.randrange(40)}"}}\n'
        for n in range(count)
    ]
    runs = CdxjRuns(tmp_path)
    for line in lines:
        runs.append(line)
    assert list(runs.sorted()) == sorted(lines)
    runs.close()
    assert list(tmp_path.iterdir()) == []


def test_lines_stay_in_memory_until_a_run_is_full(tmp_path: Path) -> None:
    runs = CdxjRuns(tmp_path)
    runs.append("b 1 {}\n")
    runs.append("a 1 {}\n")
    assert list(runs.sorted()) == ["a 1 {}\n", "b 1 {}\n"]
    runs.close()
