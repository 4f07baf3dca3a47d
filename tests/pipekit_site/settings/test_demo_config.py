"""After `make run`, the README's commands can use the demo's configuration: the README says how
in its first lines, `make run` prints the same line, and that line points at the demo's state."""

import subprocess

from pipekit_site import config
from tests.paths import ROOT

EXPORT = "export PIPEKIT_CONFIG=$PWD/config.dev.yaml"


def test_the_readme_says_in_its_first_lines_how_to_use_the_demos_configuration():
    first_lines = (ROOT / "README.md").read_text().splitlines()[:20]
    assert EXPORT in first_lines


def test_make_run_prints_the_demos_configuration_before_serving():
    plan = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    printed = f"export PIPEKIT_CONFIG={ROOT}/config.dev.yaml"
    assert printed in plan
    assert plan.index(printed) < plan.index("runserver")


def test_that_configuration_is_the_demos_state():
    demo = config.load(ROOT / "config.dev.yaml")
    assert demo["database"] == f"sqlite:///{ROOT}/var/demo/pipekit.db"
    assert demo["secrets_file"] == ROOT / "var" / "demo" / "secrets.env"
