"""VPC peering connections between accounts and regions: lifecycle, errors, filters, authorization."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.ec2 import peering_plans
from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import aws_error, new_account_id, root_client

NOT_FOUND = "InvalidVpcPeeringConnectionID.NotFound"
FAILED = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"


@pytest.fixture
def two(make_client: Any) -> tuple[Any, Any, str, str]:
    """Two fresh accounts' EC2 clients in us-east-1, and their ids."""
    a, b = new_account_id(), new_account_id()
    return make_client("ec2", a), make_client("ec2", b), a, b


def _vpc(ec2: Any, cidr: str) -> str:
    return str(ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])


def _get(ec2: Any, pcx: str) -> dict[str, Any]:
    return dict(
        ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    )


def _status(ec2: Any, pcx: str) -> tuple[str, str]:
    status = _get(ec2, pcx)["Status"]
    return status["Code"], status["Message"]


def _tags(item: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}


def _request(a: Any, vpc: str, peer_vpc: str, owner: str, **extra: Any) -> str:
    reply = a.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer_vpc, PeerOwnerId=owner, **extra)
    return str(reply["VpcPeeringConnection"]["VpcPeeringConnectionId"])


def test_cross_account_peering_from_request_to_deletion(two):
    a, b, owner, peer = two
    vpc, peer_vpc = _vpc(a, "10.0.0.0/16"), _vpc(b, "10.1.0.0/16")
    created = a.create_vpc_peering_connection(
        VpcId=vpc,
        PeerVpcId=peer_vpc,
        PeerOwnerId=peer,
        TagSpecifications=[
            {"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "side", "Value": "requester"}]}
        ],
    )["VpcPeeringConnection"]
    pcx = created["VpcPeeringConnectionId"]
    assert pcx.startswith("pcx-") and created["Status"] == {
        "Code": "initiating-request",
        "Message": f"Initiating Request to {peer}",
    }
    assert created["RequesterVpcInfo"]["CidrBlock"] == "10.0.0.0/16" and created["ExpirationTime"]
    assert created["AccepterVpcInfo"] == {"OwnerId": peer, "VpcId": peer_vpc, "Region": "us-east-1"}
    assert _status(a, pcx) == ("pending-acceptance", f"Pending Acceptance by {peer}")
    # The accepter sees the same connection, without the requester's tags; its own tags are its own.
    seen = _get(b, pcx)
    assert seen["Status"]["Code"] == "pending-acceptance" and "Tags" not in seen
    assert seen["RequesterVpcInfo"]["OwnerId"] == owner and "CidrBlock" not in seen["AccepterVpcInfo"]
    b.create_tags(Resources=[pcx], Tags=[{"Key": "side", "Value": "accepter"}])
    assert _tags(_get(a, pcx)) == {"side": "requester"} and _tags(_get(b, pcx)) == {"side": "accepter"}
    tags = b.describe_tags(Filters=[{"Name": "resource-id", "Values": [pcx]}])["Tags"]
    assert tags == [
        {"ResourceId": pcx, "ResourceType": "vpc-peering-connection", "Key": "side", "Value": "accepter"}
    ]
    # A third account sees nothing.
    with aws_error(NOT_FOUND, 400, f"The vpcPeeringConnection ID '{pcx}' does not exist"):
        _get(root_client_like(a, new_account_id()), pcx)

    accepted = b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)["VpcPeeringConnection"]
    assert accepted["Status"] == {"Code": "provisioning", "Message": "Provisioning"}
    active = _get(a, pcx)
    assert active["Status"] == {"Code": "active", "Message": "Active"} and "ExpirationTime" not in active
    assert active["AccepterVpcInfo"]["CidrBlockSet"] == [{"CidrBlock": "10.1.0.0/16"}]
    assert active["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False

    # Each side sets its own options.
    reply = b.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True}
    )
    assert reply["AccepterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    a.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    both = _get(b, pcx)
    assert both["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert both["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    with aws_error("OperationNotPermitted", 400, f"cannot modify accepter peering options of {pcx}"):
        a.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=pcx,
            AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": False},
        )

    # An active peering keeps both VPCs; either side deletes it.
    for ec2, vpc_id in ((a, vpc), (b, peer_vpc)):
        with aws_error(
            "DependencyViolation", 400, f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
        ):
            ec2.delete_vpc(VpcId=vpc_id)
    assert b.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)["Return"] is True
    assert _status(a, pcx) == ("deleted", f"Deleted by {peer}")
    a.delete_vpc(VpcId=vpc)
    b.delete_vpc(VpcId=peer_vpc)
    assert _status(b, pcx)[0] == "deleted"  # still visible for a while


