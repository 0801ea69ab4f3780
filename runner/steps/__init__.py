"""The generic step library, shipped with the runner and registered by its plugin.

``runner.steps.web`` holds the phrases every feature can use on any web app (open a
path, click and fill by role or label, check text, URL and title, screenshots); its
functions are public, so a team's own steps reuse them::

    from runner.steps.web import click_button, fill_by_label

``runner.steps.a11y`` holds the accessibility phrases (axe-core, pinned with the runner)
and ``check_accessibility``, the function behind them.

Turn it off with ``step_library = false`` in ``[tool.e2e]`` (or ``E2E_STEP_LIBRARY=false``)
to use only a team's own steps.
"""
