"""Managed prefix lists: create, modify (entries, size, name, versions), restore, delete,
describe, entries and associations; the AWS-managed lists; DescribePrefixLists."""

from __future__ import annotations

import ipaddress

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import aws_error

CLOUDFRONT = "com.amazonaws.global.cloudfront.origin-facing"


def _create(ec2, name="corp", max_entries=5, entries=(("10.0.0.0/16", "office"),), **more):
    return ec2.create_managed_prefix_list(
        PrefixListName=name,
        MaxEntries=max_entries,
        AddressFamily=more.pop("AddressFamily", "IPv4"),
        Entries=[{"Cidr": c, "Description": d} for c, d in entries],
        **more,
    )["PrefixList"]


def _entries(ec2, prefix_list_id, **more):
    return ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id, **more)["Entries"]


def test_create_describe_and_entries(ec2, account_id):
    created = _create(
        ec2,
        entries=(("10.0.0.0/16", "office"), ("192.168.1.7/24", "vpn")),
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "team", "Value": "net"}]}],
    )
    plid = created["PrefixListId"]
    assert plid.startswith("pl-")
    assert created["State"] == "create-complete" and created["Version"] == 1
    assert created["OwnerId"] == account_id and created["MaxEntries"] == 5
    assert created["AddressFamily"] == "IPv4" and created["PrefixListName"] == "corp"
    assert created["PrefixListArn"] == f"arn:aws:ec2:us-east-1:{account_id}:prefix-list/{plid}"
    assert created["Tags"] == [{"Key": "team", "Value": "net"}]
    # Entries are canonical (host bits cleared).
    assert _entries(ec2, plid) == [
        {"Cidr": "10.0.0.0/16", "Description": "office"},
        {"Cidr": "192.168.1.0/24", "Description": "vpn"},
    ]
    [described] = ec2.describe_managed_prefix_lists(PrefixListIds=[plid])["PrefixLists"]
    assert described == created
    # Tags work through the generic tag calls too.
    ec2.create_tags(Resources=[plid], Tags=[{"Key": "env", "Value": "prod"}])
    tagged = ec2.describe_managed_prefix_lists(Filters=[{"Name": "tag:env", "Values": ["prod"]}])
    assert [p["PrefixListId"] for p in tagged["PrefixLists"]] == [plid]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [plid]}])["Tags"]
    assert {t["ResourceType"] for t in tags} == {"prefix-list"}


