"""What the notebook host can do with a background thread's widget updates.

LRWidget draws live from a background thread. Hosts and kernels known not to deliver those updates are named here,
with their sources, so that the user hears it from the widget rather than from a curve that never moves.
"""
from __future__ import annotations

import sys
import warnings

#: ipykernel releases that drop widget updates made from a thread other than the kernel's (ipywidgets issue 4001,
#: fixed in 7.0.1). Measured here: the JupyterLab browser test hangs waiting for live points on 7.0.0 and passes on
#: 7.4.0.
BROKEN_IPYKERNELS = frozenset({"7.0.0"})


#: Hosts that never show widget updates made from a background thread, by a module only their kernels import. There
#: LRWidget runs the test in the calling cell (foreground mode) and publishes from it. marimo is not one: its comms
#: keep their session, and a run's points reach a ``marimo run`` page live (tests/e2e/test_marimo.py).
FOREGROUND_HOSTS = {"google.colab": "Colab (googlecolab/colabtools issue 3373)"}
#: How LRWidget runs the test: ``"background"`` (a thread; the notebook stays usable), ``"foreground"`` (the calling
#: cell; the host's interrupt is the Stop), or ``"auto"``: foreground on the hosts above, background elsewhere.
RUN_MODES = ("auto", "background", "foreground")


def choose_run_mode(mode: str) -> str:
    """``"background"`` or ``"foreground"`` for ``mode``; ``"auto"`` looks at the host."""
    if mode not in RUN_MODES:
        raise ValueError(f"mode must be one of {RUN_MODES}, got {mode!r}")
    if mode != "auto":
        return mode
    return "foreground" if any(module in sys.modules for module in FOREGROUND_HOSTS) else "background"


class HostWarning(UserWarning):
    """The notebook host or kernel will not show the widget's live updates."""


def warn_if_updates_cannot_arrive() -> None:
    """Warns when the running kernel is a release that loses widget updates from threads."""
    kernel = sys.modules.get("ipykernel")
    version = getattr(kernel, "__version__", None)
    if version in BROKEN_IPYKERNELS:
        warnings.warn(
            f"ipykernel {version} does not deliver widget updates made from a background thread (ipywidgets issue "
            "4001), so the curve will not grow live; upgrade with `pip install -U ipykernel` and restart the kernel",
            HostWarning,
            stacklevel=3,
        )
