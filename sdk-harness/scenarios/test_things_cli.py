"""Thing lifecycle through the AWS CLI v1 (`python -m awscli iot ...`)."""

import json
import uuid

ACCOUNT = "000000000000"
REGION = "us-east-1"
# AWS CLI v1 exits 255 on any error, a service error included (254 is CLI v2's code
# for service errors); stderr tells which error it was.
SERVICE_ERROR_RC = 255


def ok(result):
    rc, out, err = result
    assert rc == 0, f"aws cli failed with {rc}: {err}"
    return out


def test_thing_lifecycle_via_cli(aws_cli, unique_name):
    name, batch = unique_name("cli"), uuid.uuid4().hex
    payload = json.dumps({"attributes": {"batch": batch, "color": "red"}})

    created = ok(aws_cli("iot", "create-thing", "--thing-name", name, "--attribute-payload", payload))
    assert created["thingName"] == name
    assert created["thingArn"] == f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/{name}"
    assert created["thingId"] != ""

    desc = ok(aws_cli("iot", "describe-thing", "--thing-name", name))
    assert desc["thingName"] == name
    assert desc["thingId"] == created["thingId"]
    assert desc["thingArn"] == created["thingArn"]
    assert desc["attributes"] == {"batch": batch, "color": "red"}
    assert desc["version"] == 1
    assert desc["defaultClientId"] == name

    listed = ok(aws_cli("iot", "list-things", "--attribute-name", "batch", "--attribute-value", batch))
    assert [t["thingName"] for t in listed["things"]] == [name]
    assert listed["things"][0]["version"] == 1

    update = json.dumps({"attributes": {"size": "xl"}, "merge": True})
    rc, out, err = aws_cli("iot", "update-thing", "--thing-name", name, "--attribute-payload", update)
    assert (rc, out) == (0, None), err  # UpdateThing has an empty response: nothing printed
    desc = ok(aws_cli("iot", "describe-thing", "--thing-name", name))
    assert desc["attributes"] == {"batch": batch, "color": "red", "size": "xl"}
    assert desc["version"] == 2

    rc, out, err = aws_cli("iot", "delete-thing", "--thing-name", name)
    assert (rc, out) == (0, None), err

    rc, out, err = aws_cli("iot", "describe-thing", "--thing-name", name)
    assert rc == SERVICE_ERROR_RC, (rc, out, err)
    assert out is None
    assert "An error occurred (ResourceNotFoundException) when calling the DescribeThing operation" in err


def test_cli_reports_version_conflict(aws_cli, unique_name):
    name = unique_name("cli")
    ok(aws_cli("iot", "create-thing", "--thing-name", name))
    rc, out, err = aws_cli("iot", "update-thing", "--thing-name", name, "--expected-version", "5",
                           "--attribute-payload", '{"attributes":{"a":"1"}}')
    assert rc == SERVICE_ERROR_RC, (rc, out, err)
    assert "An error occurred (VersionConflictException) when calling the UpdateThing operation" in err
    assert ok(aws_cli("iot", "describe-thing", "--thing-name", name))["version"] == 1


def test_cli_shorthand_attribute_payload(aws_cli, unique_name):
    name = unique_name("cli")
    ok(aws_cli("iot", "create-thing", "--thing-name", name,
               "--attribute-payload", "attributes={a=1,b=2}"))
    rc, _, err = aws_cli("iot", "update-thing", "--thing-name", name,
                         "--attribute-payload", "attributes={a=''},merge=true")
    assert rc == 0, err
    desc = ok(aws_cli("iot", "describe-thing", "--thing-name", name))
    assert desc["attributes"] == {"b": "2"}
    assert desc["version"] == 2
