"""An offline CDN for a page exported by nbconvert: widget code comes from local packages, nothing from the network.

An exported notebook loads require.js from cdnjs, ``@jupyter-widgets/html-manager`` from unpkg, and html-manager
loads each widget's front end (anywidget, bqplot, bqscales) from jsDelivr, at the semver range the saved state
declares. :class:`OfflineCdn` answers those requests from local copies, checks that each copy's version satisfies
the range the page asked for, and aborts every other request, so a test using it proves that no network is used.

Where the copies come from:
- npm packages in ``js/node_modules`` (exact-version devDependencies in ``js/package.json``): html-manager,
  require.js and anywidget;
- the Python packages' own front ends in the venv's ``share/jupyter`` (bqplot and bqscales): they are the versions
  the Python packages declare (the npm registry here has no bqplot 0.6), built as the same AMD bundles the CDN's
  ``dist/index.js`` holds.
"""
from __future__ import annotations

import json
import mimetypes
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .browser import running_in_ci
from .jupyter_server import venv_jupyter_path

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "js" / "node_modules"
#: The address the exported page itself is served at; no such host exists, and the router answers for it.
PAGE_ORIGIN = "https://lrwidget-export.invalid"

#: ``https://unpkg.com/<package>@<range>/<path>`` and ``https://cdn.jsdelivr.net/npm/<package>@<range>/<path>``.
NPM_CDN_URL = re.compile(
    r"^https://(?:unpkg\.com|cdn\.jsdelivr\.net/npm)/(?P<package>(?:@[^/@]+/)?[^/@]+)@(?P<range>[^/]+)/(?P<path>[^?#]+)")
