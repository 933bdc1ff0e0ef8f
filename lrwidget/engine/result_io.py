"""Range test results and kept runs to and from JSON, and a result's curve as CSV.

The JSON document (one format for a single result and for a widget's runs)::

    {"format": "lrwidget-runs", "format_version": 1,
     "written_by": {"lrwidget": "0.1.0", "python": "3.11.9", "torch": "2.13.0", "fastai": "2.8.12"},
     "runs": [{"label": "frozen", "ran_at": "2026-11-30T06:48:18+00:00",
               "settings": {"stop_div": true, "frozen_groups": 1, "n_groups": 2, "batch_size": 64, "learner": ...},
               "versions": {...what made the run...},
               "result": {"lrs": [...], "losses": [...], "raw_losses": [...], "stop_reason": "completed",
                          "num_it": 100, "start_lr": 1e-07, "end_lr": 10.0, ...every field of RangeTestResult...},
               "view": {...optional: what a widget showed of it (hidden, handles); opaque here...}}],
     "selected": 0}

- Every dataclass field of the result and of the settings is written, found by ``dataclasses.fields``, so fields
  added later flow through; reading fills a field the file lacks with its default and ignores (with a warning) one
  this version does not know.
- Floats round-trip bit for bit: a finite float is a JSON number written as Python's shortest repr (which reads back
  to the same double, -0.0 included); NaN and ±inf, which JSON cannot hold, are ``{"$float": "NaN"}``,
  ``{"$float": "Infinity"}`` and ``{"$float": "-Infinity"}``, and a NaN whose bits are not Python's ``float("nan")``
  (a negative NaN, as x86 makes from ``0 * inf``) adds its 64 bits: ``{"$float": "NaN", "bits": "fff8000000000000"}``.
  The file is standard JSON (a browser's ``JSON.parse`` reads it).
- ``format_version`` is raised only for a change an older reader would misread: a reader refuses a newer version
  with a :class:`RunFileError` that says which lrwidget wrote it.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import struct
import types
import typing
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from lrwidget.engine.rangetest import RangeTestResult
from lrwidget.engine.run_record import Run, RunSettings, library_versions

FORMAT = "lrwidget-runs"
#: The format this module writes and the newest it reads.
FORMAT_VERSION = 1
#: The CSV's columns (name, RangeTestResult attribute), always written.
CSV_COLUMNS = (("lr", "lrs"), ("raw_loss", "raw_losses"), ("smoothed_loss", "losses"))
#: Columns written only when the result has the attribute, with one value per point (NaN where there is none).
OPTIONAL_CSV_COLUMNS = (("valid_loss", "valid_losses"),)

_NAN_BITS = struct.unpack("<Q", struct.pack("<d", math.nan))[0]
_SPECIAL = {"Infinity": math.inf, "-Infinity": -math.inf}

ResultT = TypeVar("ResultT", bound=RangeTestResult)
PathLike = str | os.PathLike[str]


class RunFileError(ValueError):
    """A file or text that is not an lrwidget runs document this version can read (the message says why)."""


@dataclasses.dataclass
class RunsDocument:
    """What a runs document holds: the runs, each run's view state (``{}`` when none), and the selected index."""

    runs: list[Run]
    views: list[dict[str, Any]]
    selected: int | None = None
    written_by: dict[str, str] = dataclasses.field(default_factory=dict)
    #: where it was read from: the file's path, or "the JSON text"
    source: str = ""


# ----- writing -----------------------------------------------------------------------------------------------------
def encode(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses by their fields, NaN/inf tagged, datetimes in ISO 8601."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _encode_special(value)
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"only mappings with str keys can be written to JSON, got keys {list(value)!r}")
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [encode(item) for item in value]
    raise TypeError(f"cannot write a {type(value).__name__} to an lrwidget runs file: {value!r}")


def _encode_special(value: float) -> dict[str, str]:
    if not math.isnan(value):
        return {"$float": "Infinity" if value > 0 else "-Infinity"}
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    return {"$float": "NaN"} if bits == _NAN_BITS else {"$float": "NaN", "bits": f"{bits:016x}"}


def runs_to_json(runs: Sequence[Run], *, views: Sequence[Mapping[str, Any]] | None = None,
                 selected: int | None = None) -> str:
    """The runs document (see the module docstring) as JSON text; ``views`` gives each run's view state."""
    if views is not None and len(views) != len(runs):
        raise ValueError(f"views must have one entry per run, got {len(views)} for {len(runs)} runs")
    entries = []
    for index, run in enumerate(runs):
        entry = {"label": run.label, "ran_at": encode(run.ran_at), "settings": encode(run.settings),
                 "versions": encode(run.versions), "result": encode(run.result)}
        if views is not None and views[index]:
            entry["view"] = encode(views[index])
        entries.append(entry)
    document: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "written_by": library_versions(),
                                "runs": entries}
    if selected is not None:
        document["selected"] = selected
    return json.dumps(document, allow_nan=False) + "\n"


