"""runner.visual.baselines and capture's loop, and the visual settings: no browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from runner.settings import SettingsError, resolve
from runner.visual.baselines import Record, accept_run, baseline_path, other_renderers, write_record
from runner.visual.capture import Unstable, stable_capture
from runner.visual.compare import encode_png


def test_a_baseline_sits_next_to_its_feature_named_by_scenario_name_and_renderer(tmp_path: Path) -> None:
    feature = tmp_path / "features" / "shop" / "cart.feature"
    path = baseline_path(feature, "Pay by card", "after pay", "image")
    assert path == tmp_path / "features/shop/__baselines__/cart/Pay-by-card/after-pay.image.png"
    odd = baseline_path(feature, "Pay / refund?", "ホーム", "local-linux")
    assert odd.name == "ホーム.local-linux.png" and odd.parent.name.startswith("Pay-refund-")


def test_other_renderers_are_found_for_the_message(tmp_path: Path) -> None:
    path = baseline_path(tmp_path / "f.feature", "S", "home", "image")
    path.parent.mkdir(parents=True)
    (path.parent / "home.local-linux.png").write_bytes(b"x")
    (path.parent / "homepage.local-linux.png").write_bytes(b"x")
    assert other_renderers(path) == ["local-linux"]


def _png(colour: str) -> bytes:
    return encode_png(Image.new("RGB", (2, 2), colour))


def test_accept_copies_a_runs_images_and_says_what_changed(tmp_path: Path) -> None:
    project, run = tmp_path / "project", tmp_path / "run"
    same = "features/__baselines__/a/S/same.image.png"
    changed = "features/__baselines__/a/S/changed.image.png"
    new = "features/__baselines__/a/S/new.image.png"
    for relative, colour in ((same, "red"), (changed, "red")):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes(_png(colour))
    write_record(run, Record(same, "written", "same", "S"), _png("red"))
    write_record(run, Record(changed, "mismatch", "changed", "S"), _png("blue"))
    write_record(run, Record(new, "missing", "new", "S"), _png("green"))
    dry = accept_run(run, project, dry_run=True)
    assert {a.baseline: a.change for a in dry} == {same: "unchanged", changed: "updated", new: "added"}
    assert not (project / new).exists()
    accept_run(run, project)
    assert (project / changed).read_bytes() == _png("blue") and (project / new).read_bytes() == _png("green")


@pytest.mark.parametrize(
    "bad", ["../outside/__baselines__/x.png", "/abs/__baselines__/x.png", "features/x.png"]
)
def test_a_record_cannot_point_outside_the_baselines(tmp_path: Path, bad: str) -> None:
    run = tmp_path / "run"
    (run / "visual").mkdir(parents=True)
    (run / "visual" / "evil.json").write_text(
        f'{{"baseline": "{bad}", "outcome": "mismatch", "name": "x", "scenario": "s"}}'
    )
    (run / "visual" / "evil.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="evil.json: not a visual record"):
        accept_run(run, tmp_path / "project")
    with pytest.raises(ValueError):
        write_record(run, Record(bad, "mismatch", "x", "s"), b"x")


def test_accept_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such run folder"):
        accept_run(tmp_path / "nope", tmp_path)
    with pytest.raises(ValueError, match="not a run folder"):
        accept_run(tmp_path, tmp_path)


def test_stable_capture_stops_at_two_equal_shots_or_a_match_and_is_bounded() -> None:
    shots = iter([_png("red"), _png("blue"), _png("blue"), _png("green")])
    pauses: list[int] = []
    capture = stable_capture(lambda: next(shots), 5000, pause=pauses.append)
    assert capture.shots == 3 and pauses == [100]  # 0 ms before the second shot
    once = stable_capture(lambda: _png("red"), 5000, matches=lambda image: True)
    assert once.shots == 1
    colours = iter(["red", "blue"] * 50)
    with pytest.raises(Unstable, match="did not settle"):
        stable_capture(lambda: _png(next(colours)), 300, pause=lambda ms: None)


def test_update_baselines_defaults_to_missing_locally_and_none_under_ci(tmp_path: Path) -> None:
    assert resolve(tmp_path, environ={}).update_baselines == "missing"
    assert resolve(tmp_path, environ={"CI": "true"}).update_baselines == "none"
    assert (
        resolve(tmp_path, environ={"CI": "true", "E2E_UPDATE_BASELINES": "changed"}).update_baselines
        == "changed"
    )
    assert resolve(tmp_path, {"update_baselines": "all"}, environ={"CI": "true"}).update_baselines == "all"
    assert resolve(tmp_path, environ={"E2E_RENDERER": "image"}).renderer == "image"
    assert resolve(tmp_path, environ={}).renderer.startswith("local-")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("E2E_UPDATE_BASELINES", "sometimes"),
        ("E2E_VISUAL_THRESHOLD", "1.2"),
        ("E2E_VISUAL_MAX_DIFF_PIXELS", "-3"),
        ("E2E_VISUAL_MAX_DIFF_PIXEL_RATIO", "nan"),
        ("E2E_RENDERER", "../x"),
    ],
)
def test_bad_visual_settings_name_their_source(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"{variable} \\(environment\\)"):
        resolve(tmp_path, environ={variable: value})
