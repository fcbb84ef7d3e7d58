"""State is keyed by (account, region): DESIGN.md D3.

A 12-digit access key is taken as the account id; any other key maps to the
default account (000000000000). The region is the SigV4 scope's region.
"""

import uuid

import pytest
from botocore.exceptions import ClientError

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
DEFAULT_ACCOUNT = "000000000000"


def _names_with(client, batch: str) -> list[str]:
    pages = client.get_paginator("list_things").paginate(attributeName="batch", attributeValue=batch)
    return sorted(t["thingName"] for p in pages for t in p["things"])


def test_thing_is_invisible_to_another_account(iot_client, unique_name, error_of):
    a = iot_client(access_key=ACCOUNT_A, region="us-east-1")
    b = iot_client(access_key=ACCOUNT_B, region="us-east-1")
    name, batch = unique_name(), uuid.uuid4().hex

    created = a.create_thing(thingName=name, attributePayload={"attributes": {"batch": batch}})
    assert created["thingArn"] == f"arn:aws:iot:us-east-1:{ACCOUNT_A}:thing/{name}"
    assert a.describe_thing(thingName=name)["thingArn"] == created["thingArn"]
    assert _names_with(a, batch) == [name]

    with pytest.raises(ClientError) as exc:
        b.describe_thing(thingName=name)
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)
    assert _names_with(b, batch) == []


def test_thing_is_invisible_in_another_region(iot_client, unique_name, error_of):
    east = iot_client(access_key=ACCOUNT_A, region="us-east-1")
    west = iot_client(access_key=ACCOUNT_A, region="eu-west-1")
    name, batch = unique_name(), uuid.uuid4().hex

    east.create_thing(thingName=name, attributePayload={"attributes": {"batch": batch}})
    with pytest.raises(ClientError) as exc:
        west.describe_thing(thingName=name)
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)
    assert _names_with(west, batch) == []
    assert _names_with(east, batch) == [name]


def test_arn_names_account_and_region(iot_client, unique_name):
    west = iot_client(access_key=ACCOUNT_A, region="eu-west-1")
    name = unique_name()
    created = west.create_thing(thingName=name)
    assert created["thingArn"] == f"arn:aws:iot:eu-west-1:{ACCOUNT_A}:thing/{name}"
    assert west.describe_thing(thingName=name)["thingArn"] == created["thingArn"]


def test_same_name_in_two_accounts_are_distinct_things(iot_client, unique_name, error_of):
    a = iot_client(access_key=ACCOUNT_A)
    b = iot_client(access_key=ACCOUNT_B)
    name = unique_name()

    ta = a.create_thing(thingName=name, attributePayload={"attributes": {"owner": "a"}})
    # Different attributes: would be ResourceAlreadyExists if the registries were shared.
    tb = b.create_thing(thingName=name, attributePayload={"attributes": {"owner": "b"}})
    assert tb["thingArn"] == f"arn:aws:iot:us-east-1:{ACCOUNT_B}:thing/{name}"
    assert ta["thingId"] != tb["thingId"]

    b.delete_thing(thingName=name)
    assert a.describe_thing(thingName=name)["attributes"] == {"owner": "a"}
    with pytest.raises(ClientError) as exc:
        b.describe_thing(thingName=name)
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)


def test_non_numeric_access_key_maps_to_default_account(iot_client, unique_name):
    other_key = iot_client(access_key="AKIAIOSFODNN7EXAMPLE")
    test_key = iot_client(access_key="test")
    name = unique_name()
    created = other_key.create_thing(thingName=name)
    assert created["thingArn"] == f"arn:aws:iot:us-east-1:{DEFAULT_ACCOUNT}:thing/{name}"
    assert test_key.describe_thing(thingName=name)["thingId"] == created["thingId"]
