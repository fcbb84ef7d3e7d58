"""mosquitto_pub and mosquitto_sub (Debian's mosquitto-clients) against the
emulator: over mutual TLS with a device certificate (MQTT 3.1.1 and 5), and a
refusal for a certificate that is not ACTIVE."""

import json
import shutil
import subprocess
import tempfile
import uuid

import boto3
import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
TIMEOUT = 15

pytestmark = pytest.mark.skipif(shutil.which("mosquitto_pub") is None,
                                reason="mosquitto-clients is not installed (.ci/run installs it)")


@pytest.fixture
def emu(start_emulator):
    with start_emulator(env={"IOTEMU_ACCOUNT_ID": ACCOUNT}) as e:
        yield e


def credentials(emu, directory, client_ids, active=True):
    iot = boto3.client("iot", endpoint_url=emu.http_url, region_name=REGION,
                       aws_access_key_id=ACCOUNT, aws_secret_access_key="test")
    cert = iot.create_keys_and_certificate(setAsActive=active)
    arn = f"arn:aws:iot:{REGION}:{ACCOUNT}"
    name = f"mosq-{uuid.uuid4().hex[:6]}"
    iot.create_policy(policyName=name, policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": [f"{arn}:client/{c}" for c in client_ids]},
        {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": f"{arn}:topic/mosq/*"},
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{arn}:topicfilter/mosq/*"}]}))
    iot.attach_policy(policyName=name, target=cert["certificateArn"])
    files = {}
    for kind, text in [("ca", emu.ca_pem().decode()), ("cert", cert["certificatePem"]),
                       ("key", cert["keyPair"]["PrivateKey"])]:
        files[kind] = f"{directory}/{kind}.pem"
        with open(files[kind], "w") as f:
            f.write(text)
    return ["--cafile", files["ca"], "--cert", files["cert"], "--key", files["key"]]


def tls_target(emu):
    return ["-h", "localhost", "-p", emu.endpoints["mqtts"].rsplit(":", 1)[1]]


@pytest.mark.parametrize("version", ["mqttv311", "mqttv5"])
def test_mosquitto_sub_receives_what_mosquitto_pub_sends(emu, version):
    sub_id, pub_id = f"sub-{uuid.uuid4().hex[:6]}", f"pub-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as d:
        tls = credentials(emu, d, [sub_id, pub_id])
        sub = subprocess.Popen(
            ["mosquitto_sub", *tls_target(emu), *tls, "-V", version, "-i", sub_id, "-t", "mosq/in",
             "-q", "1", "-C", "1", "-W", str(TIMEOUT), "-v"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Publish until the subscriber has its subscription (retained would be simpler,
        # but this checks plain delivery); each attempt is bounded.
        for _ in range(50):
            subprocess.run(["mosquitto_pub", *tls_target(emu), *tls, "-V", version, "-i", pub_id,
                            "-t", "mosq/in", "-q", "1", "-m", "hello mosquitto"], check=True, timeout=TIMEOUT)
            try:
                out, err = sub.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            sub.kill()
            pytest.fail("mosquitto_sub received nothing")
        assert sub.returncode == 0, err
        assert out.strip() == "mosq/in hello mosquitto"


def test_mosquitto_pub_is_refused_with_an_inactive_certificate(emu):
    pub_id = f"pub-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as d:
        tls = credentials(emu, d, [pub_id], active=False)
        run = subprocess.run(["mosquitto_pub", *tls_target(emu), *tls, "-i", pub_id, "-t", "mosq/in", "-m", "x"],
                             capture_output=True, text=True, timeout=TIMEOUT)
        assert run.returncode != 0
        assert "not authorised" in run.stderr.lower() or "bad user name or password" in run.stderr.lower(), run.stderr
