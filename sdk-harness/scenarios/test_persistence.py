"""`--data-dir` persistence (DESIGN.md D4): state survives a restart on the same
directory; without `--data-dir` all state is in memory."""

import pytest
from botocore.exceptions import ClientError


def _all_names(iot) -> list[str]:
    return sorted(t["thingName"] for p in iot.get_paginator("list_things").paginate() for t in p["things"])


def test_things_survive_restart_with_data_dir(start_emulator, make_iot_client, tmp_path, error_of):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    names = ["persist-a", "persist-b", "persist-c"]

    with start_emulator(["--data-dir", str(data_dir)]) as first:
        iot = make_iot_client(first.http_url)
        assert _all_names(iot) == [], "a new --data-dir must start empty"
        for i, n in enumerate(names):
            iot.create_thing(thingName=n, attributePayload={"attributes": {"idx": str(i)}})
        # Give one thing a version other than 1, so the version really is checked.
        iot.update_thing(thingName=names[2], attributePayload={"attributes": {"x": "y"}, "merge": True})
        before = {n: iot.describe_thing(thingName=n) for n in names}
        assert before[names[2]]["version"] == 2
        first.stop()
        assert not first.running()
    assert any(data_dir.iterdir()), "the emulator wrote nothing under --data-dir"

    with start_emulator(["--data-dir", str(data_dir)]) as second:
        iot = make_iot_client(second.http_url)
        assert _all_names(iot) == names
        for n in names:
            after = iot.describe_thing(thingName=n)
            for key in ("thingName", "thingId", "thingArn", "attributes", "version", "defaultClientId"):
                assert after[key] == before[n][key], (n, key)

    with start_emulator() as in_memory:
        iot = make_iot_client(in_memory.http_url)
        assert iot.list_things()["things"] == []
        with pytest.raises(ClientError) as exc:
            iot.describe_thing(thingName=names[0])
        assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)


def test_without_data_dir_nothing_survives_restart(start_emulator, make_iot_client):
    with start_emulator() as first:
        iot = make_iot_client(first.http_url)
        iot.create_thing(thingName="ephemeral")
        assert _all_names(iot) == ["ephemeral"]
    with start_emulator() as second:
        assert _all_names(make_iot_client(second.http_url)) == []


def test_shadows_survive_restart_with_data_dir(start_emulator, tmp_path):
    import json

    import boto3

    def data_client(emu):
        return boto3.client("iot-data", endpoint_url=emu.http_url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    data_dir = tmp_path / "data"
    with start_emulator(["--data-dir", str(data_dir)]) as first:
        data = data_client(first)
        for v in range(3):
            data.update_thing_shadow(thingName="kept", payload=json.dumps({"state": {"reported": {"v": v}}}))
        data.update_thing_shadow(thingName="kept", shadowName="cfg",
                                 payload=json.dumps({"state": {"desired": {"mode": "eco"}}}))
        before = json.loads(data.get_thing_shadow(thingName="kept")["payload"].read())
    with start_emulator(["--data-dir", str(data_dir)]) as second:
        data = data_client(second)
        after = json.loads(data.get_thing_shadow(thingName="kept")["payload"].read())
        assert (after["state"], after["metadata"], after["version"]) == \
            (before["state"], before["metadata"], 3)
        named = json.loads(data.get_thing_shadow(thingName="kept", shadowName="cfg")["payload"].read())
        assert named["state"] == {"desired": {"mode": "eco"}, "delta": {"mode": "eco"}}
        update = data.update_thing_shadow(thingName="kept", payload=json.dumps({"state": {}}))
        assert json.loads(update["payload"].read())["version"] == 4
