"""Concurrent requests never corrupt state: many clients at once, then the totals must add up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.helpers import aws_error


def test_concurrent_launches_tags_and_terminations(make_client, account_id):
    clients = [make_client("ec2", account_id) for _ in range(8)]
    image = clients[0].describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def work(index: int) -> list[str]:
        ec2 = clients[index]
        launched = []
        for round_ in range(5):
            reply = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro")
            ids = [i["InstanceId"] for i in reply["Instances"]]
            ec2.create_tags(Resources=ids, Tags=[{"Key": "worker", "Value": str(index)}])
            if round_ % 2:
                ec2.terminate_instances(InstanceIds=ids[:1])
            ec2.describe_instances(Filters=[{"Name": "tag:worker", "Values": [str(index)]}])
            launched += ids
        return launched

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    launched = [i for ids in results for i in ids]
    assert len(launched) == len(set(launched)) == 8 * 5 * 2
    reservations = clients[0].describe_instances(InstanceIds=launched)["Reservations"]
    states = [i["State"]["Name"] for r in reservations for i in r["Instances"]]
    assert len(states) == 80 and states.count("terminated") == 8 * 2
    for index in range(8):
        tagged = clients[0].describe_instances(Filters=[{"Name": "tag:worker", "Values": [str(index)]}])
        assert sum(len(r["Instances"]) for r in tagged["Reservations"]) == 10
    addresses = [
        i["PrivateIpAddress"] for r in reservations for i in r["Instances"] if "PrivateIpAddress" in i
    ]
    assert len(addresses) == len(set(addresses))  # no address handed out twice


def test_concurrent_iam_writes(make_client, account_id):
    iam = make_client("iam", account_id)

    def create(index: int) -> str:
        client = make_client("iam", account_id)
        client.create_user(UserName=f"user-{index}")
        client.add_user_to_group(GroupName="all", UserName=f"user-{index}")
        return client.create_access_key(UserName=f"user-{index}")["AccessKey"]["AccessKeyId"]

    iam.create_group(GroupName="all")
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(create, range(24)))
    assert len(set(keys)) == 24
    assert len(iam.get_group(GroupName="all")["Users"]) == 24
    with aws_error("EntityAlreadyExists", 409):
        iam.create_user(UserName="user-0")
