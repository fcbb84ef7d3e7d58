"""A device with the AWS IoT Device SDK v2 for Python (awscrt) over mutual TLS:
boto3 makes the certificate, thing and policy; the SDK connects to `localhost`
with MQTT 3.1.1 and MQTT 5, subscribes, publishes and receives its message."""

import json
import queue
import uuid

import boto3
import pytest
from awscrt import mqtt, mqtt5
from awsiot import mqtt_connection_builder, mqtt5_client_builder

ACCOUNT = "123456789012"
REGION = "us-east-1"
TIMEOUT = 15


def device(emulator, client_id):
    """A thing with an ACTIVE certificate and a policy for its own topics."""
    iot = boto3.client("iot", endpoint_url=emulator.http_url, region_name=REGION,
                       aws_access_key_id=ACCOUNT, aws_secret_access_key="test")
    cert = iot.create_keys_and_certificate(setAsActive=True)
    arn = f"arn:aws:iot:{REGION}:{ACCOUNT}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{client_id}"},
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": f"{arn}:topic/dev/{client_id}/*"},
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{arn}:topicfilter/dev/{client_id}/*"},
        ],
    }
    iot.create_policy(policyName=f"p-{client_id}", policyDocument=json.dumps(policy))
    iot.attach_policy(policyName=f"p-{client_id}", target=cert["certificateArn"])
    iot.create_thing(thingName=client_id)
    iot.attach_thing_principal(thingName=client_id, principal=cert["certificateArn"])
    return cert


@pytest.fixture
def emulator_with_account(start_emulator):
    with start_emulator(env={"IOTEMU_ACCOUNT_ID": ACCOUNT}) as emu:
        yield emu


def port_of(emu, listener):
    return int(emu.endpoints[listener].rsplit(":", 1)[1])


def test_mqtt311_over_mtls_publish_and_receive(emulator_with_account):
    emu = emulator_with_account
    client_id = f"sdk-v2-{uuid.uuid4().hex[:8]}"
    cert = device(emu, client_id)
    ca = emu.ca_pem()
    connection = mqtt_connection_builder.mtls_from_bytes(
        endpoint="localhost", port=port_of(emu, "mqtts"),
        cert_bytes=cert["certificatePem"].encode(), pri_key_bytes=cert["keyPair"]["PrivateKey"].encode(),
        ca_bytes=ca, client_id=client_id, clean_session=True, keep_alive_secs=30)
    connection.connect().result(TIMEOUT)
    received = queue.Queue()
    sub, _ = connection.subscribe(topic=f"dev/{client_id}/#", qos=mqtt.QoS.AT_LEAST_ONCE,
                                  callback=lambda topic, payload, **_: received.put((topic, payload)))
    assert sub.result(TIMEOUT)["qos"] == mqtt.QoS.AT_LEAST_ONCE
    pub, _ = connection.publish(topic=f"dev/{client_id}/temp", payload=b'{"t":21}', qos=mqtt.QoS.AT_LEAST_ONCE)
    pub.result(TIMEOUT)
    assert received.get(timeout=TIMEOUT) == (f"dev/{client_id}/temp", b'{"t":21}')
    connection.disconnect().result(TIMEOUT)


def test_mqtt5_over_mtls_publish_and_receive(emulator_with_account):
    emu = emulator_with_account
    client_id = f"sdk-v2-5-{uuid.uuid4().hex[:8]}"
    cert = device(emu, client_id)
    connected, received = queue.Queue(), queue.Queue()
    client = mqtt5_client_builder.mtls_from_bytes(
        endpoint="localhost", port=port_of(emu, "mqtts"),
        cert_bytes=cert["certificatePem"].encode(), pri_key_bytes=cert["keyPair"]["PrivateKey"].encode(),
        ca_bytes=emu.ca_pem(), client_id=client_id,
        on_lifecycle_connection_success=lambda data: connected.put(True),
        on_lifecycle_connection_failure=lambda data: connected.put(data.exception),
        on_publish_received=lambda data: received.put((data.publish_packet.topic, data.publish_packet.payload)))
    client.start()
    assert connected.get(timeout=TIMEOUT) is True
    sub = client.subscribe(mqtt5.SubscribePacket(subscriptions=[
        mqtt5.Subscription(topic_filter=f"dev/{client_id}/#", qos=mqtt5.QoS.AT_LEAST_ONCE)])).result(TIMEOUT)
    assert sub.reason_codes == [mqtt5.SubackReasonCode.GRANTED_QOS_1]
    client.publish(mqtt5.PublishPacket(topic=f"dev/{client_id}/temp", payload=b"hello",
                                       qos=mqtt5.QoS.AT_LEAST_ONCE)).result(TIMEOUT)
    assert received.get(timeout=TIMEOUT) == (f"dev/{client_id}/temp", b"hello")
    client.stop()


def test_unknown_certificate_is_refused(emulator_with_account):
    """A certificate the emulator did not register cannot connect."""
    emu = emulator_with_account
    client_id = f"sdk-v2-x-{uuid.uuid4().hex[:8]}"
    cert = device(emu, client_id)
    iot = boto3.client("iot", endpoint_url=emu.http_url, region_name=REGION,
                       aws_access_key_id=ACCOUNT, aws_secret_access_key="test")
    iot.update_certificate(certificateId=cert["certificateId"], newStatus="INACTIVE")
    connection = mqtt_connection_builder.mtls_from_bytes(
        endpoint="localhost", port=port_of(emu, "mqtts"),
        cert_bytes=cert["certificatePem"].encode(), pri_key_bytes=cert["keyPair"]["PrivateKey"].encode(),
        ca_bytes=emu.ca_pem(), client_id=client_id, clean_session=True)
    with pytest.raises(Exception):
        connection.connect().result(TIMEOUT)


def alpn_connection(emu, cert, client_id, alpn):
    """An awscrt connection that offers exactly `alpn`, as the SDKs do on port 443."""
    from awscrt import io
    tls = io.TlsContextOptions.create_client_with_mtls(cert["certificatePem"].encode(),
                                                      cert["keyPair"]["PrivateKey"].encode())
    tls.override_default_trust_store(emu.ca_pem())
    tls.alpn_list = alpn
    client = mqtt.Client(None, io.ClientTlsContext(tls))
    return mqtt.Connection(client=client, host_name="localhost", port=port_of(emu, "mqtts_alpn"),
                           client_id=client_id, clean_session=True, keep_alive_secs=30)


def test_mqtt_with_alpn_x_amzn_mqtt_ca_on_the_443_style_port(emulator_with_account):
    emu = emulator_with_account
    client_id = f"sdk-v2-alpn-{uuid.uuid4().hex[:8]}"
    cert = device(emu, client_id)
    connection = alpn_connection(emu, cert, client_id, ["x-amzn-mqtt-ca"])
    assert connection.connect().result(TIMEOUT)["session_present"] is False
    connection.disconnect().result(TIMEOUT)
    # Another application protocol is not served there.
    with pytest.raises(Exception):
        alpn_connection(emu, cert, client_id, ["x-amzn-http-ca"]).connect().result(TIMEOUT)


def websocket_signer(secret):
    """A handshake transform that presigns the WebSocket URL with SigV4 (service
    iotdevicegateway) as `websockets_with_default_aws_signing` does, with static
    credentials of the account."""
    from awscrt import auth
    provider = auth.AwsCredentialsProvider.new_static(ACCOUNT, secret)

    def sign(transform_args, **kwargs):
        config = auth.AwsSigningConfig(
            algorithm=auth.AwsSigningAlgorithm.V4,
            signature_type=auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS,
            credentials_provider=provider, region=REGION, service="iotdevicegateway",
            omit_session_token=True)
        future = auth.aws_sign_request(transform_args.http_request, config)
        future.add_done_callback(lambda f: transform_args.set_done(f.exception()))
    return sign


def test_mqtt_over_websocket_with_a_sigv4_presigned_url(emulator_with_account):
    """awscrt signs the WebSocket handshake; here over plain ws:// to the emulator's
    HTTP port. Signatures are not checked by default: the access key names the account."""
    from awscrt import io
    emu = emulator_with_account
    port = int(emu.http_url.rsplit(":", 1)[1])
    sign = websocket_signer("secret")

    client = mqtt.Client(io.ClientBootstrap.get_or_create_static_default(), None)
    client_id = f"ws-{uuid.uuid4().hex[:8]}"
    connection = mqtt.Connection(client=client, host_name="localhost", port=port, client_id=client_id,
                                 clean_session=True, keep_alive_secs=30, use_websockets=True,
                                 websocket_handshake_transform=sign)
    connection.connect().result(TIMEOUT)
    received = queue.Queue()
    sub, _ = connection.subscribe(topic="ws/echo", qos=mqtt.QoS.AT_LEAST_ONCE,
                                  callback=lambda topic, payload, **_: received.put((topic, payload)))
    sub.result(TIMEOUT)
    pub, _ = connection.publish(topic="ws/echo", payload=b"over websocket", qos=mqtt.QoS.AT_LEAST_ONCE)
    pub.result(TIMEOUT)
    assert received.get(timeout=TIMEOUT) == ("ws/echo", b"over websocket")
    connection.disconnect().result(TIMEOUT)

    # The connection lives in the account of the access key: its message is in the tap there.
    import urllib.request
    with urllib.request.urlopen(f"{emu.http_url}/_emulator/messages?topic=ws/echo&kind=published") as r:
        records = json.load(r)["messages"]
    assert [(m["account"], m["clientId"]) for m in records] == [(ACCOUNT, client_id)]

    # Without a presigned URL there is no connection.
    unsigned = mqtt.Connection(client=client, host_name="localhost", port=port, client_id="ws-unsigned",
                               clean_session=True, use_websockets=True)
    with pytest.raises(Exception):
        unsigned.connect().result(TIMEOUT)


def test_strict_sigv4_checks_the_websocket_signature(start_emulator):
    """With --sigv4-secrets the presigned URL must be signed with the configured secret:
    awscrt's signature with it connects, one with another secret gets 403 and no
    connection."""
    from awscrt import io
    args = ["--sigv4-secrets", f"{ACCOUNT}:right-secret"]
    with start_emulator(args, env={"IOTEMU_ACCOUNT_ID": ACCOUNT}) as emu:
        port = int(emu.http_url.rsplit(":", 1)[1])
        client = mqtt.Client(io.ClientBootstrap.get_or_create_static_default(), None)

        def connection(secret, client_id):
            return mqtt.Connection(client=client, host_name="localhost", port=port,
                                   client_id=client_id, clean_session=True, keep_alive_secs=30,
                                   use_websockets=True,
                                   websocket_handshake_transform=websocket_signer(secret))

        good = connection("right-secret", "ws-strict-good")
        good.connect().result(TIMEOUT)
        pub, _ = good.publish(topic="ws/strict", payload=b"signed", qos=mqtt.QoS.AT_LEAST_ONCE)
        pub.result(TIMEOUT)
        good.disconnect().result(TIMEOUT)

        with pytest.raises(Exception):
            connection("wrong-secret", "ws-strict-bad").connect().result(TIMEOUT)
        assert "SignatureDoesNotMatch" in emu.stderr_tail()