def test_describe_filters_and_pagination(ec2, account_id):
    ours = [_create(ec2, name=f"list-{i}")["PrefixListId"] for i in range(3)]

    def ids(**params):
        return [p["PrefixListId"] for p in ec2.describe_managed_prefix_lists(**params)["PrefixLists"]]

    mine = ids(Filters=[{"Name": "owner-id", "Values": [account_id]}])
    assert mine == ours
    aws = ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])["PrefixLists"]
    names = {p["PrefixListName"] for p in aws}
    assert {CLOUDFRONT, "com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb"} <= names
    assert all(p["PrefixListArn"].startswith("arn:aws:ec2:us-east-1:aws:prefix-list/pl-") for p in aws)
    assert ids(Filters=[{"Name": "prefix-list-name", "Values": ["list-1"]}]) == [ours[1]]
    assert ids(Filters=[{"Name": "prefix-list-name", "Values": ["list-*"]}]) == ours
    assert ids(Filters=[{"Name": "prefix-list-id", "Values": [ours[2]]}]) == [ours[2]]
    # Pagination over everything visible.
    seen, token = [], None
    while True:
        page = ec2.describe_managed_prefix_lists(MaxResults=2, **({"NextToken": token} if token else {}))
        seen += [p["PrefixListId"] for p in page["PrefixLists"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ids() and len(seen) == len(set(seen)) > 3
    with aws_error("InvalidParameterValue", 400, "Expecting a value between 1 and 100"):
        ec2.describe_managed_prefix_lists(MaxResults=101)
    with aws_error("InvalidParameterValue", 400, "The filter 'state' is invalid"):
        ec2.describe_managed_prefix_lists(Filters=[{"Name": "state", "Values": ["x"]}])
    with aws_error(
        "InvalidPrefixListID.NotFound", 400, "The prefix list ID 'pl-0123456789abcdef0' does not exist"
    ):
        ec2.describe_managed_prefix_lists(PrefixListIds=["pl-0123456789abcdef0"])
    with aws_error("InvalidPrefixListId.Malformed", 400, 'Invalid id: "sg-1"'):
        ec2.describe_managed_prefix_lists(PrefixListIds=["sg-1"])


def test_create_errors(ec2):
    cases = [
        (
            {"PrefixListName": "com.amazonaws.mine"},
            "InvalidParameterValue",
            "cannot start with com.amazonaws",
        ),
        ({"PrefixListName": "x" * 256}, "InvalidParameterValue", "PrefixListName"),
        ({"MaxEntries": 0}, "InvalidParameterValue", "Must specify a max size between 1 and 1000"),
        ({"MaxEntries": 1001}, "InvalidParameterValue", "Must specify a max size between 1 and 1000"),
        (
            {"MaxEntries": 200, "Entries": [{"Cidr": f"10.{i}.0.0/16"} for i in range(101)]},
            "InvalidParameterValue",
            "The number of entries per request cannot exceeds limit (100).",
        ),
        ({"AddressFamily": "IPv5"}, "InvalidParameterValue", "parameter AddressFamily"),
        ({"Entries": [{"Cidr": "2001:db8::/32"}]}, "InvalidParameterValue", "not a valid IPv4 CIDR"),
        ({"Entries": [{"Cidr": "10.0.0.0"}]}, "InvalidParameterValue", "parameter Cidr"),
        (
            {"Entries": [{"Cidr": "10.0.0.0/8"}, {"Cidr": "10.1.0.0/8"}]},
            "InvalidParameterValue",
            "more than once",
        ),
        (
            {"Entries": [{"Cidr": "10.0.0.0/8", "Description": "d" * 256}]},
            "InvalidParameterValue",
            "Description",
        ),
        (
            {"MaxEntries": 1, "Entries": [{"Cidr": "10.0.0.0/8"}, {"Cidr": "11.0.0.0/8"}]},
            "PrefixListMaxEntriesExceeded",
            "exceeds MaxEntries (1)",
        ),
        (
            {"TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}]},
            "InvalidParameterValue",
            "'vpc' is not a valid taggable resource type",
        ),
    ]
    base = {"PrefixListName": "ok", "MaxEntries": 2, "AddressFamily": "IPv4"}
    for change, code, message in cases:
        with aws_error(code, 400, message):
            ec2.create_managed_prefix_list(**{**base, **change})
    assert ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])
    with aws_error("DryRunOperation", 412):
        ec2.create_managed_prefix_list(**base, DryRun=True)
    assert not [p for p in ec2.describe_managed_prefix_lists()["PrefixLists"] if p["OwnerId"] != "AWS"]


def test_create_is_idempotent_with_a_client_token(ec2):
    first = _create(ec2, ClientToken="token-1")
    assert _create(ec2, ClientToken="token-1") == first
    with aws_error("IdempotentParameterMismatch", 400):
        _create(ec2, name="other", ClientToken="token-1")


def test_modify_versions_and_restore(ec2):
    plid = _create(ec2)["PrefixListId"]
    changed = ec2.modify_managed_prefix_list(
        PrefixListId=plid,
        CurrentVersion=1,
        AddEntries=[{"Cidr": "172.16.0.0/12", "Description": "lab"}],
        RemoveEntries=[{"Cidr": "10.0.0.0/16"}],
    )["PrefixList"]
    assert changed["Version"] == 2 and changed["State"] == "modify-complete"
    assert _entries(ec2, plid) == [{"Cidr": "172.16.0.0/12", "Description": "lab"}]
    assert _entries(ec2, plid, TargetVersion=1) == [{"Cidr": "10.0.0.0/16", "Description": "office"}]
    # A rename or a resize is no new version.
    renamed = ec2.modify_managed_prefix_list(PrefixListId=plid, PrefixListName="renamed", MaxEntries=8)
    assert renamed["PrefixList"]["Version"] == 2
    assert renamed["PrefixList"]["PrefixListName"] == "renamed" and renamed["PrefixList"]["MaxEntries"] == 8
    with aws_error("PrefixListVersionMismatch", 400, "The prefix list has the incorrect version number."):
        ec2.modify_managed_prefix_list(
            PrefixListId=plid, CurrentVersion=1, AddEntries=[{"Cidr": "1.0.0.0/8"}]
        )
    restored = ec2.restore_managed_prefix_list_version(PrefixListId=plid, PreviousVersion=1, CurrentVersion=2)
    assert restored["PrefixList"]["Version"] == 3 and restored["PrefixList"]["State"] == "restore-complete"
    assert _entries(ec2, plid) == [{"Cidr": "10.0.0.0/16", "Description": "office"}]
    with aws_error("PrefixListVersionMismatch", 400):
        ec2.restore_managed_prefix_list_version(PrefixListId=plid, PreviousVersion=1, CurrentVersion=2)
    for previous in (0, 3, 9):
        with aws_error("InvalidParameterValue", 400, "parameter PreviousVersion"):
            ec2.restore_managed_prefix_list_version(
                PrefixListId=plid, PreviousVersion=previous, CurrentVersion=3
            )
    for target in (0, 4):
        with aws_error("InvalidParameterValue", 400, "parameter TargetVersion"):
            _entries(ec2, plid, TargetVersion=target)


def test_modify_errors(ec2):
    plid = _create(ec2, max_entries=2)["PrefixListId"]
    modification = "InvalidPrefixListModification"
    cases = [
        ({"AddEntries": [{"Cidr": "10.0.0.0/16"}]}, modification, "already has an entry"),
        ({"RemoveEntries": [{"Cidr": "11.0.0.0/8"}]}, modification, "has no entry"),
        (
            {"AddEntries": [{"Cidr": "10.0.0.0/16"}], "RemoveEntries": [{"Cidr": "10.0.0.0/16"}]},
            modification,
            "both added and removed",
        ),
        ({"AddEntries": [{"Cidr": "11.0.0.0/8"}], "MaxEntries": 4}, modification, "at the same time"),
        (
            {"AddEntries": [{"Cidr": "11.0.0.0/8"}, {"Cidr": "12.0.0.0/8"}]},
            "PrefixListMaxEntriesExceeded",
            "maximum number of entries (2)",
        ),
        ({"MaxEntries": 0}, "InvalidParameterValue", "Must specify a max size between 1 and 1000"),
        ({"PrefixListName": "com.amazonaws.x"}, "InvalidParameterValue", "com.amazonaws"),
        ({"AddEntries": [{"Cidr": "::/0"}]}, "InvalidParameterValue", "not a valid IPv4 CIDR"),
    ]
    for params, code, message in cases:
        with aws_error(code, 400, message):
            ec2.modify_managed_prefix_list(PrefixListId=plid, **params)
    ec2.modify_managed_prefix_list(PrefixListId=plid, AddEntries=[{"Cidr": "11.0.0.0/8"}])
    with aws_error("InvalidParameterValue", 400, "less than the number of entries"):
        ec2.modify_managed_prefix_list(PrefixListId=plid, MaxEntries=1)
    with aws_error("InvalidPrefixListID.NotFound", 400, "The prefix list ID 'pl-00000000' does not exist"):
        ec2.modify_managed_prefix_list(PrefixListId="pl-00000000", PrefixListName="x")
    with aws_error("InvalidPrefixListId.Malformed", 400):
        ec2.modify_managed_prefix_list(PrefixListId="nope", PrefixListName="x")
    with aws_error("DryRunOperation", 412):
        ec2.modify_managed_prefix_list(PrefixListId=plid, PrefixListName="dry", DryRun=True)
    assert (
        ec2.describe_managed_prefix_lists(PrefixListIds=[plid])["PrefixLists"][0]["PrefixListName"] == "corp"
    )


def test_aws_managed_lists_are_read_only_and_visible(ec2, make_client, account_id):
    managed = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT]}]
    )["PrefixLists"]
    [cloudfront] = managed
    assert cloudfront["OwnerId"] == "AWS" and cloudfront["MaxEntries"] == 55
    assert cloudfront["PrefixListId"] == "pl-3b927c52"
    entries = _entries(ec2, cloudfront["PrefixListId"])
    assert entries and all(ipaddress.ip_network(e["Cidr"]).version == 4 for e in entries)
    for call in (
        lambda: ec2.delete_managed_prefix_list(PrefixListId=cloudfront["PrefixListId"]),
        lambda: ec2.modify_managed_prefix_list(PrefixListId=cloudfront["PrefixListId"], PrefixListName="x"),
        lambda: ec2.restore_managed_prefix_list_version(
            PrefixListId=cloudfront["PrefixListId"], PreviousVersion=1, CurrentVersion=1
        ),
    ):
        with aws_error("UnsupportedOperation", 400, "is managed by AWS"):
            call()
    # Another region: the same names, other ids.
    west = make_client("ec2", account_id, region="eu-west-1")
    names = {
        p["PrefixListName"]: p["PrefixListId"]
        for p in west.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])[
            "PrefixLists"
        ]
    }
    assert "com.amazonaws.eu-west-1.s3" in names and CLOUDFRONT in names
    assert names[CLOUDFRONT] != cloudfront["PrefixListId"]


