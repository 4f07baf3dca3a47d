"""The secrets file: KEY=value lines, mode 0640 or 0600, resolved by $KEY references at run time."""

import fcntl
import os
import re
import tempfile
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
    """Add or replace KEY in the secrets file, keeping its owner, group and mode (0640 when new)."""
    if not KEY_RE.match(key):
        raise SecretError(f"{key!r} is not a valid secret name (letters, digits, _)")
    if "\n" in value or "\r" in value:
        raise SecretError(f"the value of {key} must be one line")
    path = _real_path(Path(path or secrets_path()))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two saves at once (two web workers, the page and root) would each rename its own copy
    # over the other's, losing a secret: one at a time, by a lock on the directory.
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(dir_fd, fcntl.LOCK_EX)
        _rewrite(path, key, value)
    finally:
        os.close(dir_fd)  # and with it the lock


def _rewrite(path, key, value):
    try:
        # O_NOFOLLOW: a link put in the file's place since _real_path looked is not read.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        lines, st = [], None
    else:
        with os.fdopen(fd) as f:
            st = os.fstat(f.fileno())
            lines = f.read().splitlines()
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
    # A new name of our own (O_EXCL), never a fixed one: in a directory the service user owns,
    # root must not write through a file or link that user put there.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            os.fchmod(f.fileno(), st.st_mode & 0o777 if st else 0o640)
            if st and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                # root (sudo pipekit-manage secrets set) leaves the file the service user's.
                try:
                    os.fchown(f.fileno(), st.st_uid, st.st_gid)
                except PermissionError:
                    pass
            f.write("\n".join(out) + "\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _real_path(path):
    """Follow the links to the secrets file, but only links that root or this user made.

    deploy.sh leaves its own link at the old etc/secrets.env; a link the service user put in its
    directory must not make root rewrite another file (as the kernel's protected_symlinks does).
    """
    for _ in range(40):
        if not path.is_symlink():
            return path
        if path.lstat().st_uid not in (0, os.geteuid()):
            raise SecretError(f"{path} is a link made by another user; refusing to follow it")
        path = path.parent / os.readlink(path)
    raise SecretError(f"{path}: too many levels of links")
