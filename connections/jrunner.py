"""Start jrunner, the bundled JDBC runner: Pipekit's only way into source and destination databases.

SQL travels in temporary files (-sq), never on the command line, and passwords only through
JRUNNER_SOURCE_PASSWORD / JRUNNER_DEST_PASSWORD, so neither shows in a process list. `conn`
arguments are Connections: .jdbc_url, .username, .resolve_password() and .driver.jars (put on
jrunner's class path through JRUNNER_CLASSPATH).

Each call starts a fresh jrunner, except in a thread inside `with warm():` (a worker's run): its
calls go to a warm JVM (`jrunner --serve`) that the worker keeps between runs, with the same
output, exit status, errors and cancel.
"""

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from connections.secrets import SecretError

CANCEL_POLL_SECONDS = 0.5
# A cancelled jrunner gets this long to cancel its statements and roll back before it is killed.
STOP_SECONDS = 3
# A warm JVM is replaced after this many calls, or once a call leaves more heap in use than this.
WARM_MAX_CALLS = 5000
WARM_MAX_HEAP_BYTES = 256 * 1024 * 1024
# What a warm call takes from the environment a fresh jrunner would have been given.
CALL_ENV = ("JRUNNER_SOURCE_PASSWORD", "JRUNNER_DEST_PASSWORD", "JRUNNER_CLASSPATH")
ROWS_WRITTEN = re.compile(r"^(\d+) rows written \(([a-z-]+)\)$", re.M)
# jrunner's message when the destination's commit itself failed: it may have taken effect.
COMMIT_FAILED = "jrunner: commit: "
EXTRA_COLUMNS = "extra source columns (not loaded): "
POST_COUNT = re.compile(r"^-post statement \d+: (-?\d+) rows$", re.M)
VERIFIED = re.compile(
    r"^verified (\d+) source rows and (\d+) destination rows: (\d+) matched, (\d+) only in source, "
    r"(\d+) only in destination, (\d+) different$",
    re.M,
)
VERIFY_KEY_KINDS = {
    "only in source": "only_in_source",
    "only in destination": "only_in_dest",
    "different": "different",
}
# -count and a clear (-c/-ct) print these before the -post statements run.
ROWS_READ = re.compile(r"^(\d+) rows read$", re.M)
ROWS_STAGED = re.compile(r"^(\d+) rows staged$", re.M)
ROWS_CLEARED = re.compile(r"^(\d+) rows cleared$", re.M)
# -kq/-kd/-kt: the source's keys, the destination's in scope, and the destination's the source lacks.
KEYS_READ = re.compile(r"^(\d+) keys read$", re.M)
KEYS_IN_SCOPE = re.compile(r"^(\d+) destination keys in scope$", re.M)
KEYS_MISSING = re.compile(r"^(\d+) keys missing at the source$", re.M)
COUNT_LINE = re.compile(r"^\d+ rows (read|staged|cleared)$")
# -confirm: jrunner holds the load's transaction open until it reads the answer on stdin.
AWAITING_COMMIT = "awaiting commit"
TSV_ESCAPE = re.compile(r"\\(.)")
TSV_UNESCAPED = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "0": "\0"}
SQL_FILE_PREFIX = "pipekit-"


class JrunnerError(Exception):
    """jrunner failed; .stderr holds its error output (passwords scrubbed), .returncode its exit
    status, .sqlstate the SQLSTATE of the database error that failed it (None when there was none)."""

    def __init__(self, message, *, stderr="", returncode=None, sqlstate=None):
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode
        self.sqlstate = sqlstate

    def lasting(self):
        """Whether the database refused the call in a way that trying again cannot change: bad SQL,
        a missing table or column, no privilege, a bad value or a broken constraint, a wrong
        password. A lost connection, a deadlock, a lock wait, a cancel or a full disk may pass."""
        return (self.sqlstate or "")[:2] in LASTING_SQLSTATE_CLASSES


# SQLSTATE classes (the first two characters, as PostgreSQL and MariaDB use them) of failures that
# recur on every attempt: feature not supported, data exception, integrity constraint violation,
# invalid authorization, invalid catalog or schema name, syntax error or access rule violation.
LASTING_SQLSTATE_CLASSES = {"0A", "22", "23", "28", "3D", "3F", "42"}
SQLSTATE_LINE = re.compile(r"^jrunner: SQLSTATE (\w{5})\n?\Z", re.MULTILINE)


