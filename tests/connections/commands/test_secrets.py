import os
import pty
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from connections import secrets
from tests.paths import ROOT


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("secrets", *args, stdout=out)
    return out.getvalue()


def test_set_creates_the_file_with_mode_0640_and_never_prints_the_value(secrets_file):
    out = run("set", "ERP_PASSWORD", "s3cret-Value")
    assert out == f"ERP_PASSWORD stored in {secrets_file}; reference it as $ERP_PASSWORD\n"
    assert secrets_file.stat().st_mode & 0o777 == 0o640
    assert secrets.resolve("$ERP_PASSWORD") == "s3cret-Value"


def test_set_replaces_a_key_and_keeps_the_file_mode(secrets_file):
    secrets_file.write_text("# deploy secrets\nERP_PASSWORD=old\nDW_PASSWORD=dw\n")
    secrets_file.chmod(0o600)
    run("set", "ERP_PASSWORD", "new")
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert secrets_file.read_text() == "# deploy secrets\nERP_PASSWORD=new\nDW_PASSWORD=dw\n"


def test_list_prints_keys_only(secrets_file):
    secrets_file.write_text("ERP_PASSWORD=s3cret\nDW_PASSWORD=hunter2\n")
    out = run("list")
    assert out == "ERP_PASSWORD\nDW_PASSWORD\n"


def test_list_of_a_missing_file_prints_nothing(secrets_file):
    assert run("list") == ""


def test_a_bad_key_is_refused_naming_it(secrets_file):
    with pytest.raises(CommandError, match="'1st' is not a valid secret name"):
        run("set", "1st", "value")
    assert not secrets_file.exists()


def test_a_multi_line_value_is_refused_without_showing_it(secrets_file):
    with pytest.raises(CommandError) as caught:
        run("set", "KEY", "line one\nline two")
    assert "line one" not in str(caught.value)
    assert "KEY must be one line" in str(caught.value)


def read_until(fd, marker):
    """Read the terminal until marker shows (or, with None, until the command exits)."""
    screen = b""
    while marker is None or marker not in screen:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the terminal closes when the command exits
            break
        if not chunk:
            break
        screen += chunk
    return screen


def test_set_without_a_value_prompts_without_echo(secrets_file, tmp_path):
    """Type the value at the real prompt on a terminal: it is stored and never shown."""
    env = os.environ | {"PIPEKIT_SECRETS": str(secrets_file), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on its own terminal
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "manage.py", "secrets", "set", "ERP_PASSWORD"], env)
    screen = read_until(fd, b"(not shown)")
    os.write(fd, b"typed-Secret\n")
    screen += read_until(fd, None)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, screen.decode()
    assert b"typed-Secret" not in screen
    assert b"ERP_PASSWORD stored in" in screen
    assert secrets.resolve("$ERP_PASSWORD", secrets_file) == "typed-Secret"


def test_an_empty_answer_at_the_prompt_stores_nothing(secrets_file, monkeypatch):
    monkeypatch.setattr("connections.management.commands.secrets.getpass", lambda prompt: "")
    with pytest.raises(CommandError, match="no value given; ERP_PASSWORD was not stored"):
        run("set", "ERP_PASSWORD")
    assert not secrets_file.exists()


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chowns files to another user: run as root")


@needs_root
def test_root_setting_a_secret_leaves_the_file_its_owners(secrets_file):
    """As `sudo pipekit-manage secrets set` on an install whose file is the service user's."""
    secrets_file.write_text("DW_PASSWORD=dw\n")
    secrets_file.chmod(0o600)
    os.chown(secrets_file, 65534, 65534)
    run("set", "ERP_PASSWORD", "s3cret")
    st = secrets_file.stat()
    assert (st.st_uid, st.st_gid, oct(st.st_mode & 0o777)) == (65534, 65534, "0o600")
    assert secrets_file.read_text() == "DW_PASSWORD=dw\nERP_PASSWORD=s3cret\n"
    assert os.listdir(secrets_file.parent) == ["secrets.env"]


def test_a_link_to_the_file_is_followed_and_stays_a_link(secrets_file, tmp_path, settings):
    """deploy.sh leaves etc/secrets.env linking to etc/secrets/secrets.env for old configs."""
    (tmp_path / "secrets").mkdir()
    real = tmp_path / "secrets" / "secrets.env"
    real.write_text("DW_PASSWORD=dw\n")
    secrets_file.symlink_to("secrets/secrets.env")
    run("set", "ERP_PASSWORD", "s3cret")
    assert secrets_file.is_symlink()
    assert real.read_text() == "DW_PASSWORD=dw\nERP_PASSWORD=s3cret\n"


@needs_root
def test_root_refuses_a_link_another_user_put_in_the_files_place(secrets_file, tmp_path):
    victim = tmp_path / "root-only"
    victim.write_text("root's own\n")
    secrets_file.symlink_to(victim)
    os.chown(secrets_file, 65534, 65534, follow_symlinks=False)
    with pytest.raises(CommandError, match=f"{secrets_file} is a link made by another user; refusing"):
        run("set", "ERP_PASSWORD", "s3cret")
    assert victim.read_text() == "root's own\n"


# A writer: Django set up, it says so, waits for the word, then sets 200 keys of its own.
WRITER = """
import sys, django
django.setup()
from connections import secrets
print("ready", flush=True)
sys.stdin.readline()
for i in range(200):
    secrets.set_secret(f"{sys.argv[1]}_{i}", "v", sys.argv[2])
"""


def test_secrets_set_at_the_same_time_are_all_kept(secrets_file):
    """Two web workers saving two connections, or the page and root, at the same moment."""
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, name, secrets_file],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B", "C")
    ]
    assert [writer.stdout.readline() for writer in writers] == ["ready\n"] * 3
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.close()
    assert [writer.wait() for writer in writers] == [0, 0, 0]
    assert len(secrets.read(secrets_file)) == 600
