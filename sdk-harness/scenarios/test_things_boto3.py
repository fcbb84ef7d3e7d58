"""Thing registry through boto3 (control plane, service "iot")."""

import uuid

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"  # default account: access key "test" is not 12 digits
REGION = "us-east-1"


def arn(name: str) -> str:
    return f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/{name}"


def all_things(iot, **filters) -> list[dict]:
    return [t for page in iot.get_paginator("list_things").paginate(**filters) for t in page["things"]]


def test_create_thing_returns_name_arn_and_id(iot, unique_name):
    name = unique_name()
    resp = iot.create_thing(thingName=name, attributePayload={"attributes": {"color": "red"}})
    assert resp["thingName"] == name
    assert resp["thingArn"] == arn(name)
    assert isinstance(resp["thingId"], str) and resp["thingId"] != ""
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_describe_thing_returns_registry_fields(iot, unique_name):
    name = unique_name()
    attrs = {"color": "red", "serial": "SN-0001", "model": "v2"}
    created = iot.create_thing(thingName=name, attributePayload={"attributes": attrs})
    desc = iot.describe_thing(thingName=name)
    assert desc["thingName"] == name
    assert desc["thingId"] == created["thingId"]
    assert desc["thingArn"] == arn(name)
    assert desc["attributes"] == attrs
    assert desc["version"] == 1
    assert desc["defaultClientId"] == name
    assert "thingTypeName" not in desc


def test_list_things_includes_created_thing(iot, unique_name):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"color": "blue"}})
    mine = [t for t in all_things(iot) if t["thingName"] == name]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["thingArn"] == arn(name)
    assert entry["attributes"] == {"color": "blue"}
    assert entry["version"] == 1


def test_list_things_attribute_filter_and_pagination(iot, unique_name):
    batch = uuid.uuid4().hex
    names = [unique_name(f"page{i}") for i in range(5)]
    for n in names:
        iot.create_thing(thingName=n, attributePayload={"attributes": {"batch": batch}})
    # A thing with another value of the same attribute must not match the filter.
    iot.create_thing(thingName=unique_name("other"),
                     attributePayload={"attributes": {"batch": batch + "x"}})

    pages = []
    kwargs = {"attributeName": "batch", "attributeValue": batch, "maxResults": 2}
    while True:
        resp = iot.list_things(**kwargs)
        pages.append([t["thingName"] for t in resp["things"]])
        token = resp.get("nextToken")
        if not token:
            break
        assert len(pages) < 10, f"pagination does not end: {pages}"
        kwargs["nextToken"] = token

    assert [len(p) for p in pages] == [2, 2, 1], pages
    seen = [n for p in pages for n in p]
    assert len(seen) == len(set(seen)), f"a thing was listed twice: {pages}"
    assert sorted(seen) == sorted(names)


def test_update_thing_merge_adds_attribute_and_keeps_others(iot, unique_name):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"a": "1", "b": "2"}})
    iot.update_thing(thingName=name, attributePayload={"attributes": {"c": "3"}, "merge": True})
    desc = iot.describe_thing(thingName=name)
    assert desc["attributes"] == {"a": "1", "b": "2", "c": "3"}
    assert desc["version"] == 2


def test_update_thing_merge_overwrites_existing_value(iot, unique_name):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"a": "1", "b": "2"}})
    iot.update_thing(thingName=name, attributePayload={"attributes": {"a": "9"}, "merge": True})
    assert iot.describe_thing(thingName=name)["attributes"] == {"a": "9", "b": "2"}


def test_update_thing_without_merge_replaces_attributes(iot, unique_name):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"a": "1", "b": "2"}})
    iot.update_thing(thingName=name, attributePayload={"attributes": {"c": "3"}})
    desc = iot.describe_thing(thingName=name)
    assert desc["attributes"] == {"c": "3"}
    assert desc["version"] == 2


def test_update_thing_merge_with_empty_value_removes_attribute(iot, unique_name):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"a": "1", "b": "2"}})
    iot.update_thing(thingName=name, attributePayload={"attributes": {"a": ""}, "merge": True})
    desc = iot.describe_thing(thingName=name)
    assert desc["attributes"] == {"b": "2"}
    assert desc["version"] == 2


def test_update_thing_version_increments_and_expected_version_is_checked(iot, unique_name, error_of):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"n": "0"}})
    assert iot.describe_thing(thingName=name)["version"] == 1

    for i in range(1, 4):
        iot.update_thing(thingName=name, attributePayload={"attributes": {"n": str(i)}, "merge": True})
        assert iot.describe_thing(thingName=name)["version"] == 1 + i

    # The right expectedVersion is accepted ...
    iot.update_thing(thingName=name, expectedVersion=4,
                     attributePayload={"attributes": {"n": "4"}, "merge": True})
    assert iot.describe_thing(thingName=name)["version"] == 5

    # ... a stale one is refused and changes nothing.
    with pytest.raises(ClientError) as exc:
        iot.update_thing(thingName=name, expectedVersion=4,
                         attributePayload={"attributes": {"n": "stale"}, "merge": True})
    code, status, _ = error_of(exc)
    assert (code, status) == ("VersionConflictException", 409)
    desc = iot.describe_thing(thingName=name)
    assert desc["version"] == 5
    assert desc["attributes"] == {"n": "4"}


