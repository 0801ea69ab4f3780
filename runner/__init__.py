"""e2e runner: Gherkin UI tests on headless Chromium, reports for the team on S3."""

__version__ = "0.1.0"