def test_describe_prefix_lists(ec2):
    lists = ec2.describe_prefix_lists()["PrefixLists"]
    by_name = {p["PrefixListName"]: p for p in lists}
    assert set(by_name) == {"com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb"}
    s3 = by_name["com.amazonaws.us-east-1.s3"]
    assert s3["PrefixListId"] == "pl-63a5400a" and s3["Cidrs"]
    only = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["*dynamodb"]}])
    assert [p["PrefixListName"] for p in only["PrefixLists"]] == ["com.amazonaws.us-east-1.dynamodb"]
    assert ec2.describe_prefix_lists(PrefixListIds=["pl-63a5400a"])["PrefixLists"] == [s3]
    with aws_error("InvalidPrefixListID.NotFound", 400):
        ec2.describe_prefix_lists(PrefixListIds=["pl-00000001"])
    with aws_error("InvalidParameterValue", 400, "The filter 'owner-id' is invalid"):
        ec2.describe_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])


def test_security_groups_reference_lists(ec2, account_id):
    plid = _create(ec2, max_entries=20)["PrefixListId"]
    group = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{**rule, "PrefixListIds": [{"PrefixListId": plid, "Description": "corp"}]}],
    )
    associations = ec2.get_managed_prefix_list_associations(PrefixListId=plid)["PrefixListAssociations"]
    assert associations == [{"ResourceId": group, "ResourceOwner": account_id}]
    with aws_error("DependencyViolation", 400, f"resource {plid} has a dependent object"):
        ec2.delete_managed_prefix_list(PrefixListId=plid)
    # An unknown list can't be referenced.
    with aws_error("InvalidPrefixListID.NotFound", 400, "The prefix list ID 'pl-0abc' does not exist"):
        ec2.authorize_security_group_ingress(
            GroupId=group, IpPermissions=[{**rule, "PrefixListIds": [{"PrefixListId": "pl-0abc"}]}]
        )
    # MaxEntries counts toward the 60-rule quota: 20 + 40 more would be 61 (the default egress rule
    # is in the other direction).
    many = [
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        for p in range(1, 41)
    ]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=many[:39])
    with aws_error("RulesPerSecurityGroupLimitExceeded", 400):
        ec2.authorize_security_group_ingress(
            GroupId=group, IpPermissions=many[39:] + [many[39] | {"FromPort": 99, "ToPort": 99}]
        )
    # Growing the list past what the group can hold fails the modification (state message).
    grown = ec2.modify_managed_prefix_list(PrefixListId=plid, MaxEntries=22)["PrefixList"]
    assert grown["State"] == "modify-failed" and group in grown["StateMessage"] and grown["MaxEntries"] == 20
    assert ec2.modify_managed_prefix_list(PrefixListId=plid, MaxEntries=21)["PrefixList"]["State"] == (
        "modify-complete"
    )
    # Once no rule references it, it can be deleted.
    ec2.delete_security_group(GroupId=group)
    assert ec2.get_managed_prefix_list_associations(PrefixListId=plid)["PrefixListAssociations"] == []
    deleted = ec2.delete_managed_prefix_list(PrefixListId=plid)["PrefixList"]
    assert deleted["State"] == "delete-complete"
    with aws_error("InvalidPrefixListID.NotFound", 400):
        ec2.get_managed_prefix_list_entries(PrefixListId=plid)
    with aws_error("InvalidPrefixListID.NotFound", 400):
        ec2.get_managed_prefix_list_associations(PrefixListId=plid)
    with aws_error("InvalidParameterValue", 400, "Expecting a value between 5 and 255"):
        ec2.get_managed_prefix_list_associations(PrefixListId="pl-63a5400a", MaxResults=256)


