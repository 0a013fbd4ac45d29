"""The app's pages: hardship assessments and the hardest-hit list (assessments.py), relief
schemes, grant batches and the ledger (schemes.py)."""
