"""Every management command of the project is run by at least one test."""

import re

from tests.paths import ROOT


def project_commands():
    return sorted(
        path.stem
        for app in ("connections", "syncs", "scheduling", "pipekit_site")
        for path in (ROOT / app / "management" / "commands").glob("*.py")
        if path.stem != "__init__"
    )


def test_every_command_has_a_test_that_runs_it():
    tests = "\n".join(path.read_text() for path in (ROOT / "tests").rglob("test_*.py"))
    untested = [
        name
        for name in project_commands()
        if not re.search(
            rf"call_command\(\s*\"{name}\"|\"manage\.py\",\s*\"{name}\"|manage\.py {name}\b", tests
        )
    ]
    assert untested == []
    assert "import_config" in project_commands()
