"""lrwidget in marimo: the live range test, the handles, and cells that follow every drag.

Run it as an app with ``marimo run example_notebooks/06_marimo.py`` (or edit it with ``marimo edit``). The data are
synthetic and the model is tiny, so it needs nothing but torch. The test takes about a second; add
``-- --step-delay 0.02`` to slow each training step and watch the curve grow (the browser test does).
"""
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import time

    import marimo as mo
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from lrwidget import Learner, LRWidget
    return DataLoader, LRWidget, Learner, TensorDataset, mo, nn, time, torch


@app.cell
def _(mo):
    mo.md(r"""
    # Find a learning rate in marimo

    The range test trains for a hundred batches while the learning rate grows from far too small (1e-7) to far
    too large (10). It runs in a background thread, and the curve streams in as it grows. When it ends, the
    **hi** handle (the head's learning rate) sits at the sweetspot suggestion and **lo** (the body's) at
    hi / 100. Drag them: the cells below follow.
    """)
    return


@app.cell
def _(DataLoader, Learner, TensorDataset, mo, nn, time, torch):
    # Three classes, each the argmax of one fixed linear map of 8 features: easy to learn, nothing to download.
    _generator = torch.Generator().manual_seed(0)
    _features = torch.randn(2048, 8, generator=_generator)
    _labels = (_features @ torch.randn(8, 3, generator=_generator)).argmax(dim=1)
    _train_dl = DataLoader(TensorDataset(_features, _labels), batch_size=32, shuffle=True,
                           generator=torch.Generator().manual_seed(0))
    _valid_dl = DataLoader(TensorDataset(_features[:512], _labels[:512]), batch_size=256)
    # Two layer groups, body then head, so that lo and hi both mean something. Seeded weights, the same curve every
    # time; fork_rng leaves the global RNG alone (under `marimo run`, every page's session shares the process).
    with torch.random.fork_rng():
        torch.manual_seed(0)
        _model = nn.Sequential(nn.Sequential(nn.Linear(8, 64), nn.ReLU()), nn.Linear(64, 3))
    _step_delay_s = float(mo.cli_args().get("step-delay") or 0)

    def _loss(prediction, target):
        time.sleep(_step_delay_s)  # 0 unless asked for on the command line
        return nn.functional.cross_entropy(prediction, target)

    learn = Learner(_model, _train_dl, _loss, valid_dl=_valid_dl, show_progress=False,
                    splitter=lambda model: [list(model[0].parameters()), list(model[1].parameters())])
    return (learn,)


@app.cell
def _(LRWidget, learn, mo):
    w = LRWidget(learn)  # starts the range test in a background thread and returns at once
    # marimo draws anywidgets but not classic ipywidgets, so it shows the curve view (without the bqplot schedule
    # preview). Bound to a name, the view is a marimo UI element: every cell that reads `picker` re-runs after a drag.
    picker = mo.ui.anywidget(w.view)
    picker
    return picker, w


@app.cell
def _(mo, w):
    # Re-run the cells that read `test_ended()` once the test ends, without holding the kernel meanwhile (a cell
    # that called w.wait() itself would hold it, and Stop would answer only after the test).
    test_ended, _set_test_ended = mo.state(False)

    def _wait_for_the_test():
        try:
            w.wait()
        finally:
            _set_test_ended(True)

    mo.Thread(target=_wait_for_the_test, daemon=True).start()
    return (test_ended,)


@app.cell
def _(mo, picker, test_ended, w):
    test_ended(), picker.value  # this cell re-runs when the test ends and after every drag
    if w.lr_hi is None:
        _text = f"The range test is **{w.status}**; the handles appear when it ends."
    else:
        _text = (f"Picked: **lo = {w.lr_lo:.4g}**, **hi = {w.lr_hi:.4g}**. `w.lr` is `slice(lo, hi)`: "
                 "`w.fine_tune(2)` trains the body at lo and the head at hi.")
    mo.md(_text)
    return


@app.cell
def _(mo):
    train = mo.ui.run_button(label="fine_tune(2) with the picked learning rates")
    train
    return (train,)


@app.cell
def _(learn, mo, train, w):
    mo.stop(not train.value)
    _lr = w.lr
    w.fine_tune(2)
    _valid_loss = learn.validate()[0]
    mo.md(f"Trained with lo = {_lr.start:.4g}, hi = {_lr.stop:.4g}: validation loss **{_valid_loss:.3f}**.")
    return


if __name__ == "__main__":
    app.run()
