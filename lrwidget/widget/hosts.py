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
