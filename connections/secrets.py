"""The secrets file: KEY=value lines, mode 0640, resolved by $KEY references at run time."""

import os
import re
from pathlib import Path

from django.conf import settings

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretError(Exception):
    """A secret could not be resolved. The message names the key, never a value."""


def secrets_path():
    return Path(settings.PIPEKIT_SECRETS_FILE)


def read(path=None):
    """Return the secrets file as a dict (empty when the file does not exist)."""
    path = Path(path or secrets_path())
    values = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        # The value is kept exactly as written: a password may end in a space.
        if not line.strip() or line.lstrip().startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value
    return values


def resolve(ref, path=None):
    """Return the value of a $NAME reference."""
    if not ref.startswith("$") or not KEY_RE.match(ref[1:]):
        raise SecretError(f"{ref[:1]}… is not a $NAME secret reference")
    key = ref[1:]
    values = read(path)
    if key not in values:
        raise SecretError(
            f"secret {key} is not in the secrets file {path or secrets_path()}; "
            f"set it with: manage.py secrets set {key}"
        )
    return values[key]


def set_secret(key, value, path=None):
    """Add or replace KEY in the secrets file, keeping its mode (0640 when new)."""
    if not KEY_RE.match(key):
        raise SecretError(f"{key!r} is not a valid secret name (letters, digits, _)")
    if "\n" in value or "\r" in value:
        raise SecretError(f"the value of {key} must be one line")
    path = Path(path or secrets_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = path.read_text().splitlines() if path.exists() else []
    out, replaced = [], False
    for line in lines:
        if line.split("=", 1)[0].strip() == key:
            if not replaced:
                out.append(f"{key}={value}")
            replaced = True
        else:
            out.append(line)
    if not replaced:
        out.append(f"{key}={value}")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o640
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(out) + "\n")
    os.chmod(tmp, mode)
    if path.exists():
        st = path.stat()
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except PermissionError:
            pass
    os.replace(tmp, path)