def test_delete_thing_with_wrong_expected_version_conflicts(iot, unique_name, error_of):
    name = unique_name()
    iot.create_thing(thingName=name)
    with pytest.raises(ClientError) as exc:
        iot.delete_thing(thingName=name, expectedVersion=7)
    code, status, _ = error_of(exc)
    assert (code, status) == ("VersionConflictException", 409)
    assert iot.describe_thing(thingName=name)["thingName"] == name  # still there

    iot.delete_thing(thingName=name, expectedVersion=1)
    with pytest.raises(ClientError) as exc:
        iot.describe_thing(thingName=name)
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)


def test_delete_thing_then_describe_is_not_found(iot, unique_name, error_of):
    name = unique_name()
    iot.create_thing(thingName=name)
    resp = iot.delete_thing(thingName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as exc:
        iot.describe_thing(thingName=name)
    code, status, _ = error_of(exc)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert name not in [t["thingName"] for t in all_things(iot)]


def test_create_thing_with_invalid_name_is_invalid_request(iot, error_of):
    with pytest.raises(ClientError) as exc:
        iot.create_thing(thingName="bad name!")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidRequestException", 400)
    assert "failed to satisfy constraint" in message


def test_four_attributes_without_thing_type_is_invalid_request(iot, unique_name, error_of):
    name = unique_name()
    attrs = {"a": "1", "b": "2", "c": "3", "d": "4"}
    with pytest.raises(ClientError) as exc:
        iot.create_thing(thingName=name, attributePayload={"attributes": attrs})
    assert error_of(exc)[:2] == ("InvalidRequestException", 400)
    with pytest.raises(ClientError) as exc:
        iot.describe_thing(thingName=name)
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)


def test_update_to_four_attributes_without_thing_type_is_invalid_request(iot, unique_name, error_of):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"a": "1", "b": "2", "c": "3"}})
    with pytest.raises(ClientError) as exc:
        iot.update_thing(thingName=name, attributePayload={"attributes": {"d": "4"}, "merge": True})
    assert error_of(exc)[:2] == ("InvalidRequestException", 400)
    desc = iot.describe_thing(thingName=name)
    assert desc["attributes"] == {"a": "1", "b": "2", "c": "3"}
    assert desc["version"] == 1


def test_create_thing_twice_with_same_attributes_is_idempotent(iot, unique_name):
    name = unique_name()
    attrs = {"color": "red"}
    first = iot.create_thing(thingName=name, attributePayload={"attributes": attrs})
    second = iot.create_thing(thingName=name, attributePayload={"attributes": attrs})
    assert second["thingName"] == name
    assert second["thingId"] == first["thingId"]
    assert second["thingArn"] == first["thingArn"] == arn(name)
    assert iot.describe_thing(thingName=name)["version"] == 1


def test_create_thing_twice_with_different_attributes_already_exists(iot, unique_name, error_of):
    name = unique_name()
    iot.create_thing(thingName=name, attributePayload={"attributes": {"color": "red"}})
    with pytest.raises(ClientError) as exc:
        iot.create_thing(thingName=name, attributePayload={"attributes": {"color": "green"}})
    assert error_of(exc)[:2] == ("ResourceAlreadyExistsException", 409)
    assert iot.describe_thing(thingName=name)["attributes"] == {"color": "red"}


def test_unimplemented_operation_answers_not_implemented(iot, error_of):
    with pytest.raises(ClientError) as exc:
        iot.describe_account_audit_configuration()
    code, status, message = error_of(exc)
    assert (code, status) == ("NotImplemented", 501)
    assert "DescribeAccountAuditConfiguration" in message


def _request_id(metadata: dict) -> str:
    headers = {k.lower(): v for k, v in metadata["HTTPHeaders"].items()}
    assert "x-amzn-requestid" in headers, f"no x-amzn-RequestId header: {sorted(headers)}"
    rid = headers["x-amzn-requestid"]
    assert rid != ""
    assert metadata["RequestId"] == rid
    return rid


def test_every_response_carries_request_id(iot, unique_name):
    name = unique_name()
    metas = [
        iot.create_thing(thingName=name, attributePayload={"attributes": {"a": "1"}})["ResponseMetadata"],
        iot.describe_thing(thingName=name)["ResponseMetadata"],
        iot.list_things(maxResults=1)["ResponseMetadata"],
        iot.update_thing(thingName=name, attributePayload={"attributes": {"b": "2"}, "merge": True})["ResponseMetadata"],
        iot.delete_thing(thingName=name)["ResponseMetadata"],
    ]
    for call in (
        lambda: iot.describe_thing(thingName=name),  # 404
        lambda: iot.create_thing(thingName="bad name!"),  # 400
        lambda: iot.describe_account_audit_configuration(),  # 501
    ):
        with pytest.raises(ClientError) as exc:
            call()
        metas.append(exc.value.response["ResponseMetadata"])

    ids = [_request_id(m) for m in metas]
    assert len(set(ids)) == len(ids), f"request ids are not unique: {ids}"