def root_client_like(client: Any, account: str) -> Any:
    """Another account's root client on the same server and region as `client`."""
    return root_client(client.meta.endpoint_url, "ec2", account, client.meta.region_name)


def test_cross_region_peering_is_accepted_in_the_accepter_region(make_client, account_id):
    east = make_client("ec2", account_id)
    west = make_client("ec2", account_id, region="us-west-2")
    vpc, peer_vpc = _vpc(east, "10.0.0.0/16"), _vpc(west, "10.1.0.0/16")
    pcx = _request(east, vpc, peer_vpc, account_id, PeerRegion="us-west-2")
    assert _get(west, pcx)["AccepterVpcInfo"]["Region"] == "us-west-2"
    assert _get(west, pcx)["RequesterVpcInfo"]["Region"] == "us-east-1"
    with aws_error("OperationNotPermitted", 400, "must be accepted in region us-west-2"):
        east.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    west.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _status(east, pcx)[0] == "active"
    # Tags are per region too.
    west.create_tags(Resources=[pcx], Tags=[{"Key": "region", "Value": "west"}])
    assert "Tags" not in _get(east, pcx)
    east.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _status(west, pcx) == ("deleted", f"Deleted by {account_id}")  # after deleting, between regions


def test_requests_that_cannot_be_peered_fail(two):
    a, b, _, peer = two
    vpc = _vpc(a, "10.0.0.0/16")
    overlapping = _request(a, vpc, _vpc(b, "10.0.128.0/17"), peer)
    missing = _request(a, vpc, "vpc-0123456789abcdef0", peer)
    elsewhere = _request(a, vpc, _vpc(b, "10.2.0.0/16"), new_account_id())  # not that owner's VPC
    for pcx in (overlapping, missing, elsewhere):
        assert _status(a, pcx) == ("failed", FAILED)
        with aws_error("InvalidStateTransition", 400, "attempted to transition from failed to deleted"):
            a.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    with aws_error(NOT_FOUND, 400):  # the accepter never sees a failed request
        _get(b, overlapping)
    a.delete_vpc(VpcId=vpc)  # failed connections hold nothing


def test_who_may_do_what_in_which_state(two):
    a, b, owner, peer = two
    vpc, peer_vpc = _vpc(a, "10.0.0.0/16"), _vpc(b, "10.1.0.0/16")
    pcx = _request(a, vpc, peer_vpc, peer)
    _get(a, pcx)
    with aws_error("OperationNotPermitted", 400, f"cannot accept peering {pcx}"):
        a.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    with aws_error("OperationNotPermitted", 400, f"cannot reject peering {pcx}"):
        a.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    with aws_error("OperationNotPermitted", 400, f"cannot delete peering {pcx} in state pending-acceptance"):
        b.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    with aws_error("OperationNotPermitted", 400, "Peering options can be added only to active peerings."):
        a.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=pcx,
            RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        )
    with aws_error(
        "MissingParameter", 400, "AccepterPeeringConnectionOptions or RequesterPeeringConnectionOptions"
    ):
        a.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx)
    # A pending request from another account keeps the accepter's VPC.
    with aws_error("DependencyViolation", 400):
        b.delete_vpc(VpcId=peer_vpc)
    assert b.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx)["Return"] is True
    assert _status(a, pcx) == ("rejected", f"Rejected by {peer}")
    for action in (b.accept_vpc_peering_connection, b.reject_vpc_peering_connection):
        with aws_error("InvalidStateTransition", 400, "attempted to transition from rejected"):
            action(VpcPeeringConnectionId=pcx)
    with aws_error("InvalidStateTransition", 400):
        a.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    # The requester may withdraw its own pending request.
    again = _request(a, vpc, peer_vpc, peer)
    _get(a, again)
    a.delete_vpc_peering_connection(VpcPeeringConnectionId=again)
    assert _status(b, again) == ("deleted", f"Deleted by {owner}")
    # Deleting the requester's VPC withdraws its waiting request.
    third = _request(a, vpc, peer_vpc, peer)
    _get(b, third)
    a.delete_vpc(VpcId=vpc)
    assert _status(b, third) == ("deleted", f"Deleted by {owner}")


