"""One valid request per VPC endpoint action (issue 15, family 6), and what a policy must allow.

As the Service Authorization Reference lists them: CreateVpcEndpoint on ``vpc-endpoint/*`` and the
VPC (and the route tables, subnets and security groups it names), the rest on the endpoint's ARN;
Describe* on ``*``.
"""

from __future__ import annotations

from tests.authz_cases import Builder, attr, case, ec2_arn
from tests.authz_cases_ec2_routing import creating, made
from tests.authz_env import Env

S3 = "com.amazonaws.us-east-1.s3"


@made
def vpce(env: Env) -> str:
    reply = env.ec2.create_vpc_endpoint(VpcId=env.vpc, ServiceName="com.amazonaws.us-east-1.dynamodb")
    return str(reply["VpcEndpoint"]["VpcEndpointId"])


ENDPOINT_ARN = ec2_arn("vpc-endpoint", vpce)

ENDPOINT_CASES: dict[str, Builder] = {
    "DescribeVpcEndpoints": case({"VpcEndpointIds": [vpce]}),
    "DescribeVpcEndpointServices": case({"ServiceNames": [S3]}),
    "CreateVpcEndpoint": creating(
        "vpc-endpoint", {"VpcId": attr("vpc"), "ServiceName": S3}, ec2_arn("vpc", attr("vpc"))
    ),
    "ModifyVpcEndpoint": case({"VpcEndpointId": vpce, "ResetPolicy": True}, ENDPOINT_ARN),
    "DeleteVpcEndpoints": case({"VpcEndpointIds": [vpce]}, ENDPOINT_ARN),
}
