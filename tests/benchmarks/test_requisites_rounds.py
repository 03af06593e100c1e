"""Smoke test of benchmarks/requisites_rounds.py: every figure is there (speed is not checked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.requisites_rounds import CONTENDERS, kind, render


@pytest.fixture(scope="module")
def figures(root: Path) -> dict:
    if shutil.which("wget") is None:
        pytest.skip("the benchmark runs wget")
    script = root / "benchmarks" / "requisites_rounds.py"
    result = subprocess.run(
        [sys.executable, str(script), "--articles", "12", "--rounds", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict = json.loads(result.stdout)
    return found


def test_every_contender_fetches_pages_requisites_and_attachments(figures: dict) -> None:
    assert "one at a time" in figures["note"]  # wget's lack of concurrency is stated
    assert set(figures["contenders"]) == set(CONTENDERS)
    for name, contender in figures["contenders"].items():
        assert contender["requests_per_s"] > 0 and contender["cpu_ms_per_request"] > 0, name
        assert contender["repeats"] == 0, name  # each URL once
        by_kind = contender["by_kind"]
        assert by_kind["article"] == 12 and by_kind["robots"] == 1, name
        assert by_kind["requisite"] > 12 and by_kind["attachment"] > 0, name


def test_the_request_sets_are_compared(figures: dict) -> None:
    # The bare spider finds what regarkiv finds, by the same code: the same requests.
    bare = figures["request_sets"]["bare"]
    assert bare["only_regarkiv"] == 0 and bare["only_other"] == 0
    # wget misses a few (the msapplication tile icon, the 50 MB image it is told to skip)
    # and the difference is reported.
    wget = figures["request_sets"]["wget"]
    assert wget["only_regarkiv"] == len(wget["only_regarkiv_sample"]) > 0
    assert (
        "/globalassets/upload/hoyopploselig-regjeringskvartalet.png"
        in (wget["only_regarkiv_sample"])
    )


def test_ratios_are_per_round_and_the_load_is_printed(figures: dict) -> None:
    assert len(figures["rounds"]) == 2
    assert all(set(one) == set(CONTENDERS) for one in figures["rounds"])
    for key in ("regarkiv_vs_bare", "regarkiv_vs_wget", "cpu_per_request_regarkiv_vs_bare"):
        spread = figures["ratios"][key]
        assert 0 < spread["min"] <= spread["median"] <= spread["max"]
    assert len(figures["load_average"]) == len(figures["load_average_end"]) == 3
    assert all("load_average" in one[name] for one in figures["rounds"] for name in CONTENDERS)
    text = "\n".join(render(figures))
    assert "regarkiv_vs_wget" in text and "requests vs bare" in text


def test_targets_are_told_apart_by_kind() -> None:
    assert kind("/robots.txt") == "robots"
    assert kind("/contentassets/0a4b8a1ff0195af5f56b472800306234/x.pdf") == "attachment"
    assert kind("/dist-web/css/main.css?v=123") == "requisite"
    assert kind("/no/aktuelt/nyheter/id2006120/?page=2") == "listing"
