"""benchmarks/rounds.py: every contender leads a round in turn; the spread over rounds."""

from __future__ import annotations

from benchmarks.rounds import rotated, spread


def test_each_contender_takes_each_place_once_in_as_many_rounds() -> None:
    names = ("bare", "regarkiv", "wget")
    orders = [rotated(names, number) for number in range(3)]
    assert orders == [
        ["bare", "regarkiv", "wget"],
        ["regarkiv", "wget", "bare"],
        ["wget", "bare", "regarkiv"],
    ]
    for place in range(3):
        assert sorted(order[place] for order in orders) == sorted(names)
    assert rotated(names, 4) == orders[1]


def test_two_contenders_alternate() -> None:
    assert [rotated(("a", "b"), n) for n in range(3)] == [["a", "b"], ["b", "a"], ["a", "b"]]


def test_spread_is_min_median_max_rounded() -> None:
    assert spread([1.23456, 0.5, 2.0, 1.0]) == {"min": 0.5, "median": 1.117, "max": 2.0}
    assert spread(iter([3.14159]), digits=1) == {"min": 3.1, "median": 3.1, "max": 3.1}
