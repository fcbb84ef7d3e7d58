"""Fixtures for the official-SDK scenarios.

The emulator under test is the binary named by IOTEMU_BIN. It is started as
``$IOTEMU_BIN --http-port 0 [extra args]``; it prints one line
``ready {"http": "127.0.0.1:PORT", ...}`` on stdout once every listener accepts
(see DESIGN.md, "Operator contract").

Fixtures:
  emulator          session-wide emulator (shared: use unique names, see unique_name)
  start_emulator    the start_emulator(extra_args) context manager, for tests that
                    need their own emulator or restarts
  iot               boto3 "iot" client on the session emulator, us-east-1, key "test"
  iot_client        factory: iot_client(access_key="test", region="us-east-1")
  make_iot_client   make_iot_client(endpoint_url, access_key, region) for any emulator
  aws_cli           runs the AWS CLI v1: aws_cli("iot", "describe-thing", ...) ->
                    (returncode, parsed JSON stdout or None, stderr)
  unique_name       factory: unique_name("prefix") -> "prefix-<uuid hex>"
  error_of          error_of(excinfo) -> (Error.Code, HTTP status, Error.Message)
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import boto3
import botocore.config
import pytest

READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"

# Every listener's port comes from IOTEMU_<NAME>_PORT (operator contract); listeners
# other than HTTP get an ephemeral port through the environment, so a binary that
# does not have them yet is not broken by an unknown flag, and two emulators
# (the session one and a test's own) never fight over 1883/8883.
EPHEMERAL_PORT_ENV = {
    "IOTEMU_MQTT_PORT": "0",
    "IOTEMU_MQTTS_PORT": "0",
    "IOTEMU_MQTTS_ALPN_PORT": "0",
    "IOTEMU_HTTPS_PORT": "0",
}

# Keep the test process hermetic: no profile, config file, endpoint override or CA
# bundle from the developer's environment may leak into the SDK clients.
for _var in [v for v in os.environ if v.startswith("AWS_")]:
    del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
_no_proxy = [h for h in os.environ.get("NO_PROXY", "").split(",") if h]
for _host in ("127.0.0.1", "localhost", "::1"):
    if _host not in _no_proxy:
        _no_proxy.append(_host)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(_no_proxy)


class EmulatorStartError(RuntimeError):
    pass


def emulator_bin() -> str:
    path = os.environ.get("IOTEMU_BIN", "")
    if not path:
        pytest.fail(
            "IOTEMU_BIN is not set: point it at the built iot-emulator binary "
            "(or run sdk-harness/scenarios/run)",
            pytrace=False,
        )
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"IOTEMU_BIN={path!r} is not an executable file", pytrace=False)
    return os.path.abspath(path)


def _url_host(hostport: str) -> str:
    """'0.0.0.0:4566' -> '127.0.0.1:4566'; '[::]:4566' -> '[::1]:4566'."""
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise EmulatorStartError(f"listener address {hostport!r} is not host:port")
    if host == "0.0.0.0":
        host = "127.0.0.1"
    elif host in ("[::]", "::"):
        host = "[::1]"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


class Emulator:
    """One running emulator process. Use start_emulator() to make one."""

    def __init__(self, args: list[str], env: dict[str, str], workdir: str):
        self.args = args
        self.workdir = workdir
        self.stderr_path = os.path.join(workdir, "stderr.log")
        self._stderr_file = open(self.stderr_path, "wb")
        self.stdout_lines: collections.deque[str] = collections.deque(maxlen=200)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.endpoints: dict[str, str] = {}
        self.http_url = ""
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            # stderr goes to a file: a chatty emulator can never block on a full pipe.
            stderr=self._stderr_file,
            env=env,
            cwd=workdir,
            start_new_session=True,
        )
        # stdout is read by a thread for the whole life of the process (so the
        # pipe never fills up); lines go to a queue until `ready` was seen.
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.stdout_lines.append(line)
            if not self.http_url:  # nobody reads the queue once `ready` was seen
                self._lines.put(line)
        self._lines.put(None)  # EOF: the process closed stdout (usually: it exited)

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorStartError(
                    self._failure(f"no `ready` line on stdout within {timeout:.0f}s")
                )
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self.process.wait(timeout=STOP_TIMEOUT_S)
                raise EmulatorStartError(
                    self._failure(f"emulator exited with code {code} before `ready`")
                )
            if line == "ready" or line.startswith("ready "):
                payload = line[len("ready"):].strip()
                try:
                    endpoints = json.loads(payload)
                except json.JSONDecodeError as e:
                    raise EmulatorStartError(
                        self._failure(f"`ready` line is not followed by JSON ({e}): {line!r}")
                    ) from None
                if not isinstance(endpoints, dict) or "http" not in endpoints:
                    raise EmulatorStartError(
                        self._failure(f"`ready` JSON has no `http` listener: {line!r}")
                    )
                self.endpoints = {str(k): str(v) for k, v in endpoints.items()}
                self.http_url = "http://" + _url_host(self.endpoints["http"])
                return

    def ca_pem(self) -> bytes:
        """The emulator's root CA (GET /_emulator/ca.pem), for TLS clients."""
        import urllib.request
        with urllib.request.urlopen(self.http_url + "/_emulator/ca.pem", timeout=10) as r:
            return r.read()

    def stderr_text(self) -> str:
        try:
            self._stderr_file.flush()
        except ValueError:
            pass
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stderr_tail(self, lines: int = 60) -> str:
        return "\n".join(self.stderr_text().splitlines()[-lines:])

    def _failure(self, what: str) -> str:
        self.stop()
        stdout = "\n".join(self.stdout_lines)
        return (
            f"{what}\n  command: {' '.join(self.args)}\n"
            f"--- stdout ---\n{stdout}\n--- stderr ---\n{self.stderr_text()}"
        )

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, wait; SIGKILL if it does not exit in time. Returns the exit code."""
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr_file.close()
        return self.process.returncode


_live: list[Emulator] = []


@contextlib.contextmanager
def start_emulator(extra_args: list[str] | tuple[str, ...] = (), env: dict[str, str] | None = None):
    """Start `$IOTEMU_BIN --http-port 0 *extra_args`, wait for `ready`, yield the Emulator.

    The process is stopped (SIGTERM, then SIGKILL) when the block exits. Inside the
    block, `emu.stop()` stops it early (e.g. to restart on the same --data-dir).
    """
    # Inherited IOTEMU_* settings (a developer's IOTEMU_DATA_DIR, ...) must not change
    # what the tests see; only what the test passes counts.
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("IOTEMU_")}
    child_env.update(EPHEMERAL_PORT_ENV)
    child_env.update(env or {})
    args = [emulator_bin(), "--http-port", "0", *extra_args]
    workdir = tempfile.mkdtemp(prefix="iotemu-scenario-")
    emu = Emulator(args, child_env, workdir)
    _live.append(emu)
    try:
        emu.wait_ready()
        yield emu
    finally:
        emu.stop()
        _live.remove(emu)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing test, attach the tail of every live emulator's stderr."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _live:
        for emu in _live:
            report.sections.append(
                (f"iot-emulator pid {emu.pid} stderr (tail)", emu.stderr_tail())
            )


# --- SDK clients -----------------------------------------------------------------

_boto_session = boto3.session.Session()

# One attempt: a retried 5xx would hide an emulator bug (and slow a failing test).
_client_config = botocore.config.Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=5,
    read_timeout=30,
)


def make_iot_client(endpoint_url: str, access_key: str = "test", region: str = DEFAULT_REGION):
    return _boto_session.client(
        "iot",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="test",
        config=_client_config,
    )


def run_aws_cli(endpoint_url: str, *args: str, access_key: str = "test",
                region: str = DEFAULT_REGION, timeout: float = 60):
    """Run `python -m awscli ARGS --endpoint-url .. --region .. --output json`.

    Returns (returncode, parsed JSON of stdout or None when stdout is empty, stderr).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY="test",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_MAX_ATTEMPTS="1",
        AWS_RETRY_MODE="standard",
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONWARNINGS="ignore",
    )
    cmd = [
        sys.executable, "-m", "awscli", *args,
        "--endpoint-url", endpoint_url,
        "--region", region,
        "--output", "json",
    ]
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout.strip()
    parsed = None
    if out:
        try:
            parsed = json.loads(out)
        except json.JSONDecodeError:
            raise AssertionError(
                f"AWS CLI printed non-JSON stdout (rc={proc.returncode}): {out!r}\n"
                f"stderr: {proc.stderr}"
            ) from None
    return proc.returncode, parsed, proc.stderr


