"""Guild's xAPI profile: vocabulary, statement building and validation (DESIGN.md §4)."""
