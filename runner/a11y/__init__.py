"""Accessibility checks: axe-core, pinned with the runner, run in the scenario's page.

- ``axe.py``: axe-core's bundle found in the installed tools (``runner.report.tools``),
  injected into every frame with ``evaluate`` (an app's CSP cannot block it) and run;
- ``findings.py``: what a scan found, as data, and the messages a person reads (pure);
- ``known.py``: the repository's file of known violations (``features/a11y-known.json``);
- ``scans.py``: each scan's record in the run folder, the run's summary of them, and
  ``accept`` (the known-issues file rewritten from a run).

The phrases are in ``runner.steps.a11y``; ``e2e a11y accept RUN_DIR`` in ``runner.cli.a11y``.
"""
