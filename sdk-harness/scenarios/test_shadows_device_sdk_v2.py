"""A shadow flow with the AWS IoT Device SDK v2 for Python (awsiot.iotshadow) over
mutual TLS, an application on boto3's iot-data beside it: the device gets a missing
shadow (rejected 404), the app sets desired state over REST, the device receives the
delta and the documents event, reports, and both sides read the same document."""

import json
import queue
import uuid

import boto3
import pytest
from awscrt import mqtt
from awsiot import iotshadow, mqtt_connection_builder

ACCOUNT = "123456789012"
REGION = "us-east-1"
TIMEOUT = 15
QOS = mqtt.QoS.AT_LEAST_ONCE


@pytest.fixture
def emu(start_emulator):
    with start_emulator(env={"IOTEMU_ACCOUNT_ID": ACCOUNT}) as e:
        yield e


def clients(emu):
    kw = dict(endpoint_url=emu.http_url, region_name=REGION,
              aws_access_key_id=ACCOUNT, aws_secret_access_key="test")
    return boto3.client("iot", **kw), boto3.client("iot-data", **kw)


def device(iot, thing):
    """A thing whose certificate may use its own shadow topics, as the guide's
    per-topic example policies allow (L11066-11388)."""
    cert = iot.create_keys_and_certificate(setAsActive=True)
    arn = f"arn:aws:iot:{REGION}:{ACCOUNT}"
    shadow = f"$aws/things/{thing}/shadow"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{thing}"},
        {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": f"{arn}:topic/{shadow}/*"},
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{arn}:topicfilter/{shadow}/*"},
    ]}
    iot.create_policy(policyName=f"shadow-{thing}", policyDocument=json.dumps(policy))
    iot.attach_policy(policyName=f"shadow-{thing}", target=cert["certificateArn"])
    iot.create_thing(thingName=thing)
    iot.attach_thing_principal(thingName=thing, principal=cert["certificateArn"])
    return cert


def test_device_and_application_share_a_shadow(emu):
    iot, data = clients(emu)
    thing = f"lamp-{uuid.uuid4().hex[:8]}"
    cert = device(iot, thing)
    port = int(emu.endpoints["mqtts"].rsplit(":", 1)[1])
    connection = mqtt_connection_builder.mtls_from_bytes(
        endpoint="localhost", port=port, cert_bytes=cert["certificatePem"].encode(),
        pri_key_bytes=cert["keyPair"]["PrivateKey"].encode(), ca_bytes=emu.ca_pem(),
        client_id=thing, clean_session=True, keep_alive_secs=30)
    connection.connect().result(TIMEOUT)
    shadow = iotshadow.IotShadowClient(connection)
    got, get_rejected, accepted, deltas, documents = (queue.Queue() for _ in range(5))
    for subscribe, request, sink in [
        (shadow.subscribe_to_get_shadow_accepted, iotshadow.GetShadowSubscriptionRequest, got),
        (shadow.subscribe_to_get_shadow_rejected, iotshadow.GetShadowSubscriptionRequest, get_rejected),
        (shadow.subscribe_to_update_shadow_accepted, iotshadow.UpdateShadowSubscriptionRequest, accepted),
        (shadow.subscribe_to_shadow_delta_updated_events, iotshadow.ShadowDeltaUpdatedSubscriptionRequest, deltas),
        (shadow.subscribe_to_shadow_updated_events, iotshadow.ShadowUpdatedSubscriptionRequest, documents),
    ]:
        future, _ = subscribe(request(thing_name=thing), QOS, sink.put)
        future.result(TIMEOUT)

    # No shadow yet: the guide's 404 on get/rejected, with the request's client token.
    shadow.publish_get_shadow(iotshadow.GetShadowRequest(thing_name=thing, client_token="g1"), QOS).result(TIMEOUT)
    error = get_rejected.get(timeout=TIMEOUT)
    assert (error.code, error.message, error.client_token) == (404, "Thing not found", "g1")

    # The application asks for green over REST; the device hears the delta.
    reply = data.update_thing_shadow(thingName=thing, payload=json.dumps({"state": {"desired": {"color": "green"}}}))
    assert json.loads(reply["payload"].read())["version"] == 1
    delta = deltas.get(timeout=TIMEOUT)
    assert (delta.state, delta.version) == ({"color": "green"}, 1)
    assert delta.metadata["color"]["timestamp"] > 1_600_000_000
    first = documents.get(timeout=TIMEOUT)
    assert first.previous is None and first.current.state.desired == {"color": "green"}
    # A REST update is announced on update/accepted like an MQTT one.
    announced = accepted.get(timeout=TIMEOUT)
    assert (announced.version, announced.state.desired, announced.client_token) == (1, {"color": "green"}, None)

    # The device reports it; accepted echoes its client token; no delta remains.
    request = iotshadow.UpdateShadowRequest(thing_name=thing, client_token="u1",
                                            state=iotshadow.ShadowState(reported={"color": "green"}))
    shadow.publish_update_shadow(request, QOS).result(TIMEOUT)
    ok = accepted.get(timeout=TIMEOUT)
    assert (ok.client_token, ok.version, ok.state.reported) == ("u1", 2, {"color": "green"})
    second = documents.get(timeout=TIMEOUT)
    assert (second.previous.version, second.current.version) == (1, 2)
    assert second.current.state.reported == {"color": "green"}

    shadow.publish_get_shadow(iotshadow.GetShadowRequest(thing_name=thing, client_token="g2"), QOS).result(TIMEOUT)
    doc = got.get(timeout=TIMEOUT)
    assert (doc.client_token, doc.version, doc.state.delta) == ("g2", 2, None)
    assert doc.state.desired == doc.state.reported == {"color": "green"}
    rest = json.loads(data.get_thing_shadow(thingName=thing)["payload"].read())
    assert rest["state"] == {"desired": {"color": "green"}, "reported": {"color": "green"}}
    assert rest["version"] == 2
    connection.disconnect().result(TIMEOUT)


def test_named_shadows_and_errors_through_boto3(emu):
    iot, data = clients(emu)
    thing = f"pump-{uuid.uuid4().hex[:8]}"
    for name in ["settings", "firmware"]:
        data.update_thing_shadow(thingName=thing, shadowName=name,
                                 payload=json.dumps({"state": {"reported": {"name": name}}}))
    assert data.list_named_shadows_for_thing(thingName=thing)["results"] == ["firmware", "settings"]
    doc = json.loads(data.get_thing_shadow(thingName=thing, shadowName="settings")["payload"].read())
    assert doc["state"] == {"reported": {"name": "settings"}}
    deleted = json.loads(data.delete_thing_shadow(thingName=thing, shadowName="settings")["payload"].read())
    assert deleted["version"] == 1
    with pytest.raises(data.exceptions.ResourceNotFoundException) as missing:
        data.get_thing_shadow(thingName=thing, shadowName="settings")
    assert missing.value.response["Error"]["Message"] == "No shadow exists with name: settings"
    with pytest.raises(data.exceptions.ConflictException):
        data.update_thing_shadow(thingName=thing, shadowName="firmware",
                                 payload=json.dumps({"state": {"reported": {"v": 2}}, "version": 7}))
    with pytest.raises(data.exceptions.InvalidRequestException) as bad:
        data.update_thing_shadow(thingName=thing, payload=b'{"state": 5}')
    assert bad.value.response["Error"]["Message"] == "State node must be an object"
