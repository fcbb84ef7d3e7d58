"""The iot-data broker operations through boto3 (service "iot-data"), with a
paho-mqtt client on the other side: Publish (retained), ListRetainedMessages,
GetRetainedMessage, DeleteConnection."""

import json
import queue
import ssl
import tempfile
import uuid

import boto3
import paho.mqtt.client as paho
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"
TIMEOUT = 15


def data_client(emu):
    return boto3.client("iot-data", endpoint_url=emu.http_url, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")


def paho_client(client_id, on_message=None):
    c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv311)
    if on_message:
        c.on_message = on_message
    return c


def test_retained_messages_round_trip(emulator):
    data = data_client(emulator)
    topic = f"retained/{uuid.uuid4().hex[:8]}/state"
    data.publish(topic=topic, qos=1, retain=True, payload=b'{"on":true}')
    listed = data.list_retained_messages()["retainedTopics"]
    mine = [t for t in listed if t["topic"] == topic]
    assert mine and mine[0]["payloadSize"] == len(b'{"on":true}') and mine[0]["qos"] == 1
    got = data.get_retained_message(topic=topic)
    assert got["payload"] == b'{"on":true}' and got["qos"] == 1 and got["topic"] == topic

    # A new subscriber gets the retained message (paho over the plain-TCP listener).
    received = queue.Queue()
    c = paho_client(f"paho-{uuid.uuid4().hex[:6]}", lambda cl, ud, msg: received.put((msg.topic, msg.payload, msg.retain)))
    host, port = emulator.endpoints["mqtt"].rsplit(":", 1)
    c.connect(host, int(port), keepalive=30)
    c.loop_start()
    try:
        c.subscribe(topic, qos=1)
        assert received.get(timeout=TIMEOUT) == (topic, b'{"on":true}', True)
    finally:
        c.loop_stop()
        c.disconnect()

    # An empty retained publish deletes it.
    data.publish(topic=topic, qos=1, retain=True, payload=b"")
    with pytest.raises(ClientError) as e:
        data.get_retained_message(topic=topic)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_delete_connection_disconnects_the_client(emulator):
    data = data_client(emulator)
    with pytest.raises(ClientError) as e:
        data.delete_connection(clientId="nobody-here")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"

    client_id = f"paho-{uuid.uuid4().hex[:6]}"
    gone = queue.Queue()
    c = paho_client(client_id)
    c.on_disconnect = lambda cl, ud, flags, rc, props: gone.put(rc)
    connected = queue.Queue()
    c.on_connect = lambda cl, ud, flags, rc, props: connected.put(rc)
    host, port = emulator.endpoints["mqtt"].rsplit(":", 1)
    c.connect(host, int(port), keepalive=30)
    c.loop_start()
    try:
        assert connected.get(timeout=TIMEOUT) == 0
        data.delete_connection(clientId=client_id)
        gone.get(timeout=TIMEOUT)
    finally:
        c.loop_stop()


def test_paho_over_mtls_with_a_device_certificate(start_emulator):
    with start_emulator(env={"IOTEMU_ACCOUNT_ID": "123456789012"}) as emu:
        iot = boto3.client("iot", endpoint_url=emu.http_url, region_name=REGION,
                           aws_access_key_id="123456789012", aws_secret_access_key="test")
        cert = iot.create_keys_and_certificate(setAsActive=True)
        client_id = f"paho-tls-{uuid.uuid4().hex[:6]}"
        arn = f"arn:aws:iot:{REGION}:123456789012"
        iot.create_policy(policyName="paho", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iot:Connect"], "Resource": f"{arn}:client/{client_id}"},
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": f"{arn}:topic/paho/*"},
            {"Effect": "Allow", "Action": ["iot:Subscribe"], "Resource": f"{arn}:topicfilter/paho/*"}]}))
        iot.attach_policy(policyName="paho", target=cert["certificateArn"])
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for name, text in [("ca", emu.ca_pem().decode()), ("cert", cert["certificatePem"]),
                               ("key", cert["keyPair"]["PrivateKey"])]:
                paths[name] = f"{d}/{name}.pem"
                with open(paths[name], "w") as f:
                    f.write(text)
            received = queue.Queue()
            c = paho_client(client_id, lambda cl, ud, msg: received.put((msg.topic, msg.payload)))
            c.tls_set(ca_certs=paths["ca"], certfile=paths["cert"], keyfile=paths["key"],
                      tls_version=ssl.PROTOCOL_TLS_CLIENT)
            port = int(emu.endpoints["mqtts"].rsplit(":", 1)[1])
            c.connect("localhost", port, keepalive=30)
            c.loop_start()
            try:
                c.subscribe("paho/in", qos=1)
                c.publish("paho/in", b"from paho", qos=1).wait_for_publish(TIMEOUT)
                assert received.get(timeout=TIMEOUT) == ("paho/in", b"from paho")
            finally:
                c.loop_stop()
                c.disconnect()
