"""Bodies as paragraphs, lists and tables; diffs block by block with folded context."""

from __future__ import annotations

from archive.index.blockdiff import Block, block_diff, blocks, hunks


def test_blocks_group_list_items_and_table_rows() -> None:
    body = "Intro.\n\n- a\n\n- b\n\n3. c\n\n4. d\n\nA | B\n\n1 | 2\n\nEnd."
    assert blocks(body) == [
        Block("p", ("Intro.",)),
        Block("ul", ("a", "b")),
        Block("ol", ("c", "d"), start=3),
        Block("table", ("A | B", "1 | 2")),
        Block("p", ("End.",)),
    ]
    assert blocks("A | B\n\n1 | 2")[0].rows == [["A", "B"], ["1", "2"]]
    assert blocks("") == []


def test_blocks_named_as_headings_are_headings() -> None:
    found = blocks("Intro.\n\nTall for 2027\n\nTekst.", {"Tall for 2027": 2, "Other": 3})
    assert [(b.kind, b.level) for b in found] == [("p", 0), ("h", 2), ("p", 0)]


def test_a_changed_table_row_is_diffed_cell_by_cell() -> None:
    [row] = [r for r in block_diff("A | 1 | 2", "A | 1 | 5") if r.op != "equal"]
    assert row.op == "changed" and row.kind == "table"
    assert [[(s.op, s.text) for s in cell] for cell in row.cells] == [
        [("equal", "A")],
        [("equal", "1")],
        [("delete", "2"), ("insert", "5")],
    ]


def test_unlike_blocks_are_deleted_and_inserted_not_paired() -> None:
    rows = block_diff("Intro.\n\n- a\n\nX | 1", "Intro.\n\n- a\n\n- b\n\nX | 2")
    assert [(r.op, r.kind) for r in rows] == [
        ("equal", "p"),
        ("equal", "ul"),
        ("inserted", "ul"),
        ("changed", "table"),
    ]
    rows = block_diff("Old paragraph about taxes.", "Completely different words here now.")
    assert [r.op for r in rows] == ["deleted", "inserted"]


def test_word_marks_inside_a_changed_paragraph() -> None:
    [row] = block_diff("Vedtaket gjelder i år.", "Vedtaket gjelder i år og neste år.")
    assert row.op == "changed"
    assert [(s.op, s.text) for s in row.spans if s.op != "equal"] == [("insert", " år og neste")]


def test_unchanged_text_away_from_changes_folds_with_context() -> None:
    old = "\n\n".join(f"Paragraph {n}." for n in range(10))
    new = old.replace("Paragraph 5.", "Paragraph five.")
    found = hunks(block_diff(old, new), context=1)
    assert [(h.folded, len(h.rows)) for h in found] == [(True, 4), (False, 3), (True, 3)]
    assert hunks(block_diff(old, old)) == [hunks(block_diff(old, old))[0]]
    assert hunks(block_diff(old, old))[0].folded


def test_headings_stay_headings_in_a_diff_on_each_side() -> None:
    old = "Intro.\n\nTall for 2026\n\nTekst om saken.\n\nBakgrunn\n\nMer."
    new = "Intro.\n\nTall for 2027\n\nTekst om saken.\n\nBakgrunn\n\nMer."
    rows = block_diff(
        old, new, {"Tall for 2026": 2, "Bakgrunn": 3}, {"Tall for 2027": 2, "Bakgrunn": 3}
    )
    assert [(r.op, r.kind, r.level) for r in rows] == [
        ("equal", "p", 0),
        ("changed", "h", 2),
        ("equal", "p", 0),
        ("equal", "h", 3),
        ("equal", "p", 0),
    ]
    assert [(s.op, s.text.strip()) for s in rows[1].spans if s.op != "equal"] == [
        ("delete", "2026"),
        ("insert", "2027"),
    ]
    # Without the pages' headings the same text is a paragraph, as before.
    assert {r.kind for r in block_diff(old, new)} == {"p"}


def test_a_paragraph_that_became_a_heading_is_a_change_not_an_equal_block() -> None:
    rows = block_diff(
        "Intro.\n\nBakgrunn\n\nMer.", "Intro.\n\nBakgrunn\n\nMer.", {}, {"Bakgrunn": 2}
    )
    assert [(r.op, r.kind) for r in rows if r.op != "equal"] == [
        ("deleted", "p"),
        ("inserted", "h"),
    ]


def test_an_ordered_item_keeps_its_number_in_a_diff() -> None:
    rows = block_diff("1. a\n\n2. b\n\n3. c", "1. a\n\n2. b b\n\n3. c")
    assert [r.number for r in rows] == ["1", "2", "3"]
    assert block_diff("- a", "- b")[0].number == ""
