"""Random seed documents: each loads, or is refused with one line naming the file; never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.seed import SeedError
from ec2sim.seed.loader import load_seed
from tests.test_seed import PUBLIC_KEY, seed_config, write

_WORDS = st.sampled_from(["a", "web", "bad name!", "", "x" * 130, "arn:aws:iam::aws:policy/ReadOnlyAccess"])
_NAMES = st.sampled_from(["web", "ec2-operators", "app-image", "bad name!", "dup"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**13), _WORDS, st.text(max_size=8))
_ANY = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_WORDS, inner, max_size=3)),
    max_leaves=8,
)
_STATEMENT = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny", "Maybe"]),
        "Action": st.sampled_from(["ec2:*", "s3:Get*", "nope", "sts:AssumeRole"]),
        "Resource": st.just("*"),
    },
    optional={"Principal": st.sampled_from([{"Service": "ec2.amazonaws.com"}, "*", {"AWS": "nobody"}])},
)
_DOC = st.one_of(
    st.fixed_dictionaries(
        {
            "Version": st.sampled_from(["2012-10-17", "2008-10-17", "1999"]),
            "Statement": st.lists(_STATEMENT, max_size=2),
        }
    ),
    _WORDS,
    _ANY,
)
_POLICIES = st.lists(st.fixed_dictionaries({"name": _NAMES, "document": _DOC}), max_size=2)
_MANAGED = st.lists(
    st.sampled_from(["dup", "web", "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/Nope"]),
    max_size=2,
)
_KEY = st.fixed_dictionaries(
    {
        "access_key_id": st.sampled_from(["AKIAAAAAAAAAAAAAAAAA", "AKIABBBBBBBBBBBBBBBB", "short"]),
        "secret_access_key": st.sampled_from(["secret", "bad secret"]),
    },
    optional={"status": st.sampled_from(["Active", "Inactive"])},
)
_USER = st.fixed_dictionaries(
    {"name": _NAMES},
    optional={
        "groups": st.lists(_NAMES, max_size=2),
        "policies": _POLICIES,
        "managed_policies": _MANAGED,
        "permissions_boundary": _NAMES,
        "access_keys": st.lists(_KEY, max_size=3),
        "login_profile": st.fixed_dictionaries({"password": st.sampled_from(["", "p", "Long-enough-1"])}),
        "tags": st.dictionaries(_WORDS, _WORDS, max_size=2),
    },
)
_ROLE = st.fixed_dictionaries(
    {"name": _NAMES, "trust_policy": _DOC},
    optional={
        "policies": _POLICIES,
        "managed_policies": _MANAGED,
        "instance_profile": st.one_of(st.booleans(), _NAMES),
        "max_session_duration": st.integers(0, 50000),
    },
)
_IDS = {
    kind: st.sampled_from([f"{kind}-12345678", f"{kind}-0123456789abcdef0", f"{kind}-x"])
    for kind in ("key", "snap", "ami", "i")
}
_EC2 = st.fixed_dictionaries(
    {},
    optional={
        "key_pairs": st.lists(
            st.fixed_dictionaries(
                {"name": _NAMES},
                optional={"id": _IDS["key"], "public_key": st.sampled_from(["ssh-rsa AAAA", PUBLIC_KEY])},
            ),
            max_size=2,
        ),
        "snapshots": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": _IDS["snap"],
                    "volume_size": st.integers(0, 20000),
                    "create_volume_permissions": st.lists(
                        st.sampled_from(["all", "444444444444", "4"]), max_size=2
                    ),
                },
            ),
            max_size=2,
        ),
        "images": st.lists(
            st.fixed_dictionaries(
                {"name": _NAMES},
                optional={
                    "id": _IDS["ami"],
                    "snapshot": _IDS["snap"],
                    "architecture": st.sampled_from(["x86_64", "arm64"]),
                    "launch_permissions": st.lists(st.sampled_from(["all", "444444444444"]), max_size=2),
                },
            ),
            max_size=2,
        ),
        "instances": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": _IDS["i"],
                    "image": st.sampled_from(["app-image", "web", "ami-12345678", "ami-0123456789abcdef0"]),
                    "instance_type": st.sampled_from(["t2.micro", "t9.huge", "m6g.large"]),
                    "key_name": _NAMES,
                    "instance_profile": _NAMES,
                    "availability_zone": st.sampled_from(["us-east-1a", "eu-west-1a", "nowhere"]),
                    "state": st.sampled_from(["running", "stopped", "gone"]),
                },
            ),
            max_size=2,
        ),
    },
)
_ACCOUNT = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["333333333333", "444444444444"]),
        "alias": st.sampled_from(["walkthrough", "walkthrough", "walkthrough", "bad name!"]),
        "root_access_keys": st.lists(
            _KEY.map(lambda key: {k: v for k, v in key.items() if k != "status"}), max_size=1
        ),
        "policies": _POLICIES,
        "groups": st.lists(
            st.fixed_dictionaries(
                {"name": _NAMES}, optional={"policies": _POLICIES, "managed_policies": _MANAGED}
            ),
            max_size=2,
        ),
        "users": st.lists(_USER, max_size=3),
        "roles": st.lists(_ROLE, max_size=2),
        "regions": st.dictionaries(
            st.sampled_from(["eu-west-1", "us-east-1", "xx-nowhere-1"]), _EC2, max_size=2
        ),
    },
).flatmap(lambda account: _EC2.map(lambda ec2: {**account, **ec2}))
_DOCUMENTS = st.one_of(
    st.fixed_dictionaries({"accounts": st.lists(_ACCOUNT, max_size=2)}),
    st.dictionaries(st.just("accounts"), _ANY),
)


@given(document=_DOCUMENTS)
def test_random_documents_load_or_are_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any]
) -> None:
    file = write(tmp_path_factory.mktemp("seed"), document)
    try:
        load_seed(file, seed_config())
    except SeedError as refused:
        assert "\n" not in str(refused) and str(refused).startswith(f"{file}: ")
