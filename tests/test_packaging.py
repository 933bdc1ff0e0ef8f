"""What a package index and its users expect: one version, the license, a README that renders there, a changelog,
and release files that hold the front end. The built files themselves are checked in CI by .ci/check_wheel.sh,
with the checks of .ci/distcheck.py that these tests prove to fail on incomplete files."""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

import lrwidget

ROOT = Path(__file__).resolve().parent.parent
# sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the full text (Debian ships the same file).
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def load_distcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("distcheck", ROOT / ".ci" / "distcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


distcheck = load_distcheck()
VERSION = distcheck.package_version()


def test_the_version_is_written_once():
    project = distcheck.pyproject()
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "lrwidget/__init__.py"
    assert lrwidget.__version__ == VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", VERSION), VERSION
    # The front end is private (never published to npm), so it carries no version that could drift.
    package = json.loads((ROOT / "js" / "package.json").read_text(encoding="utf-8"))
    assert package["private"] is True and "version" not in package


def test_the_license_is_the_full_apache_2_text_and_declared():
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_SHA256
    project = distcheck.pyproject()["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "lrwidget" / "py.typed").is_file()


def test_the_readme_links_only_to_absolute_urls():
    # A package index shows README.md away from the repository, where a relative link or image is broken.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)", readme) + re.findall(r"""(?:src|href)=["']([^"']+)""", readme)
    assert targets, "the README should link to its screenshot and BENCHMARKS.md"
    relative = [target for target in targets if not target.startswith(("https://", "#"))]
    assert relative == [], f"relative links in README.md: {relative}"


def test_the_changelog_has_unreleased_and_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, flags=re.MULTILINE)
    for section in re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.MULTILINE):
        assert re.search(rf"^\[{re.escape(section)}\]: https://", changelog, flags=re.MULTILINE), section


def make_wheel(path: Path, version: str, leave_out: str = "", metadata_version: str = "") -> Path:
    dist_info = f"lrwidget-{version}.dist-info"
    members = [*distcheck.WHEEL_PACKAGE_FILES, f"{dist_info}/licenses/LICENSE", f"{dist_info}/METADATA"]
    wheel = path / f"lrwidget-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in members:
            if name != leave_out:
                archive.writestr(name, f"Version: {metadata_version or version}\nLicense-Expression: Apache-2.0\n")
    return wheel


def make_sdist(path: Path, version: str, leave_out: str = "") -> Path:
    sdist = path / f"lrwidget-{version}.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name in distcheck.SDIST_FILES:
            if name != leave_out:
                archive.addfile(tarfile.TarInfo(f"lrwidget-{version}/{name}"), io.BytesIO(b""))
    return sdist


def test_the_dist_check_passes_complete_files(tmp_path):
    make_wheel(tmp_path, VERSION)
    make_sdist(tmp_path, VERSION)
    assert distcheck.check_dist(tmp_path, VERSION) == []


@pytest.mark.parametrize(
    "missing",
    ["lrwidget/static/widget.js", "lrwidget/static/widget.css", "lrwidget/py.typed", "licenses/LICENSE"],
)
def test_the_wheel_check_names_what_the_wheel_lacks(tmp_path, missing):
    member = f"lrwidget-{VERSION}.dist-info/{missing}" if missing.startswith("licenses") else missing
    problems = distcheck.wheel_problems(make_wheel(tmp_path, VERSION, leave_out=member), VERSION)
    assert problems == [f"lrwidget-{VERSION}-py3-none-any.whl lacks {member}"]


def test_the_wheel_check_catches_a_version_other_than_the_source(tmp_path):
    problems = distcheck.wheel_problems(make_wheel(tmp_path, VERSION, metadata_version="9.9.9"), VERSION)
    assert len(problems) == 1 and "Version 9.9.9" in problems[0]


@pytest.mark.parametrize("missing", ["LICENSE", "js/src/index.js", "lrwidget/static/widget.js"])
def test_the_sdist_check_names_what_the_sdist_lacks(tmp_path, missing):
    problems = distcheck.sdist_problems(make_sdist(tmp_path, VERSION, leave_out=missing), VERSION)
    assert problems == [f"lrwidget-{VERSION}.tar.gz lacks {missing}"]


def test_every_runtime_dependency_is_pinned_at_its_lower_bound_in_the_minimum_lane():
    dependencies = distcheck.pyproject()["project"]["dependencies"]
    pins = distcheck.minimum_pins(dependencies)
    assert [pin.split("==")[0] for pin in pins] == [re.split(r"[<>=!~ ]", dep)[0] for dep in dependencies]


@pytest.mark.parametrize("requirement", ["torch", "numpy<2", "bqplot>=0.12,<0.14", "anywidget~=0.9"])
def test_a_dependency_without_exactly_a_lower_bound_is_refused(requirement):
    with pytest.raises(ValueError, match=re.escape(repr(requirement))):
        distcheck.minimum_pins([requirement])
