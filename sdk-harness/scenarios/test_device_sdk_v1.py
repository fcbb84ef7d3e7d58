"""A device with the AWS IoT Device SDK v1 for Python (AWSIoTPythonSDK) over mutual
TLS: connect, subscribe, publish and receive. (The v1 SDK reports a refused CONNACK
as a successful connect, so refusals are observed with paho, awsiotsdk and rumqttc.)"""

import json
import queue
import tempfile
import uuid

import boto3
import pytest
from AWSIoTPythonSDK.MQTTLib import AWSIoTMQTTClient

ACCOUNT = "123456789012"
REGION = "us-east-1"
TIMEOUT = 15


def credentials(emu, directory, client_id):
    iot = boto3.client("iot", endpoint_url=emu.http_url, region_name=REGION,
                       aws_access_key_id=ACCOUNT, aws_secret_access_key="test")
    cert = iot.create_keys_and_certificate(setAsActive=True)
    arn = f"arn:aws:iot:{REGION}:{ACCOUNT}"
    name = f"v1-{uuid.uuid4().hex[:6]}"
    iot.create_policy(policyName=name, policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{client_id}"},
        {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": f"{arn}:topic/v1/*"},
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{arn}:topicfilter/v1/*"}]}))
    iot.attach_policy(policyName=name, target=cert["certificateArn"])
    paths = {}
    for kind, text in [("ca", emu.ca_pem().decode()), ("cert", cert["certificatePem"]),
                       ("key", cert["keyPair"]["PrivateKey"])]:
        paths[kind] = f"{directory}/{kind}.pem"
        with open(paths[kind], "w") as f:
            f.write(text)
    return paths


def client(emu, client_id, paths):
    c = AWSIoTMQTTClient(client_id)
    c.configureEndpoint("localhost", int(emu.endpoints["mqtts"].rsplit(":", 1)[1]))
    c.configureCredentials(paths["ca"], paths["key"], paths["cert"])
    c.configureConnectDisconnectTimeout(TIMEOUT)
    c.configureMQTTOperationTimeout(TIMEOUT)
    c.configureAutoReconnectBackoffTime(1, 4, 2)
    return c


@pytest.fixture
def emu(start_emulator):
    with start_emulator(env={"IOTEMU_ACCOUNT_ID": ACCOUNT}) as e:
        yield e


def test_v1_sdk_publishes_and_receives(emu):
    client_id = f"v1-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as d:
        c = client(emu, client_id, credentials(emu, d, client_id))
        assert c.connect(keepAliveIntervalSecond=30)
        received = queue.Queue()
        assert c.subscribe("v1/in", 1, lambda cl, ud, msg: received.put((msg.topic, msg.payload)))
        assert c.publish("v1/in", "hello v1", 1)
        assert received.get(timeout=TIMEOUT) == ("v1/in", b"hello v1")
        c.disconnect()
