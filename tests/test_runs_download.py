"""The view's JSON download: the page asks with ``{"type": "export_runs"}`` and gets the text ``w.save`` writes."""
from __future__ import annotations

from typing import Any

from lrwidget import LRWidget
from lrwidget.engine.result_io import read_runs

from .test_runs import synthetic_result
from .test_widget import make_learner


def page_asks_for_json(w: LRWidget) -> list[dict[str, Any]]:
    """Sends the page's message and returns what the widget sent back."""
    sent: list[dict[str, Any]] = []
    w.view.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    w.view._dispatch_message(w.view, {"type": "export_runs"}, [])
    return sent


def test_the_page_gets_the_json_that_save_writes_and_load_reads(tmp_path):
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    w.add_run(synthetic_result(dip=0.3), label="first")
    w.add_run(synthetic_result(dip=0.6, start_lr=1e-5), label="second")
    w.set_run_visible("first", False)
    (answer,) = page_asks_for_json(w)
    assert answer["type"] == "runs_json" and answer["filename"].endswith(".json")
    assert answer["text"] == w.save(tmp_path / "saved.json")
    path = tmp_path / "downloaded.json"
    path.write_text(answer["text"], encoding="utf-8")
    loaded = LRWidget.load(path)
    assert [run.label for run in loaded.runs] == ["first", "second"]
    assert loaded.runs[1].result.lrs == w.runs[1].result.lrs
    assert read_runs(path).views[0]["hidden"] is True


def test_during_a_run_the_page_is_told_why_there_is_no_json(monkeypatch):
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    w.add_run(synthetic_result(), label="first")
    monkeypatch.setattr(LRWidget, "running", property(lambda self: True))
    (answer,) = page_asks_for_json(w)
    assert answer["type"] == "runs_json" and "text" not in answer
    assert "a range test is running" in answer["error"]