# --- fixtures ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def emulator():
    with start_emulator() as emu:
        yield emu


@pytest.fixture(scope="session", name="start_emulator")
def start_emulator_fixture():
    return start_emulator


@pytest.fixture
def iot_client(emulator):
    """iot_client(access_key="test", region="us-east-1") on the session emulator."""
    def factory(access_key: str = "test", region: str = DEFAULT_REGION):
        return make_iot_client(emulator.http_url, access_key=access_key, region=region)
    return factory


@pytest.fixture(name="make_iot_client")
def make_iot_client_fixture():
    """make_iot_client(endpoint_url, access_key="test", region="us-east-1"), for an
    emulator of the test's own (does not start the session emulator)."""
    return make_iot_client


@pytest.fixture
def iot(emulator):
    return make_iot_client(emulator.http_url)


@pytest.fixture
def aws_cli(emulator):
    def run(*args: str, **kwargs):
        return run_aws_cli(emulator.http_url, *args, **kwargs)
    return run


@pytest.fixture
def unique_name():
    def make(prefix: str = "thing") -> str:
        return f"{prefix}-{uuid.uuid4().hex}"
    return make


def error_of(excinfo) -> tuple[str, int, str]:
    """(Error.Code, HTTP status, Error.Message) of a botocore ClientError."""
    resp = excinfo.value.response
    return (
        resp["Error"]["Code"],
        resp["ResponseMetadata"]["HTTPStatusCode"],
        resp["Error"].get("Message", ""),
    )


@pytest.fixture(name="error_of")
def error_of_fixture():
    return error_of