@pytest.mark.parametrize(
    "params, code, message",
    [
        (
            {"VpcId": "vpc-0123456789abcdef0", "PeerVpcId": "vpc-1"},
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-0123456789abcdef0' does not exist",
        ),
        ({}, "MissingParameter", "The request must contain the parameter peerVpcId"),
        (
            {"PeerVpcId": "vpc-1", "PeerRegion": "mars-east-1"},
            "InvalidParameterValue",
            "Value (mars-east-1) for parameter peerRegion is invalid.",
        ),
        (
            {"PeerVpcId": "SELF"},
            "InvalidParameterValue",
            "The requester VPC and the accepter VPC are the same",
        ),
        (
            {
                "PeerVpcId": "vpc-1",
                "TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}],
            },
            "InvalidParameterValue",
            "'vpc' is not a valid taggable resource type for this operation.",
        ),
    ],
)
def test_create_refuses(ec2, params, code, message):
    vpc = _vpc(ec2, "10.0.0.0/16")
    request = {"VpcId": vpc, **params}
    if request.get("PeerVpcId") == "SELF":
        request["PeerVpcId"] = vpc
    with aws_error(code, 400, message):
        ec2.create_vpc_peering_connection(**request)


def test_one_live_connection_between_two_vpcs(ec2, account_id):
    vpc, other = _vpc(ec2, "10.0.0.0/16"), _vpc(ec2, "10.1.0.0/16")
    pcx = _request(ec2, vpc, other, account_id)
    for one, two in ((vpc, other), (other, vpc)):
        with aws_error("VpcPeeringConnectionAlreadyExists", 400, pcx):
            _request(ec2, one, two, account_id)
    # Within one account-region the owner both requests and accepts.
    _get(ec2, pcx)
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _status(ec2, pcx)[0] == "active"
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    _request(ec2, other, vpc, account_id)  # a deleted one no longer counts


@pytest.mark.parametrize(
    "call",
    [
        lambda ec2, pcx: ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx),
        lambda ec2, pcx: ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx),
        lambda ec2, pcx: ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx),
        lambda ec2, pcx: ec2.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=pcx,
            RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        ),
        lambda ec2, pcx: ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx]),
    ],
)
def test_unknown_and_malformed_ids(ec2, call):
    with aws_error(NOT_FOUND, 400, "The vpcPeeringConnection ID 'pcx-0123456789abcdef0' does not exist"):
        call(ec2, "pcx-0123456789abcdef0")
    with aws_error(
        "InvalidVpcPeeringConnectionId.Malformed", 400, 'Invalid id: "vpc-1" (expecting "pcx-...")'
    ):
        call(ec2, "vpc-1")


