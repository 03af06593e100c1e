"""Article extraction from archived HTML: lxml and parsel only."""