class JrunnerCancelled(JrunnerError):
    """The run was cancelled and jrunner's process group killed; the load was not committed."""


@dataclass(frozen=True)
class MigrateResult:
    rows: int
    load_path: str
    stdout: str
    stderr: str
    post_counts: list
    # With count=True: the rows read from the source and counted in the table after the load.
    rows_read: int | None = None
    rows_staged: int | None = None
    # With clear: the rows the table held before.
    rows_cleared: int | None = None
    # With keys: the source's keys read, the destination's in scope, and those the source lacks.
    keys: int | None = None
    keys_in_scope: int | None = None
    keys_missing: int | None = None


@dataclass(frozen=True)
class Counts:
    """What a load reports before its commit, handed to migrate's confirm."""

    rows_read: int | None
    rows_staged: int | None
    rows_cleared: int | None
    post_counts: list
    keys: int | None = None
    keys_in_scope: int | None = None
    keys_missing: int | None = None

    @classmethod
    def of(cls, stdout):
        def first(pattern):
            match = pattern.search(stdout)
            return int(match[1]) if match else None

        return cls(
            first(ROWS_READ),
            first(ROWS_STAGED),
            first(ROWS_CLEARED),
            [int(count) for count in POST_COUNT.findall(stdout)],
            first(KEYS_READ),
            first(KEYS_IN_SCOPE),
            first(KEYS_MISSING),
        )


def query(conn, sql, *, lock_timeout=None, should_cancel=None):
    """Run sql on conn; return (header, rows) with every value a string and NULL as None.

    lock_timeout: seconds any wait for a lock may last (None: the database's default);
    should_cancel: as for migrate."""
    with _sql_files([sql]) as files:
        args = _source_args(conn, lock_timeout) + ["-sq", files[0], "-f", "tsv"]
        out, _ = _run(args, _env(source=conn), [conn], should_cancel)
    lines = out.split("\n")[:-1]
    header = [_tsv_value(v) for v in lines[0].split("\t")]
    return header, [[_tsv_value(v) for v in line.split("\t")] for line in lines[1:]]


def metadata(conn, sql, *, lock_timeout=None, should_cancel=None):
    """Describe the result columns of sql on conn, without fetching its rows. lock_timeout and
    should_cancel: as for query (preparing a query may wait for a lock on its tables)."""
    with _sql_files([sql]) as files:
        args = _source_args(conn, lock_timeout) + ["-sq", files[0], "-m"]
        out, _ = _run(args, _env(source=conn), [conn], should_cancel)
    columns = []
    for line in out.split("\n")[1:-1]:
        name, type_code, type_name, precision, scale, nullable = line.split("\t")
        columns.append(
            {
                "name": _tsv_value(name),
                "type_code": int(type_code),
                "type_name": _tsv_value(type_name),
                "precision": int(precision),
                "scale": int(scale),
                "nullable": {"true": True, "false": False}.get(nullable),
            }
        )
    return columns


def execute(conn, statements, *, lock_timeout=None, should_cancel=None):
    """Run statements on conn in one transaction; return their update counts (nothing committed on
    error). lock_timeout and should_cancel: as for query."""
    with _sql_files(statements) as files:
        args = _source_args(conn, lock_timeout) + ["-x"]
        for f in files:
            args += ["-sq", f]
        out, _ = _run(args, _env(source=conn), [conn], should_cancel)
    return [int(line) for line in out.split()]