def test_describe_filters_and_pages(two):
    a, b, owner, peer = two
    vpc = _vpc(a, "10.0.0.0/16")
    peers = [_vpc(b, f"10.{n}.0.0/16") for n in (1, 2, 3)]
    ids = [
        _request(
            a,
            vpc,
            p,
            peer,
            TagSpecifications=[
                {"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "n", "Value": str(n)}]}
            ],
        )
        for n, p in enumerate(peers)
    ]
    b.accept_vpc_peering_connection(VpcPeeringConnectionId=ids[0])
    b.reject_vpc_peering_connection(VpcPeeringConnectionId=ids[1])
    expiry = _get(a, ids[2])["ExpirationTime"].strftime("%Y-%m-%dT%H:%M:%S")

    def found(ec2: Any, name: str, *values: str) -> set[str]:
        reply = ec2.describe_vpc_peering_connections(Filters=[{"Name": name, "Values": list(values)}])
        return {c["VpcPeeringConnectionId"] for c in reply["VpcPeeringConnections"]}

    assert found(a, "vpc-peering-connection-id", ids[1]) == {ids[1]}
    assert found(a, "status-code", "active") == {ids[0]} == found(b, "status-code", "active")
    assert found(a, "status-message", "Rejected by*") == {ids[1]}
    assert found(a, "requester-vpc-info.vpc-id", vpc) == set(ids)
    assert found(b, "requester-vpc-info.owner-id", owner) == set(ids)
    assert found(b, "requester-vpc-info.cidr-block", "10.0.0.0/16") == set(ids)
    assert found(a, "accepter-vpc-info.vpc-id", peers[2]) == {ids[2]}
    assert found(a, "accepter-vpc-info.owner-id", peer) == set(ids)
    assert found(a, "accepter-vpc-info.cidr-block", "10.1.0.0/16") == {ids[0]}  # shown once accepted
    assert found(a, "accepter-vpc-info.cidr-block", "10.3.0.0/16") == set()
    assert found(a, "expiration-time", f"{expiry}*") == {ids[2]}
    assert found(a, "tag:n", "2") == {ids[2]} and found(a, "tag-key", "n") == set(ids)
    assert found(a, "tag-value", "0", "1") == {ids[0], ids[1]} and found(b, "tag-key", "n") == set()
    with aws_error("InvalidParameterValue", 400, "The filter 'vpc-id' is invalid"):
        found(a, "vpc-id", vpc)
    first = a.describe_vpc_peering_connections(MaxResults=5)
    assert len(first["VpcPeeringConnections"]) == 3 and "NextToken" not in first
    # Six connections in all: pages of 5.
    more = [_request(a, vpc, _vpc(b, f"10.{n}.0.0/16"), peer) for n in (4,)]
    more += [_request(a, _vpc(a, f"10.{n}.0.0/16"), peers[0], peer) for n in (5, 6)]
    page = a.describe_vpc_peering_connections(MaxResults=5)
    rest = a.describe_vpc_peering_connections(MaxResults=5, NextToken=page["NextToken"])
    listed = [
        c["VpcPeeringConnectionId"] for c in page["VpcPeeringConnections"] + rest["VpcPeeringConnections"]
    ]
    assert sorted(listed) == sorted(ids + more)


def test_dry_run_and_authorization_in_the_accepter_account(two, make_client):
    a, b, owner, peer = two
    vpc, peer_vpc = _vpc(a, "10.0.0.0/16"), _vpc(b, "10.1.0.0/16")
    with aws_error("DryRunOperation", 412):
        a.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer_vpc, PeerOwnerId=peer, DryRun=True)
    pcx = _request(a, vpc, peer_vpc, peer)
    _get(b, pcx)
    iam = make_client("iam", peer)

    def user(name: str, condition: dict[str, Any]) -> Any:
        statements = [
            {
                "Effect": "Allow",
                "Action": "ec2:AcceptVpcPeeringConnection",
                "Resource": f"arn:aws:ec2:us-east-1:{peer}:vpc/*",
            },
            {
                "Effect": "Allow",
                "Action": "ec2:AcceptVpcPeeringConnection",
                "Resource": f"arn:aws:ec2:us-east-1:{peer}:vpc-peering-connection/*",
                "Condition": condition,
            },
        ]
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])

    # The VPC Peering Guide's example: accept only requests from a known account's VPCs.
    stranger = user("stranger", {"ArnLike": {"ec2:RequesterVpc": "arn:aws:ec2:us-east-1:999999999999:vpc/*"}})
    with aws_error("UnauthorizedOperation", 403):
        stranger.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    known = user(
        "known",
        {
            "ArnLike": {"ec2:RequesterVpc": f"arn:aws:ec2:us-east-1:{owner}:vpc/*"},
            "ArnEquals": {"ec2:AccepterVpc": f"arn:aws:ec2:us-east-1:{peer}:vpc/{peer_vpc}"},
            "StringEquals": {"ec2:VpcPeeringConnectionID": pcx},
        },
    )
    with aws_error("DryRunOperation", 412):
        known.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx, DryRun=True)
    assert _status(b, pcx)[0] == "pending-acceptance"
    known.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _status(a, pcx)[0] == "active"