#: ``https://cdnjs.cloudflare.com/ajax/libs/require.js/<version>/require.min.js`` (nbconvert's ``require_js_url``).
REQUIREJS_CDN_URL = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/(?P<version>[^/]+)/[^/?#]+$")


@dataclass(frozen=True)
class LocalPackage:
    """A package's files on this machine, as a CDN would serve them.

    Args:
        name: the npm name the page asks for.
        version: the version of these files.
        files: the directory a CDN path resolves in.
        strip: a prefix of the CDN path that ``files`` does not have (``"dist/"`` for a Jupyter nbextension, whose
            directory holds what the npm package's ``dist/`` holds).
    """

    name: str
    version: str
    files: Path
    strip: str = ""

    def file(self, cdn_path: str) -> Path | None:
        """The local file for ``cdn_path``, or None when the package has no such file (or the path leaves it)."""
        if self.strip and not cdn_path.startswith(self.strip):
            return None
        candidate = (self.files / cdn_path.removeprefix(self.strip)).resolve()
        if not candidate.is_relative_to(self.files.resolve()) or not candidate.is_file():
            return None
        return candidate


def npm_package(name: str) -> LocalPackage:
    """A package installed in ``js/node_modules`` (by ``npm ci`` in the Makefile's js targets)."""
    directory = NODE_MODULES / name
    return LocalPackage(name, _package_version(directory / "package.json", hint="cd js && npm ci"), directory)


def python_widget_frontend(name: str) -> LocalPackage:
    """The front end a Python widget package installs in the venv: its nbextension files, its labextension version."""
    share = venv_jupyter_path()
    version = _package_version(share / "labextensions" / name / "package.json",
                               hint=f"pip install {name} (its wheel installs the front end)")
    return LocalPackage(name, version, share / "nbextensions" / name, strip="dist/")


def exported_page_packages() -> dict[str, LocalPackage]:
    """Every package an exported LRWidget page loads, by npm name."""
    packages = [npm_package("@jupyter-widgets/html-manager"), npm_package("anywidget"),
                python_widget_frontend("bqplot"), python_widget_frontend("bqscales")]
    return {package.name: package for package in packages}


def _package_version(package_json: Path, hint: str) -> str:
    if not package_json.is_file():
        raise FileNotFoundError(f"{package_json} is missing; install it with: {hint}")
    version: str = json.loads(package_json.read_text())["version"]
    return version


def satisfies(version: str, semver_range: str) -> bool:
    """Whether ``version`` (``major.minor.patch``) is in an npm range of the forms widget state uses.

    Handles ``*``, an exact version, ``^x.y.z``, ``~x.y.z`` and ``x``/``*`` wildcards (``~0.11.*``, ``^0.3``).

    Examples:
        >>> satisfies("0.6.1", "^0.6.1"), satisfies("0.5.46", "^0.6.1"), satisfies("0.11.0", "~0.11.*")
        (True, False, True)
    """
    semver_range = semver_range.strip()
    if semver_range in ("", "*", "x"):
        return True
    operator, bound = (semver_range[0], semver_range[1:]) if semver_range[0] in "^~" else ("=", semver_range)
    have = [int(part) for part in version.split("-")[0].split(".")]
    want = [part for part in bound.split(".") if part not in ("*", "x", "X")]
    if not all(part.isdigit() for part in want):
        raise ValueError(f"unsupported semver range {semver_range!r}: expected *, x.y.z, ^x.y.z or ~x.y.z")
    floor = [int(part) for part in want]
    if operator == "=":  # "1.2" means 1.2.x
        return have[:len(floor)] == floor
    if have[:3] < floor + [0] * (3 - len(floor)):
        return False
    if operator == "~":  # the same major.minor (or major, when only that is given)
        fixed = min(len(floor), 2)
    else:  # "^": the same leftmost non-zero part, and everything left of it
        fixed = next((index + 1 for index, part in enumerate(floor) if part != 0), len(floor))
    return have[:fixed] == floor[:fixed]


@dataclass
class OfflineCdn:
    """Routes a Playwright page's requests: the exported page and the CDN's widget code from local files.

    Attach it with ``page.route("**/*", cdn.handle)`` and open :attr:`page_url`. Afterwards :attr:`served` lists
    what came from local files, :attr:`refused` every request it aborted, and :attr:`mismatches` the CDN requests
    it could not answer with a matching local version.
    """

    html: Path
    packages: dict[str, LocalPackage] = field(default_factory=exported_page_packages)
    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def page_url(self) -> str:
        """Where the exported page is opened: an address that only this router answers."""
        return f"{PAGE_ORIGIN}/{urllib.parse.quote(self.html.name)}"

    def handle(self, route: Any) -> None:
        """Playwright's route handler: fulfils from a local file or aborts."""
        url: str = route.request.url
        local = self.local_file(url)
        if local is None:
            self.refused.append(url)
            route.abort("blockedbyclient")
            return
        self.served.append(url)
        content_type = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
        route.fulfill(path=str(local), content_type=content_type)

    def local_file(self, url: str) -> Path | None:
        """The local file that answers ``url``, or None (then the request is refused)."""
        if url == self.page_url:
            return self.html
        if match := REQUIREJS_CDN_URL.match(url):
            return self._from_package(npm_package("requirejs"), match["version"], "require.js", url)
        if match := NPM_CDN_URL.match(url):
            package = self.packages.get(match["package"])
            if package is None:
                self.mismatches.append(f"{url}: no local copy of {match['package']}")
                return None
            return self._from_package(package, urllib.parse.unquote(match["range"]), match["path"], url)
        return None

    def _from_package(self, package: LocalPackage, semver_range: str, path: str, url: str) -> Path | None:
        if not satisfies(package.version, semver_range):
            self.mismatches.append(f"{url}: the local {package.name} is {package.version}, not in {semver_range}")
            return None
        local = package.file(path)
        if local is None:
            self.mismatches.append(f"{url}: {package.name} {package.version} has no {path}")
        return local


def require_frontends() -> dict[str, LocalPackage]:
    """The local packages, or a skip (a failure under CI) naming what to install."""
    import pytest

    try:
        packages = exported_page_packages()
        npm_package("requirejs")
    except FileNotFoundError as missing:
        if running_in_ci():
            pytest.fail(f"static HTML test cannot run in CI: {missing}", pytrace=False)
        pytest.skip(str(missing))
    return packages