def test_entries_pagination(ec2):
    cidrs = [(f"10.{i}.0.0/16", None) for i in range(7)]
    plid = _create(ec2, max_entries=10, entries=[(c, f"e{i}") for i, (c, _) in enumerate(cidrs)])[
        "PrefixListId"
    ]
    seen, token = [], None
    while True:
        page = ec2.get_managed_prefix_list_entries(
            PrefixListId=plid, MaxResults=3, **({"NextToken": token} if token else {})
        )
        seen += [e["Cidr"] for e in page["Entries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [c for c, _ in cidrs]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.ip_addresses(v=4).map(lambda a: f"{a}/{int(a) % 33}"),
            st.ip_addresses(v=6).map(lambda a: f"{a}/{int(a) % 129}"),
            st.text(max_size=20),
        ),
        max_size=6,
    ),
    st.integers(min_value=-2, max_value=1002),
)
def test_entries_never_fail_the_server(ec2, cidrs, max_entries):
    """Any entries and size: a created list, or an EC2 client error (never a 5xx)."""
    try:
        created = ec2.create_managed_prefix_list(
            PrefixListName="p",
            MaxEntries=max_entries,
            AddressFamily="IPv4",
            Entries=[{"Cidr": c} for c in cidrs],
        )["PrefixList"]
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
        return
    plid = created["PrefixListId"]
    stored = [e["Cidr"] for e in _entries(ec2, plid)]
    assert len(stored) == len(set(stored)) <= max_entries
    assert all(ipaddress.ip_network(c).version == 4 for c in stored)
    try:
        ec2.modify_managed_prefix_list(PrefixListId=plid, RemoveEntries=[{"Cidr": c} for c in cidrs[:2]])
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
    ec2.delete_managed_prefix_list(PrefixListId=plid)