@given(
    vpc=st.sampled_from(["", "vpc-", "vpc-0", "x" * 300, "\u0000"]),
    peer=st.one_of(st.none(), st.text(max_size=30)),
    owner=st.one_of(st.none(), st.text(max_size=20), st.from_regex(r"\d{12}", fullmatch=True)),
    region=st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["us-west-2", "eu-west-1"])),
    pcx=st.text(max_size=40),
)
def test_random_requests_are_answered_with_4xx(ec2, vpc, peer, owner, region, pcx):
    params = {"VpcId": vpc, "PeerVpcId": peer, "PeerOwnerId": owner, "PeerRegion": region}
    calls = [
        lambda: ec2.create_vpc_peering_connection(**{k: v for k, v in params.items() if v is not None}),
        lambda: ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx),
        lambda: ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx),
        lambda: ec2.describe_vpc_peering_connections(
            Filters=[{"Name": "expiration-time", "Values": [pcx]}],
            VpcPeeringConnectionIds=[pcx] if pcx else [],
        ),
    ]
    for call in calls:
        try:
            call()
        except Exception as error:  # noqa: BLE001 - botocore's ClientError or its parameter validation
            response = getattr(error, "response", None)
            if response is not None:
                assert response["ResponseMetadata"]["HTTPStatusCode"] < 500, response


# Time: a server of its own, whose clock the tests move by days --------------------------------


@pytest.fixture(scope="module")
def private() -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def _advance(server: Server, seconds: float) -> None:
    requests.post(
        f"{server.api_url}/_ec2sim/clock", json={"advance_seconds": seconds}, timeout=5
    ).raise_for_status()


def test_expiry_and_how_long_ended_connections_stay_visible(private):
    owner, peer = new_account_id(), new_account_id()
    a = root_client(private.api_url, "ec2", owner)
    b = root_client(private.api_url, "ec2", peer)
    vpc, peer_vpcs = _vpc(a, "10.0.0.0/16"), [_vpc(b, f"10.{n}.0.0/16") for n in (1, 2, 3)]
    expiring, rejected, deleted = (_request(a, vpc, p, peer) for p in peer_vpcs)
    b.reject_vpc_peering_connection(VpcPeeringConnectionId=rejected)
    b.accept_vpc_peering_connection(VpcPeeringConnectionId=deleted)
    _get(a, deleted)
    a.delete_vpc_peering_connection(VpcPeeringConnectionId=deleted)
    failed = _request(a, vpc, "vpc-0123456789abcdef0", peer)
    _get(a, failed)
    _advance(private, 2 * 3600 + 1)
    # After 2 hours: the accepter no longer sees the rejection, nor the requester its own deletion
    # or its failed request; the other sides still do.
    for ec2, pcx in ((b, rejected), (a, deleted), (a, failed)):
        with aws_error(NOT_FOUND, 400):
            _get(ec2, pcx)
    assert _status(a, rejected)[0] == "rejected" and _status(b, deleted)[0] == "deleted"
    with aws_error(NOT_FOUND, 400):
        b.accept_vpc_peering_connection(VpcPeeringConnectionId=rejected)
    _advance(private, 7 * 86400)
    for ec2 in (a, b):
        assert _status(ec2, expiring) == ("expired", "Expired")
        with aws_error(NOT_FOUND, 400):
            _get(ec2, rejected if ec2 is a else deleted)
    with aws_error("InvalidStateTransition", 400, "from expired"):
        b.accept_vpc_peering_connection(VpcPeeringConnectionId=expiring)
    a.delete_vpc(VpcId=vpc)  # nothing live holds it
    _advance(private, 2 * 86400 + 1)
    for ec2 in (a, b):
        assert ec2.describe_vpc_peering_connections()["VpcPeeringConnections"] == []
    assert private.store.peerings.get(expiring) is None  # forgotten server-wide