def write_text(text: str, path: PathLike | None) -> str:
    """Writes ``text`` to ``path`` (when given, UTF-8) and returns it."""
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def result_to_json(result: RangeTestResult, path: PathLike | None = None) -> str:
    """A one-run document of ``result`` (no label or settings: a bare result does not know them)."""
    return write_text(runs_to_json([Run(result=result, versions=library_versions())]), path)


def result_to_csv(result: RangeTestResult, path: PathLike | None = None) -> str:
    """The curve as CSV: ``lr, raw_loss, smoothed_loss`` (and ``valid_loss`` when the result has one).

    Numbers are written as Python's shortest repr (they read back bit for bit); NaN and inf as ``nan``, ``inf``.
    """
    columns = list(CSV_COLUMNS)
    count = len(result.lrs)
    for name, attribute in OPTIONAL_CSV_COLUMNS:
        values = getattr(result, attribute, None)
        if values is not None and len(values) > 0:
            if len(values) != count:
                raise ValueError(f"result.{attribute} has {len(values)} values for {count} points; the CSV's "
                                 f"{name} column needs one per point (NaN where there is none)")
            columns.append((name, attribute))
    series = [getattr(result, attribute) for _, attribute in columns]
    if any(len(values) != count for values in series):
        raise ValueError(f"the result's series differ in length: {[len(values) for values in series]}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    writer.writerows(zip(*(map(repr, map(float, values)) for values in series), strict=True))
    return write_text(out.getvalue(), path)


# ----- reading -----------------------------------------------------------------------------------------------------
def read_runs(text_or_path: PathLike, result_type: type[RangeTestResult] = RangeTestResult) -> RunsDocument:
    """Reads a runs document from JSON text or a file path; a :class:`RunFileError` says what is wrong with it."""
    text, source = _read_source(text_or_path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RunFileError(f"{source} is not JSON ({error}); expected an lrwidget runs file") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise RunFileError(f"{source} is not an lrwidget runs file: expected format {FORMAT!r}, got {found!r}")
    _check_format_version(data, source)
    entries = data.get("runs")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise RunFileError(f"{source}: 'runs' must be a list of runs, got {type(entries).__name__}")
    runs = [_run_from_entry(entry, result_type, f"{source}, run {index}") for index, entry in enumerate(entries)]
    views = [_decode(entry.get("view") or {}) for entry in entries]
    selected = data.get("selected")
    if selected is not None and not (isinstance(selected, int) and 0 <= selected < len(runs)):
        raise RunFileError(f"{source}: 'selected' must be the index of a run (0 to {len(runs) - 1}), got {selected!r}")
    written_by = data.get("written_by")
    return RunsDocument(runs, views, selected, dict(written_by) if isinstance(written_by, dict) else {}, source)


def result_from_json(result_type: type[ResultT], text_or_path: PathLike) -> ResultT:
    """The result in a one-run document (JSON text or a file path)."""
    document = read_runs(text_or_path, result_type)
    if len(document.runs) != 1:
        labels = [run.label for run in document.runs]
        raise RunFileError(f"{document.source} holds {len(document.runs)} runs {labels}, not one; read them "
                           "with lrwidget.LRWidget.load(path) or lrwidget.engine.result_io.read_runs(path)")
    result = document.runs[0].result
    assert isinstance(result, result_type)
    return result


def _read_source(text_or_path: PathLike) -> tuple[str, str]:
    if isinstance(text_or_path, str) and text_or_path.lstrip()[:1] in ("{", "["):
        return text_or_path, "the JSON text"
    if not isinstance(text_or_path, (str, os.PathLike)):
        raise TypeError(f"expected JSON text or a file path, got {type(text_or_path).__name__}")
    path = Path(text_or_path)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except UnicodeDecodeError as error:
        raise RunFileError(f"{path} is not a text file ({error}); expected an lrwidget runs file") from None


def _check_format_version(data: dict[str, Any], source: str) -> None:
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RunFileError(f"{source}: format_version must be an integer >= 1, got {version!r}")
    if version > FORMAT_VERSION:
        from lrwidget import __version__

        writer = data.get("written_by", {}).get("lrwidget", "a newer lrwidget") if isinstance(
            data.get("written_by"), dict) else "a newer lrwidget"
        raise RunFileError(f"{source} is in format version {version} (written by lrwidget {writer}); lrwidget "
                           f"{__version__} reads format version {FORMAT_VERSION} at most: upgrade lrwidget "
                           "(pip install -U lrwidget) to read it")


def _run_from_entry(entry: dict[str, Any], result_type: type[RangeTestResult], where: str) -> Run:
    if not isinstance(entry.get("result"), dict):
        raise RunFileError(f"{where}: no 'result' object")
    result = dataclass_from_dict(result_type, entry["result"], f"{where}, result")
    lengths = {name: len(getattr(result, name)) for name in ("lrs", "losses", "raw_losses")}
    if len(set(lengths.values())) != 1:
        raise RunFileError(f"{where}: lrs, losses and raw_losses must have one value per point, got {lengths}")
    label = entry.get("label", "")
    if not isinstance(label, str):
        raise RunFileError(f"{where}: 'label' must be a string, got {label!r}")
    return Run(result=result, label=label,
               settings=dataclass_from_dict(RunSettings, entry.get("settings") or {}, f"{where}, settings"),
               ran_at=_coerce(entry.get("ran_at"), datetime | None, f"{where}, ran_at"),
               versions=_coerce(entry.get("versions") or {}, dict[str, str], f"{where}, versions"))


DataclassT = TypeVar("DataclassT")


def dataclass_from_dict(cls: type[DataclassT], data: Mapping[str, Any], where: str) -> DataclassT:
    """An instance of dataclass ``cls`` from its encoded fields, each checked against its type hint.

    A field missing from ``data`` gets its default (an older file); a key ``cls`` does not know is ignored with a
    warning (a newer file of the same format version). A wrong value raises :class:`RunFileError` naming it.
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # an annotation that cannot be resolved here: such a field is read as it is, unchecked
        hints = {name: spec.type for name, spec in fields.items() if not isinstance(spec.type, str)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        warnings.warn(f"{where}: ignored the field(s) {unknown}, which this lrwidget does not know", stacklevel=3)
    values = {}
    for name, spec in fields.items():
        if name in data:
            values[name] = _coerce(_decode(data[name]), hints.get(name, Any), f"{where}.{name}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise RunFileError(f"{where}: the field {name!r} is missing")
    return cls(**values)


def _decode(value: Any) -> Any:
    """JSON data back to Python: tagged floats to floats (NaN with its bits), recursively."""
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if "$float" in value:
            return _decode_special(value)
        return {key: _decode(item) for key, item in value.items()}
    return value


def _decode_special(value: dict[str, Any]) -> float:
    name = value["$float"]
    if name in _SPECIAL and len(value) == 1:
        return _SPECIAL[name]
    if name == "NaN" and set(value) <= {"$float", "bits"}:
        bits = value.get("bits")
        if bits is None:
            return math.nan
        try:
            number: float = struct.unpack("<d", struct.pack("<Q", int(bits, 16)))[0]
        except (TypeError, ValueError, struct.error):
            raise RunFileError(f"a NaN's bits must be 16 hex digits, got {bits!r}") from None
        if math.isnan(number):
            return number
    raise RunFileError(f"{value!r} is not a special float: expected NaN, Infinity or -Infinity")


class _Mismatch(Exception):
    pass


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """``value`` checked against (and shaped by) the type hint ``hint``; a RunFileError naming ``where`` if it fails."""
    try:
        return _shape(value, hint)
    except _Mismatch as mismatch:
        raise RunFileError(f"{where}: expected {mismatch}, got {_short(value)}") from None


def _shape(value: Any, hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or isinstance(hint, TypeVar):
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (arg for arg in args if arg is not type(None)):
            try:
                return _shape(value, arg)
            except _Mismatch:
                continue
        raise _Mismatch(" or ".join(_name(arg) for arg in args))
    if origin is typing.Literal:
        if value in args:
            return value
        raise _Mismatch(f"one of {list(args)}")
    if hint is type(None) or hint is None:
        if value is None:
            return None
    elif hint is bool or hint is str:
        if isinstance(value, hint):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is datetime:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, dict):
            return dataclass_from_dict(hint, value, _name(hint))
    elif origin in (list, tuple, Sequence, typing.Sequence) or hint in (list, tuple):
        if isinstance(value, list):
            if origin is tuple and args and args[-1] is not Ellipsis:
                if len(args) != len(value):
                    raise _Mismatch(f"{len(args)} values")
                return tuple(_shape(item, arg) for item, arg in zip(value, args, strict=True))
            item_hint = args[0] if args else Any
            items = [_shape(item, item_hint) for item in value]
            return tuple(items) if tuple in (origin, hint) else items
    elif origin in (dict, Mapping, typing.Mapping) or hint is dict:
        if isinstance(value, dict):
            value_hint = args[1] if len(args) == 2 else Any
            return {key: _shape(item, value_hint) for key, item in value.items()}
    else:  # a hint this reader has no rule for: taken as it is
        return value
    raise _Mismatch(_name(hint))


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = ["FORMAT", "FORMAT_VERSION", "RunFileError", "RunsDocument", "dataclass_from_dict", "encode", "read_runs",
           "result_from_json", "result_to_csv", "result_to_json", "runs_to_json"]
