"""Targeted help for hard-hit enterprises (the notice's point 5): hardship assessments, the
association's relief schemes, and the grants made under them with their ledger."""