def test_security_groups_may_reference_groups_of_peered_vpcs(two):
    a, b, owner, peer = two
    vpc, own_other, peer_vpc = _vpc(a, "10.0.0.0/16"), _vpc(a, "10.5.0.0/16"), _vpc(b, "10.1.0.0/16")

    def group(ec2: Any, vpc_id: str) -> str:
        return str(ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc_id)["GroupId"])

    web, neighbour, remote = group(a, vpc), group(a, own_other), group(b, peer_vpc)

    def reference(group_id: str, user: str) -> None:
        pair = {"GroupId": group_id, "UserId": user}
        a.authorize_security_group_ingress(
            GroupId=web,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [pair]}],
        )

    for group_id, user in ((neighbour, owner), (remote, peer)):
        with aws_error(
            "InvalidGroup.NotFound",
            400,
            "You have specified two resources that belong to different networks.",
        ):
            reference(group_id, user)
    pending = _request(a, vpc, peer_vpc, peer)
    _get(b, pending)
    with aws_error("InvalidGroup.NotFound", 400):  # not before it is active
        reference(remote, peer)
    b.accept_vpc_peering_connection(VpcPeeringConnectionId=pending)
    local = _request(a, vpc, own_other, owner)
    _get(a, local)
    a.accept_vpc_peering_connection(VpcPeeringConnectionId=local)
    _get(a, local)
    reference(remote, peer)
    reference(neighbour, owner)
    referenced = {
        p["GroupId"]
        for p in a.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]["IpPermissions"][0][
            "UserIdGroupPairs"
        ]
    }
    assert referenced == {remote, neighbour}


def test_quotas_on_waiting_requests_and_active_connections(two, monkeypatch):
    """The quotas (25 waiting requests per account-region, 50 active per VPC), lowered here."""
    monkeypatch.setattr(peering_plans, "MAX_OUTSTANDING", 2)
    monkeypatch.setattr(peering_plans, "MAX_ACTIVE", 1)
    a, b, _, peer = two
    vpc = _vpc(a, "10.0.0.0/16")
    peers = [_vpc(b, f"10.{n}.0.0/16") for n in (1, 2, 3)]
    first, second = (_request(a, vpc, p, peer) for p in peers[:2])
    with aws_error("OutstandingVpcPeeringConnectionLimitExceeded", 400, "VPC peering connection requests"):
        _request(a, vpc, peers[2], peer)
    _get(b, first)
    b.accept_vpc_peering_connection(VpcPeeringConnectionId=first)
    with aws_error("ActiveVpcPeeringConnectionPerVpcLimitExceeded", 400, f"for the specified VPC: {vpc}"):
        b.accept_vpc_peering_connection(VpcPeeringConnectionId=second)
    _request(a, vpc, peers[2], peer)  # one request waits again


def test_routes_through_a_peering_connection(two):
    """A route's peering connection must exist with the table's VPC as a side; the route is a
    blackhole until the connection is active, and again once it is deleted."""
    a, b, owner, peer = two
    vpc, peer_vpc, stranger = _vpc(a, "10.0.0.0/16"), _vpc(b, "10.1.0.0/16"), _vpc(a, "10.2.0.0/16")
    pcx = _request(a, vpc, peer_vpc, peer)
    table = a.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    other_table = a.create_route_table(VpcId=stranger)["RouteTable"]["RouteTableId"]

    def state() -> str:
        routes = a.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        return str(next(r["State"] for r in routes if r.get("VpcPeeringConnectionId") == pcx))

    for rtb, target in ((table, "pcx-0123456789abcdef0"), (other_table, pcx)):
        with aws_error(NOT_FOUND, 400, f"The vpcPeeringConnection ID '{target}' does not exist"):
            a.create_route(
                RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=target
            )
    a.create_route(RouteTableId=table, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    assert state() == "blackhole"  # pending acceptance
    b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _status(a, pcx)[0] == "active" and state() == "active"
    # The accepter routes back through it from its own VPC.
    back = b.create_route_table(VpcId=peer_vpc)["RouteTable"]["RouteTableId"]
    b.create_route(RouteTableId=back, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    a.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert state() == "blackhole"
    with aws_error(NOT_FOUND, 400):
        a.replace_route(RouteTableId=table, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
