"""The structure holds: the apps depend one way (pipekit_site's project-wide features → scheduling →
syncs → connections), the helpers every app uses (settings, config, auth, the API helpers) depend
on no app, and tests share code through helpers modules, never through another test module."""

import ast

import pytest

from tests.paths import ROOT

APPS = ["connections", "syncs", "scheduling"]
# What the apps may use of the project package; everything else there spans the apps.
SHARED = {"pipekit_site.auth", "pipekit_site.api", "pipekit_site.config", "pipekit_site.settings"}
ALLOWED = {
    "connections": set(),
    "syncs": {"connections"},
    "scheduling": {"connections", "syncs"},
}


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def project_imports(package):
    """Yield (file, imported module) for each import of a project package by the files of package."""
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in [*APPS, "pipekit_site"]:
                yield path.relative_to(ROOT), name


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it_and_the_shared_helpers(app):
    wrong = [
        (str(path), name)
        for path, name in project_imports(app)
        if name.split(".")[0] not in {app, *ALLOWED[app]}
        and not any(name == s or name.startswith(s + ".") for s in SHARED)
    ]
    assert wrong == []


def test_the_shared_helpers_import_no_app():
    wrong = [
        (str(path), name)
        for path, name in project_imports("pipekit_site")
        if path.with_suffix("").as_posix().replace("/", ".") in SHARED and name.split(".")[0] in APPS
    ]
    assert wrong == []


def test_no_test_module_imports_another_test_module_or_a_conftest():
    wrong = [
        (str(path.relative_to(ROOT)), name)
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for name in imported_modules(path)
        if name.startswith("tests.") and name.split(".")[-1].startswith(("test_", "conftest"))
    ]
    assert wrong == []
