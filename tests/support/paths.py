"""Where the project, the test fixtures and the pages captured from regjeringen.no are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# Kept beside the workspace, not in the repository: a clone elsewhere has none.
REAL_PAGES = ROOT.parent / "shared" / "real-pages"
