"""runner.plugin.redaction: the run's redactor (environment secrets, configured names, the URL's password)."""

from __future__ import annotations

from pathlib import Path

from runner.plugin.redaction import redactor_for
from runner.settings import resolve


def test_the_base_urls_password_and_a_configured_variable_are_redacted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOP_LOGIN", "tiger-stripes-42")
    settings = resolve(
        tmp_path,
        environ={
            "E2E_BASE_URL": "https://ann:s3cr3t-pass@shop.example/",
            "E2E_SECRET_VARIABLES": "SHOP_LOGIN",
        },
    )
    text = redactor_for(settings.secret_variables, settings.base_url).text(
        "login tiger-stripes-42 at https://ann:s3cr3t-pass@shop.example/"
    )
    assert "tiger-stripes-42" not in text and "s3cr3t-pass" not in text
