"""RangeTestResult to and from JSON (bit for bit, NaN and inf included), as CSV, and clear errors for bad files."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import struct
import sys
import types
from datetime import UTC, datetime

import pytest
import torch
from torch import nn

import lrwidget
from lrwidget import RangeTestResult, range_test
from lrwidget.engine.result_io import FORMAT_VERSION, RunFileError, read_runs, runs_to_json
from lrwidget.engine.run_record import Run, RunSettings

NEGATIVE_NAN = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]


def bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def same_bits(a: object, b: object) -> bool:
    """Equal, with every float compared by its 64 bits (so NaN == NaN only with the same bits, and -0.0 != 0.0)."""
    if isinstance(a, float) and isinstance(b, float):
        return bits(a) == bits(b)
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        return all(same_bits(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_bits(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@dataclasses.dataclass
class TrainingSettings:
    amp: bool = False
    accumulate: int = 1


@dataclasses.dataclass
class Extended(RangeTestResult):
    """A result with the kinds of fields other features add (per-group ratios, AMP and accumulation settings)."""

    group_lr_ratios: tuple[float, ...] | None = None
    per_group: list[list[float]] = dataclasses.field(default_factory=list)
    named: dict[str, float] = dataclasses.field(default_factory=dict)
    training: TrainingSettings = dataclasses.field(default_factory=TrainingSettings)


@dataclasses.dataclass
class WithValidation(RangeTestResult):
    valid_losses: list[float] = dataclasses.field(default_factory=list)


@pytest.fixture
def measured(mlp, regression_loader) -> RangeTestResult:
    """A real range test, with the awkward floats spliced in: NaN (both signs), ±inf and -0.0."""
    result = range_test(mlp, torch.optim.SGD(mlp.parameters(), lr=0.1), nn.functional.mse_loss, regression_loader,
                        num_it=30, stop_div=False)
    result.losses[3], result.raw_losses[4], result.raw_losses[5] = math.nan, NEGATIVE_NAN, math.inf
    result.losses[6], result.raw_losses[7] = -math.inf, -0.0
    result.warning = "a note"
    return result


def test_json_round_trip_is_bit_identical_nan_and_inf_included(measured):
    back = RangeTestResult.from_json(measured.to_json())
    assert same_bits(back, measured)
    assert bits(back.raw_losses[4]) == 0xFFF8000000000000  # the NaN's sign bit survives


def test_to_json_writes_the_file_it_returns_and_from_json_reads_a_path(measured, tmp_path):
    path = tmp_path / "result.json"
    text = measured.to_json(path)
    assert path.read_text(encoding="utf-8") == text
    assert same_bits(RangeTestResult.from_json(path), measured)
    assert same_bits(RangeTestResult.from_json(str(path)), measured)


def test_the_file_is_standard_json_that_a_browser_can_parse(measured):
    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    data = json.loads(measured.to_json(), parse_constant=refuse)
    assert data["format"] == "lrwidget-runs" and data["format_version"] == FORMAT_VERSION
    assert data["runs"][0]["result"]["losses"][3] == {"$float": "NaN"}


def test_every_dataclass_field_flows_through_including_fields_added_later():
    result = Extended(lrs=[1e-3], losses=[1.0], raw_losses=[1.0], group_lr_ratios=(0.01, math.nan, 1.0),
                      per_group=[[1e-5, 1e-3]], named={"a": -math.inf},
                      training=TrainingSettings(amp=True, accumulate=4))
    back = Extended.from_json(result.to_json())
    assert isinstance(back, Extended) and isinstance(back.training, TrainingSettings)
    assert same_bits(back, result)


def test_a_file_without_a_newer_field_reads_with_its_default_and_an_unknown_field_warns(measured):
    data = json.loads(measured.to_json())
    del data["runs"][0]["result"]["warning"]
    assert RangeTestResult.from_json(json.dumps(data)).warning is None
    data["runs"][0]["result"]["from_the_future"] = 1
    with pytest.warns(UserWarning, match="from_the_future"):
        RangeTestResult.from_json(json.dumps(data))


def test_versions_are_recorded_and_fastai_only_when_imported(measured, monkeypatch):
    monkeypatch.delitem(sys.modules, "fastai", raising=False)
    data = json.loads(measured.to_json())
    expected = {"lrwidget": lrwidget.__version__, "python": ".".join(map(str, sys.version_info[:3])),
                "torch": str(torch.__version__)}
    assert data["written_by"] == expected and data["runs"][0]["versions"] == expected
    monkeypatch.setitem(sys.modules, "fastai", types.SimpleNamespace(__version__="2.8.12"))
    assert json.loads(measured.to_json())["written_by"]["fastai"] == "2.8.12"


def test_runs_keep_their_label_settings_time_and_view_state(measured):
    ran_at = datetime(2026, 11, 30, 6, 48, 18, tzinfo=UTC)
    run = Run(result=measured, label="unfrozen", settings=RunSettings(stop_div=False, frozen_groups=0, n_groups=3,
                                                                      batch_size=64, learner="fastai Learner"),
              ran_at=ran_at, versions={"lrwidget": "0.0.9"})
    document = read_runs(runs_to_json([run, run], views=[{}, {"hidden": True, "lr_hi": math.nan}], selected=1))
    assert [r.label for r in document.runs] == ["unfrozen", "unfrozen"] and document.selected == 1
    back = document.runs[0]
    assert back.settings == run.settings and back.ran_at == ran_at and back.versions == {"lrwidget": "0.0.9"}
    assert same_bits(back.result, measured)
    assert document.views[0] == {} and document.views[1]["hidden"] is True and math.isnan(document.views[1]["lr_hi"])


def test_csv_has_lr_raw_and_smoothed_loss_columns_bit_for_bit(measured, tmp_path):
    path = tmp_path / "curve.csv"
    text = measured.to_csv(path)
    assert path.read_text(encoding="utf-8") == text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["lr", "raw_loss", "smoothed_loss"] and len(rows) == len(measured.lrs) + 1
    columns = list(zip(*rows[1:], strict=True))
    for column, expected in zip(columns, (measured.lrs, measured.raw_losses, measured.losses), strict=True):
        # NaN's sign is the one thing CSV drops (it writes "nan"): NaNs compare as NaN, the rest bit for bit.
        assert same_bits([math.nan if math.isnan(float(c)) else float(c) for c in column],
                         [math.nan if math.isnan(e) else e for e in expected])
    assert rows[8][1] == "-0.0" and rows[6][1] == "inf"


def test_csv_adds_the_validation_loss_column_when_the_result_has_one():
    result = WithValidation(lrs=[1e-3, 1e-2], losses=[1.0, 0.9], raw_losses=[1.1, 0.8], valid_losses=[math.nan, 0.95])
    rows = list(csv.reader(io.StringIO(result.to_csv())))
    assert rows == [["lr", "raw_loss", "smoothed_loss", "valid_loss"], ["0.001", "1.1", "1.0", "nan"],
                    ["0.01", "0.8", "0.9", "0.95"]]
    assert RangeTestResult(lrs=[1e-3], losses=[1.0], raw_losses=[1.0]).to_csv().splitlines()[0] == \
        "lr,raw_loss,smoothed_loss"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: "{not json", "is not JSON"),
    (lambda d: json.dumps([1, 2]), "not an lrwidget runs file"),
    (lambda d: json.dumps({**d, "format": "something-else"}), "expected format 'lrwidget-runs'"),
    (lambda d: json.dumps({**d, "format_version": "1"}), "format_version must be an integer"),
    (lambda d: json.dumps({**d, "runs": {}}), "'runs' must be a list"),
    (lambda d: json.dumps({**d, "runs": [{**d["runs"][0], "result": {**d["runs"][0]["result"], "lrs": "abc"}}]}),
     r"run 0, result.lrs: expected list"),
    (lambda d: json.dumps({**d, "runs": [{**d["runs"][0], "result": {**d["runs"][0]["result"], "lrs": [1.0]}}]}),
     "one value per point"),
    (lambda d: json.dumps({**d, "runs": [{**d["runs"][0], "result": {"losses": [1.0]}}]}), "per point"),
    (lambda d: json.dumps({**d, "runs": [{**d["runs"][0], "ran_at": "yesterday"}]}), "ran_at: expected"),
    (lambda d: json.dumps({**d, "runs": d["runs"] * 2}), "holds 2 runs"),
])
def test_a_bad_file_gives_a_clear_error(measured, mutate, message):
    bad = mutate(json.loads(measured.to_json()))
    with pytest.raises(RunFileError, match=message):
        RangeTestResult.from_json(bad)


def test_a_bad_file_on_disk_names_the_file(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(RunFileError, match=r"notes\.json is not JSON"):
        RangeTestResult.from_json(path)


def test_a_future_format_version_is_refused_with_the_writer_and_what_to_do(measured):
    data = json.loads(measured.to_json())
    data["format_version"] = FORMAT_VERSION + 1
    data["written_by"]["lrwidget"] = "9.0.0"
    with pytest.raises(RunFileError, match=rf"format version {FORMAT_VERSION + 1} \(written by lrwidget 9.0.0\).*"
                                           rf"reads format version {FORMAT_VERSION} at most: upgrade"):
        RangeTestResult.from_json(json.dumps(data))