def migrate(
    source,
    sql,
    dest,
    table,
    *,
    columns=None,
    source_columns=None,
    clear=False,
    trim=False,
    bulk=False,
    pre=(),
    post=(),
    count=False,
    confirm=None,
    keys=None,
    lock_timeout=None,
    on_line=None,
    should_cancel=None,
    on_start=None,
):
    """Stream the rows of sql on source into table on dest, by column position, in one transaction.

    columns: the quoted destination columns to load, comma separated (default: the table's first).
    source_columns: the source column labels expected, in load order ('' for a column the source
    gives no name: taken by position); jrunner fails before any row moves when one is missing,
    and takes them by name, leaving extra ones out (it prints EXTRA_COLUMNS).
    pre: statements run on dest and committed before the load; post: statements run on dest after
    the load, in its transaction (their update counts are MigrateResult.post_counts; a query's
    count is its first cell).
    count: count the table after the load, in its transaction, and fail (before any post
    statement) unless it holds exactly the rows read ("counts: …").
    confirm(Counts) is called after the post statements, before the commit, with the load's
    transaction still open: it returns None to commit, or a reason to roll everything back
    (jrunner then fails with "refused: …").
    keys: (source query, destination query, table): before the rows, compare the keys the two
    queries return (read in key order on each side) and write the destination's keys the source
    query lacks into table, in the same transaction (MigrateResult.keys, keys_in_scope and
    keys_missing count them).
    on_line(line) gets each line jrunner prints, as it arrives, in the calling thread;
    should_cancel() is polled about every half second, and when it returns true jrunner's whole
    process group is killed and JrunnerCancelled raised; on_start(pid) gets jrunner's pid.
    """
    with _sql_files([sql, *pre, *post, *(keys[:2] if keys else [])]) as files:
        args = _source_args(source, lock_timeout) + ["-sq", files[0], "-dcu", dest.jdbc_url]
        if dest.username:
            args += ["-dcn", dest.username]
        args += ["-dt", table]
        if columns:
            args += ["-dcols", columns]
        if source_columns is not None:
            args += ["-scols", _label_list(source_columns)]
        # clear: "truncate" clears with TRUNCATE where it can (-ct), anything else true with DELETE.
        args += [
            flag
            for flag, on in (
                ("-ct" if clear == "truncate" else "-c", clear),
                ("-t", trim),
                ("-b", bulk),
                ("-count", count),
                ("-confirm", confirm),
            )
            if on
        ]
        for flag, path in zip(["-pre"] * len(pre) + ["-post"] * len(post), files[1:], strict=False):
            args += [flag, path]
        if keys:
            args += ["-kq", files[-2], "-kd", files[-1], "-kt", keys[2]]
        env = _env(source=source, dest=dest)
        stdout, stderr = _run(args, env, [source, dest], should_cancel, on_line, on_start, confirm)
    match = ROWS_WRITTEN.search(stdout)
    counts = Counts.of(stdout)
    if not match or len(counts.post_counts) != len(post):
        last = stdout.rstrip("\n").rpartition("\n")[2]
        raise JrunnerError(f"jrunner ended without reporting the rows written: {last!r}", stderr=stderr)
    return MigrateResult(
        rows=int(match[1]),
        load_path=match[2],
        stdout=stdout,
        stderr=stderr,
        post_counts=counts.post_counts,
        rows_read=counts.rows_read,
        rows_staged=counts.rows_staged,
        rows_cleared=counts.rows_cleared,
        keys=counts.keys,
        keys_in_scope=counts.keys_in_scope,
        keys_missing=counts.keys_missing,
    )


@dataclass(frozen=True)
class VerifyResult:
    source_rows: int
    dest_rows: int
    matched: int
    only_in_source: int
    only_in_dest: int
    different: int
    # {"only_in_source": [key, …], "only_in_dest": […], "different": […]}: the first keys of each,
    # a key being the list of its values as text (None for NULL).
    first_keys: dict
    # {dest column name: rows whose value differs}
    different_columns: dict


def verify(
    source,
    sql,
    dest,
    dest_sql,
    *,
    source_columns,
    key,
    lock_timeout=None,
    on_line=None,
    should_cancel=None,
):
    """Compare the rows of sql on source with those of dest_sql on dest, writing nothing to either.

    source_columns: the source labels of the compared columns, in the order of dest_sql's columns
    (as for migrate); key: the 1-based positions of the key columns among them. Both sides are
    streamed in key order, so memory does not grow with the tables. on_line, should_cancel: as
    for migrate."""
    with _sql_files([sql, dest_sql]) as files:
        args = _source_args(source, lock_timeout) + ["-sq", files[0], "-dcu", dest.jdbc_url]
        if dest.username:
            args += ["-dcn", dest.username]
        args += ["-dq", files[1], "-scols", _label_list(source_columns), "-vk", ",".join(map(str, key))]
        stdout, stderr = _run(args, _env(source=source, dest=dest), [source, dest], should_cancel, on_line)
    match = VERIFIED.search(stdout)
    if not match:
        last = stdout.rstrip("\n").rpartition("\n")[2]
        raise JrunnerError(f"jrunner ended without reporting the comparison: {last!r}", stderr=stderr)
    first_keys = {kind: [] for kind in VERIFY_KEY_KINDS.values()}
    different_columns = {}
    for line in stdout.split("\n"):
        label, _, rest = line.partition("\t")
        if label in VERIFY_KEY_KINDS:
            first_keys[VERIFY_KEY_KINDS[label]].append([_tsv_value(v) for v in rest.split("\t")])
        elif label == "different column":
            name, count = rest.split("\t")
            different_columns[_tsv_value(name)] = int(count)
    counts = [int(n) for n in match.groups()]
    return VerifyResult(*counts, first_keys=first_keys, different_columns=different_columns)


