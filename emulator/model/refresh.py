#!/usr/bin/env python3
"""Refresh the stripped AWS service models from a pinned botocore wheel.

Usage: python3 emulator/model/refresh.py   (needs pip and PyPI; CI never runs this)

Downloads botocore==VERSION, keeps the structure of the iot, iot-data and
iot-jobs-data models (operations, HTTP bindings, shapes, errors) and drops every
documentation string, then writes them here with botocore's licence notice.
"""
import gzip
import io
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

VERSION = "1.44.8"
SERVICES = {"iot": "2015-05-28", "iot-data": "2015-05-28", "iot-jobs-data": "2017-09-29"}
DOC_KEYS = {"documentation", "documentationUrl", "deprecatedMessage", "examples"}
HERE = pathlib.Path(__file__).resolve().parent


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, f"botocore=={VERSION}"],
            check=True,
        )
        wheel = next(pathlib.Path(tmp).glob("botocore-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            for service, api_version in SERVICES.items():
                raw = zf.read(f"botocore/data/{service}/{api_version}/service-2.json.gz")
                model = strip(json.load(io.BytesIO(gzip.decompress(raw))))
                out = HERE / f"{service}.json"
                out.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n")
                print(f"{service}: {len(model['operations'])} operations -> {out.name}")
            info = f"botocore-{VERSION}.dist-info"
            notice = zf.read(f"{info}/NOTICE").decode()
            licence = zf.read(f"{info}/LICENSE.txt").decode()
    (HERE / "NOTICE").write_text(
        f"The JSON files in this folder are the service models of botocore {VERSION}\n"
        "(https://pypi.org/project/botocore/), stripped of their documentation strings\n"
        "by refresh.py. botocore's notice and licence follow.\n\n" + notice + "\n" + licence
    )
    (HERE / "VERSION").write_text(f"botocore=={VERSION}\n")


if __name__ == "__main__":
    main()
