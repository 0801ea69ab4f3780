"""Visual comparison: compare.py (pixelmatch with Playwright's thresholds), capture.py (stable
screenshots), baselines.py (where baselines live, what a run keeps, accepting a run's images)."""