def _label_list(labels):
    """jrunner's -scols value: one label per line, a backslash or newline inside one escaped."""
    return "\n".join(n.replace("\\", "\\\\").replace("\n", "\\n") for n in labels)


def _stream(args, env, on_line, should_cancel, on_start, confirm=None):
    """Run jrunner in a new session, feeding stdout lines to on_line, and answering its
    AWAITING_COMMIT with confirm(Counts) (see migrate).

    Return (stdout, stderr, returncode, cancelled)."""
    stdin = subprocess.PIPE if confirm else subprocess.DEVNULL
    proc = _popen(
        args, env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    lines = queue.Queue()
    stderr_parts = []
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, lines.put), daemon=True),
        threading.Thread(target=lambda: stderr_parts.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    stdout_lines = []
    finished = False
    try:
        if on_start:
            on_start(proc.pid)
        for line in _taken(lines, should_cancel):
            if line is None:
                finished = True
            elif confirm and line.rstrip("\n") == AWAITING_COMMIT:
                _answer(proc, confirm(Counts.of("".join(stdout_lines))))
            else:
                stdout_lines.append(line)
                if on_line:
                    on_line(line.rstrip("\n"))
        cancelled = not finished
    finally:
        # Cancelled, or a callback raised: nothing may keep loading behind our back.
        if not finished:
            _stop(proc)
        proc.wait()
        for reader in readers:
            reader.join()
    return "".join(stdout_lines), "".join(stderr_parts), proc.returncode, cancelled


def _taken(items, should_cancel):
    """Yield what is put on the queue items, up to the None that ends it (yielded too); stop early
    once should_cancel() turns true, asked every CANCEL_POLL_SECONDS."""
    next_poll = time.monotonic()
    while True:
        if should_cancel and time.monotonic() >= next_poll:
            next_poll = time.monotonic() + CANCEL_POLL_SECONDS
            if should_cancel():
                return
        try:
            item = items.get(timeout=CANCEL_POLL_SECONDS)
        except queue.Empty:
            continue
        yield item
        if item is None:
            return


def _answer(proc, refusal):
    """Tell jrunner waiting in -confirm to commit (refusal None) or to roll back."""
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write("commit\n" if refusal is None else "refuse\n")
        proc.stdin.close()


def _pump(stream, put):
    for line in iter(stream.readline, ""):
        put(line)
    put(None)


def _stop(proc):
    """Stop jrunner: on SIGTERM (and at the end of its stdin, in -confirm) it cancels its statements
    on both databases and rolls back; still running after STOP_SECONDS, its process group is killed."""
    if proc.stdin:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(proc)


def _kill(proc):
    """Kill jrunner's whole process group (it was started as the leader of a new session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _run(args, env, conns, should_cancel=None, on_line=None, on_start=None, confirm=None):
    """Run jrunner to completion; return (stdout, stderr), or raise JrunnerError (JrunnerCancelled
    when should_cancel() turned true and jrunner's process group was killed)."""
    warm_jvm = getattr(_this_thread, "warm", None)
    stream = warm_jvm.stream if warm_jvm else _stream
    stdout, stderr, returncode, cancelled = stream(args, env, on_line, should_cancel, on_start, confirm)
    stderr = _scrub(stderr, _passwords(conns))
    sqlstate = SQLSTATE_LINE.search(stderr)
    if sqlstate:
        stderr = stderr[: sqlstate.start()]
    if cancelled:
        raise JrunnerCancelled("cancelled; jrunner was stopped", stderr=stderr, returncode=returncode)
    if returncode != 0:
        raise JrunnerError(
            _message(stderr, returncode),
            stderr=stderr,
            returncode=returncode,
            sqlstate=sqlstate and sqlstate[1],
        )
    return stdout, stderr


_this_thread = threading.local()
# This process's warm JVMs between two `with warm()`, so a worker keeps one per slot, whichever
# thread of its pool runs the slot's next run.
_idle = []
_idle_lock = threading.Lock()


@contextlib.contextmanager
def warm(keep=True):
    """Send this thread's jrunner calls to a warm JVM (one of this process's idle ones, or a new
    one started at the first call) until the block ends; then keep it for the next block (a
    worker's slot). With keep false, a new JVM of the block's own, stopped at its end, that keeps
    no database session between its calls (a run's or a command's: see WarmJrunner one_run).
    Inside another block, the outer block's JVM serves."""
    if getattr(_this_thread, "warm", None):
        yield
        return
    with _idle_lock:
        jvm = _idle.pop() if keep and _idle else WarmJrunner(one_run=not keep)
    _this_thread.warm = jvm
    try:
        yield
    finally:
        _this_thread.warm = None
        if keep:
            with _idle_lock:
                _idle.append(jvm)
        else:
            jvm.stop()


class WarmJrunner:
    """One `jrunner --serve` JVM running calls one after another (jrunner/README.md, "Warm mode").

    Started at its first call; replaced after WARM_MAX_CALLS calls, when a call leaves more than
    WARM_MAX_HEAP_BYTES of heap in use, when it dies, and when a cancelled call has not stopped
    within STOP_SECONDS. JRUNNER_WATCH_PARENT and the end of its stdin stop it, committing
    nothing, when this process dies.

    one_run: the JVM of one run or command (`jrunner --serve --one-run`): its heap is not touched
    at start and its PostgreSQL sessions are not kept for the next call. Kept sessions would save
    it ~7 ms a connection, but one idle for more than TCP's retransmission timeout (200 ms) before
    a large read restarts TCP slow start (Linux's default tcp_slow_start_after_idle), which cost a
    1M-key comparison 50–120 ms (bench/RESULTS.md)."""

    def __init__(self, one_run=False):
        self.one_run = one_run
        self.proc = None
        self.calls = 0
        self.frames = None

    def stream(self, args, env, on_line, should_cancel, on_start, confirm=None):
        """As _stream, through this JVM: return (stdout, stderr, returncode, cancelled)."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self._send({"call": args, "env": {name: env[name] for name in CALL_ENV if name in env}})
        stdout_lines, stderr_lines = [], []
        finished = False
        returncode = None
        try:
            if on_start:
                on_start(self.proc.pid)
            for frame in _taken(self.frames, should_cancel):
                if frame is None:
                    # The JVM died (killed, out of memory): the call failed as a killed jrunner does.
                    returncode, finished = self.proc.wait(), True
                    self.proc = None
                    break
                tag, text = frame
                if tag == "X":
                    returncode, heap = map(int, text.split())
                    finished = True
                    self._after_call(heap)
                    break
                elif tag in "Ee":
                    stderr_lines.append(text + "\n" if tag == "E" else text)
                elif confirm and tag == "O" and text == AWAITING_COMMIT:
                    self._answer(confirm(Counts.of("".join(stdout_lines))))
                else:
                    stdout_lines.append(text + "\n" if tag == "O" else text)
                    if on_line:
                        on_line(text)
            cancelled = not finished
        finally:
            # Cancelled, or a callback raised: nothing may keep loading behind our back.
            if not finished:
                returncode = self._cancel()
        return "".join(stdout_lines), "".join(stderr_lines), returncode, cancelled

    def stop(self):
        """End the JVM (it exits at the end of its stdin); killed if it has not within STOP_SECONDS."""
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(self.proc)
            self.proc.wait()
        self.proc = None

    def _start(self):
        env = {name: value for name, value in os.environ.items() if name not in CALL_ENV}
        # It stops when we die (kill -9): a load must not commit after its run was given up.
        env["JRUNNER_WATCH_PARENT"] = str(os.getpid())
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
        serve = ["--serve", "--one-run"] if self.one_run else ["--serve"]
        self.proc = _popen(serve, env, text=False, start_new_session=True, **pipes)
        self.calls = 0
        self.frames = queue.Queue()
        threading.Thread(target=_read_frames, args=(self.proc.stdout, self.frames.put), daemon=True).start()

    def _send(self, request):
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            # Dead: its frames end, and the call fails as a killed jrunner does.
            pass

    def _answer(self, refusal):
        """Tell the call waiting in -confirm to commit (refusal None) or to roll back."""
        self._send({"answer": "commit" if refusal is None else "refuse"})

    def _after_call(self, heap):
        self.calls += 1
        if self.calls >= WARM_MAX_CALLS or heap > WARM_MAX_HEAP_BYTES:
            self.stop()

    def _cancel(self):
        """Cancel the running call (its statements on both databases, then its rollback) and return
        its exit status; one still running after STOP_SECONDS gets the JVM killed, for a new one."""
        self._send({"cancel": True})
        deadline = time.monotonic() + STOP_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.frames.get(timeout=left)
            except queue.Empty:
                break
            if frame is None:
                break
            if frame[0] == "X":
                return int(frame[1].split()[0])
        _kill(self.proc)
        returncode = self.proc.wait()
        self.proc = None
        return returncode


def _read_frames(stream, put):
    """Hand on each frame of a warm JVM as (tag, text), then None when it ends."""
    for line in iter(stream.readline, b""):
        put((chr(line[0]), line[2:].removesuffix(b"\n").decode("utf-8", "replace")))
    put(None)


def _popen(args, env, **kwargs):
    path = str(settings.PIPEKIT_JRUNNER)
    kwargs.setdefault("text", True)
    if kwargs["text"]:
        kwargs["encoding"] = "utf-8"
        kwargs["errors"] = "replace"
    try:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen([path, *args], env=env, **kwargs)
    except OSError as exc:
        message = f"cannot start jrunner at {path}: {exc.strerror or exc} (build it with make jrunner)"
        raise JrunnerError(message) from exc


@contextlib.contextmanager
def _sql_files(statements):
    """Write each statement to its own private temporary file; remove them all afterwards."""
    paths = []
    try:
        for sql in statements:
            # Named after this process, so the files of one killed before removing them can be found.
            fd, path = tempfile.mkstemp(prefix=f"{SQL_FILE_PREFIX}{os.getpid()}-", suffix=".sql")
            paths.append(path)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(sql)
        yield paths
    finally:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def remove_sql_files_of_dead_processes(alive):
    """Remove the SQL files left in the temporary folder by processes that died before removing
    them (a kill -9); alive(pid) says whether a process is still running."""
    folder = Path(tempfile.gettempdir())
    for path in folder.glob(f"{SQL_FILE_PREFIX}*-*.sql"):
        pid = path.name.removeprefix(SQL_FILE_PREFIX).partition("-")[0]
        if pid.isdigit() and not alive(int(pid)):
            path.unlink(missing_ok=True)


def _source_args(conn, lock_timeout=None):
    args = ["-scu", conn.jdbc_url] + (["-lt", str(lock_timeout)] if lock_timeout else [])
    if conn.username:
        args += ["-scn", conn.username]
    return args


def _env(source=None, dest=None):
    """The environment for jrunner: ours, with exactly the passwords and driver jars this call needs."""
    # jrunner stops when we die (kill -9): a load must not commit after its run was given up.
    env = {**os.environ, "JRUNNER_WATCH_PARENT": str(os.getpid())}
    for name, conn in (("JRUNNER_SOURCE_PASSWORD", source), ("JRUNNER_DEST_PASSWORD", dest)):
        env.pop(name, None)
        if conn is not None:
            try:
                env[name] = conn.resolve_password() or ""
            except SecretError as exc:
                # Every caller already reports a JrunnerError on the page or the run.
                raise JrunnerError(f"the password of connection {conn.name}: {exc}") from exc
    conns = [conn for conn in (source, dest) if conn is not None]
    env["JRUNNER_CLASSPATH"] = ":".join(dict.fromkeys(jar for conn in conns for jar in conn.driver.jars))
    return env


def _passwords(conns):
    return {p for p in (c.resolve_password() for c in conns) if p}


def _scrub(text, secrets):
    # Longest first, so a password containing another is replaced whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def _message(stderr, returncode):
    """One-line-ish: the driver's error jrunner printed (for a usage error, just the first line)."""
    text = stderr.strip()
    if returncode == 2:
        text = text.partition("\n")[0]
    if not text:
        return f"jrunner exited with status {returncode}"
    return text if len(text) <= 2000 else text[:2000] + " …"


def _tsv_value(field):
    if field == "\\N":
        return None
    return TSV_ESCAPE.sub(lambda m: TSV_UNESCAPED.get(m[1], m[1]), field)
