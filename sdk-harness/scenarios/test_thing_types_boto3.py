"""Thing types and tags through boto3 (control plane)."""

import datetime

import pytest
from botocore.exceptions import ClientError


def test_thing_type_lifecycle(start_emulator, make_iot_client, unique_name):
    with start_emulator(["--thing-type-delete-delay-seconds", "0"]) as emu:
        iot = make_iot_client(emu.http_url, access_key="123456789012", region="us-west-2")
        name = unique_name()
        created = iot.create_thing_type(
            thingTypeName=name,
            thingTypeProperties={"thingTypeDescription": "light bulb type",
                                 "searchableAttributes": ["wattage", "model"]},
            tags=[{"Key": "team", "Value": "lighting"}],
        )
        arn = f"arn:aws:iot:us-west-2:123456789012:thingtype/{name}"
        assert created["thingTypeArn"] == arn
        desc = iot.describe_thing_type(thingTypeName=name)
        assert desc["thingTypeProperties"] == {"thingTypeDescription": "light bulb type",
                                               "searchableAttributes": ["wattage", "model"]}
        created_at = desc["thingTypeMetadata"]["creationDate"]
        assert isinstance(created_at, datetime.datetime)
        now = datetime.datetime.now(datetime.timezone.utc)
        assert abs((now - created_at).total_seconds()) < 60, "creationDate is epoch seconds"
        assert desc["thingTypeMetadata"]["deprecated"] is False
        assert [t["thingTypeName"] for t in iot.list_thing_types()["thingTypes"]] == [name]
        assert iot.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "team", "Value": "lighting"}]

        iot.create_thing(thingName="bulb", thingTypeName=name,
                         attributePayload={"attributes": {f"a{i}": "v" for i in range(10)}})
        assert [t["thingName"] for t in iot.list_things(thingTypeName=name)["things"]] == ["bulb"]

        iot.deprecate_thing_type(thingTypeName=name)
        with pytest.raises(ClientError) as e:
            iot.create_thing(thingName="late", thingTypeName=name)
        assert e.value.response["Error"]["Code"] == "InvalidRequestException"
        with pytest.raises(ClientError) as e:
            iot.delete_thing_type(thingTypeName=name)
        assert e.value.response["Error"]["Code"] == "InvalidRequestException"
        iot.delete_thing(thingName="bulb")
        iot.delete_thing_type(thingTypeName=name)
        with pytest.raises(ClientError) as e:
            iot.describe_thing_type(thingTypeName=name)
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
