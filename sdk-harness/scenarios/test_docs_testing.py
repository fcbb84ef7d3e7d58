"""The examples of docs/testing.md, run as they are written: every ```python block
(in order, against an emulator of this test's own, found through IOTEMU_URL and
IOTEMU_MQTTS_PORT as the examples read them), and every `aws` and `curl` line of
the ```sh blocks that talk to http://localhost:4566."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from conftest import run_aws_cli

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "testing.md")
DOC_URL = "http://localhost:4566"


def blocks(language):
    text = open(DOC, encoding="utf-8").read()
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def commands(block):
    """Lines of a shell block, continuation lines joined."""
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_docs_have_the_examples_this_test_runs():
    assert blocks("python"), "docs/testing.md lost its Python example"
    assert any(c.startswith("aws ") for b in blocks("sh") for c in commands(b))


def test_python_examples(start_emulator, monkeypatch):
    with start_emulator() as emu:
        monkeypatch.setenv("IOTEMU_URL", emu.http_url)
        monkeypatch.setenv("IOTEMU_MQTTS_PORT", emu.endpoints["mqtts"].rsplit(":", 1)[1])
        namespace = {"__name__": "docs_testing"}
        for code in blocks("python"):
            exec(compile(code, DOC, "exec"), namespace)


def test_cli_and_curl_examples(start_emulator):
    with start_emulator() as emu:
        ran = 0
        for block in blocks("sh"):
            for command in commands(block):
                if DOC_URL not in command:
                    continue
                args = shlex.split(command.replace(DOC_URL, emu.http_url))
                if args[0] == "aws":
                    i = args.index("--endpoint-url")
                    del args[i:i + 2]
                    rc, out, err = run_aws_cli(emu.http_url, *args[1:])
                    assert rc == 0, f"{command}: {err}"
                elif args[0] == "curl":
                    if shutil.which("curl") is None:
                        pytest.fail("curl is not installed (.ci/run installs it)")
                    proc = subprocess.run([*args, "--fail"], capture_output=True, text=True, timeout=30)
                    assert proc.returncode == 0, f"{command}: {proc.stderr}"
                else:
                    pytest.fail(f"docs/testing.md: no runner for {command!r}")
                ran += 1
        assert ran >= 4
