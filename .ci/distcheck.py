"""What a release must hold, checked on the built files; and the oldest dependency set that pyproject.toml declares.

Standard library only (Python >= 3.11 for tomllib), so that it runs before anything is installed:

    python3 .ci/distcheck.py dist DIR        check the one wheel and the one sdist in DIR
    python3 .ci/distcheck.py min-pins        print `name==version` for every runtime dependency's lower bound

tests/test_packaging.py imports it to prove that each check fails on a release that lacks what it checks.
"""
from __future__ import annotations

import email.parser
import re
import sys
import tarfile
import zipfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
LICENSE_EXPRESSION = "Apache-2.0"

# Files of the package that users need at run time besides the Python modules: the built front end that anywidget
# loads, the marker that makes type checkers read lrwidget's annotations.
WHEEL_PACKAGE_FILES = ("lrwidget/static/widget.js", "lrwidget/static/widget.css", "lrwidget/py.typed")
# The sdist carries the sources of everything in the wheel: js/ rebuilds lrwidget/static.
SDIST_FILES = ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "js/package.json", "js/src/index.js",
               *WHEEL_PACKAGE_FILES)

# `name>=version`, nothing else: the minimum lane pins each dependency to exactly that version.
_LOWER_BOUND = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*(?P<version>[0-9][0-9A-Za-z.]*)$")


def pyproject(root: Path = ROOT) -> dict:
    """pyproject.toml, parsed."""
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))


def package_version(root: Path = ROOT) -> str:
    """`__version__` as written in lrwidget/__init__.py, the one version source (read, not imported)."""
    text = (root / "lrwidget" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, flags=re.MULTILINE)
    if match is None:
        raise ValueError('lrwidget/__init__.py has no line `__version__ = "X.Y.Z"`; the build reads the version there')
    return match.group(1)


def minimum_pins(dependencies: list[str]) -> list[str]:
    """`name==version` for each `name>=version`; any other form is an error, since its minimum is not a claim."""
    pins = []
    for requirement in dependencies:
        match = _LOWER_BOUND.match(requirement.strip())
        if match is None:
            raise ValueError(
                f"dependency {requirement!r} is not of the form 'name>=version': every runtime dependency declares "
                "exactly a lower bound, which the minimum-versions lane installs and tests"
            )
        pins.append(f"{match['name']}=={match['version']}")
    return pins


def wheel_problems(wheel: Path, version: str) -> list[str]:
    """What the wheel lacks or gets wrong, in words; empty when it is complete."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"lrwidget-{version}.dist-info"
        problems = [f"{wheel.name} lacks {name}" for name in WHEEL_PACKAGE_FILES if name not in names]
        if f"{dist_info}/licenses/LICENSE" not in names:
            problems.append(f"{wheel.name} lacks {dist_info}/licenses/LICENSE")
        if f"{dist_info}/METADATA" not in names:
            return [*problems, f"{wheel.name} lacks {dist_info}/METADATA (is its version {version}?)"]
        metadata = email.parser.Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode("utf-8"))
    if metadata["Version"] != version:
        problems.append(f"{wheel.name} METADATA says Version {metadata['Version']}, lrwidget/__init__.py {version}")
    if metadata["License-Expression"] != LICENSE_EXPRESSION:
        problems.append(f"{wheel.name} License-Expression is {metadata['License-Expression']!r}, "
                        f"expected {LICENSE_EXPRESSION!r}")
    return problems


def sdist_problems(sdist: Path, version: str) -> list[str]:
    """What the sdist lacks, in words; empty when it is complete."""
    prefix = f"lrwidget-{version}/"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(prefix) for name in archive.getnames()}
    return [f"{sdist.name} lacks {name}" for name in SDIST_FILES if name not in names]


def check_dist(directory: Path, version: str) -> list[str]:
    """Problems with the one wheel and the one sdist in `directory`."""
    wheels = sorted(directory.glob("lrwidget-*.whl"))
    sdists = sorted(directory.glob("lrwidget-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"{directory} should hold one wheel and one sdist, holds {[p.name for p in wheels + sdists]}"]
    return wheel_problems(wheels[0], version) + sdist_problems(sdists[0], version)


def main(argv: list[str]) -> int:
    """Command line: see the module docstring."""
    if argv[:1] == ["min-pins"] and len(argv) == 1:
        print("\n".join(minimum_pins(pyproject()["project"]["dependencies"])))
        return 0
    if argv[:1] == ["dist"] and len(argv) == 2:
        problems = check_dist(Path(argv[1]), package_version())
        for problem in problems:
            print(f"distcheck: {problem}", file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
