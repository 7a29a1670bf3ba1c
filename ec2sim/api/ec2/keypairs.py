"""Key pairs: create, import, describe, delete.

Each operation resolves a plan first: the key pair a request names (or the one it creates,
authorized on ``key-pair/NAME``) and every validation error, in AWS's order; handlers apply it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, creating, key_by_name, resource_check, unresolved
from ec2sim.api.ec2.common import find_ids, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.keymaterial import KEY_FORMATS, KEY_TYPES, ImportedKey, generate_key_pair, import_public_key
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.resources import KEY_PAIR

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateKeyPairRequestTypeDef,
        DeleteKeyPairRequestTypeDef,
        DescribeKeyPairsRequestTypeDef,
        ImportKeyPairRequestTypeDef,
    )

MAX_KEY_NAME = 255

_NO_KEY_ID = "The key pair ID '{id}' does not exist"  # by id, AWS says "key pair ID"

_FILTERS = FilterSet(
    {
        "key-name": lambda k: k.name,
        "fingerprint": lambda k: k.fingerprint,
        "key-type": lambda k: k.key_type,
    },
    KEY_PAIR,
)


def _check_name(ctx: RequestContext, name: str) -> None:
    """EC2's key name rules: present, up to 255 ASCII characters, unique in the region."""
    if not name:
        raise AwsError("MissingParameter", "The request must contain the parameter KeyName")
    if not name.isascii():
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({name}) for parameter keyName is invalid. Character sets beyond ASCII are not supported.",
        )
    if len(name) > MAX_KEY_NAME:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({name}) for parameter keyName is invalid. Length exceeds maximum of {MAX_KEY_NAME}.",
        )
    if key_by_name(ctx, name) is not None:
        raise AwsError("InvalidKeyPair.Duplicate", f"The keypair '{name}' already exists.")


def _check_choice(value: str, allowed: tuple[str, ...], parameter: str) -> None:
    if value not in allowed:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter {parameter} is invalid. Valid values: {', '.join(allowed)}",
        )


# Plans -------------------------------------------------------------------------------------------


@dataclass
class NewKeyPlan(Plan):
    """CreateKeyPair / ImportKeyPair: the new key pair, authorized on its own ARN (its name)."""

    req: Mapping[str, Any]
    keys: Keys  # ec2:KeyPairName, and ec2:KeyPairType for a created key
    tags: dict[str, str] = field(default_factory=dict)
    imported: ImportedKey | None = None

    @property
    def name(self) -> str:
        return str(self.req["KeyName"])

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        return creating(ctx, f"ec2:{ctx.action}", "key-pair", self.req, self.keys, name=self.name)


def _tags(req: Mapping[str, Any]) -> dict[str, str]:
    return tags_for(req.get("TagSpecifications"), "key-pair", ("key-pair",))


def plan_create_key(ctx: RequestContext, req: CreateKeyPairRequestTypeDef) -> NewKeyPlan:
    key_type = req.get("KeyType", "rsa")
    plan = NewKeyPlan(req, {"ec2:KeyPairName": req["KeyName"], "ec2:KeyPairType": key_type})
    try:
        _check_name(ctx, req["KeyName"])
        _check_choice(key_type, KEY_TYPES, "KeyType")
        _check_choice(req.get("KeyFormat", "pem"), KEY_FORMATS, "KeyFormat")
        plan.tags = _tags(req)  # every check before the (slow) key generation
    except AwsError as error:
        plan.fail(error)
    return plan


def plan_import_key(ctx: RequestContext, req: ImportKeyPairRequestTypeDef) -> NewKeyPlan:
    plan = NewKeyPlan(req, {"ec2:KeyPairName": req["KeyName"]})
    try:
        _check_name(ctx, req["KeyName"])
        plan.tags = _tags(req)
    except AwsError as error:
        plan.fail(error)
        return plan
    try:
        # A blob arrives decoded (bytes); the stubs' BlobTypeDef also allows what boto3 would send.
        plan.imported = import_public_key(cast(bytes, req["PublicKeyMaterial"]))
    except ValueError:
        plan.fail(AwsError("InvalidKey.Format", "Key is not in valid OpenSSH public key format"))
    return plan


@dataclass
class KeyPlan(Plan):
    """DeleteKeyPair: the key pair named by id or name (None: it doesn't resolve)."""

    named: str  # what its ARN names when it doesn't resolve
    key: KeyPair | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        if self.key is not None:
            yield resource_check(ctx, "ec2:DeleteKeyPair", self.key)
        else:
            yield unresolved(ctx, "ec2:DeleteKeyPair", "key-pair", self.named)


def plan_key(ctx: RequestContext, req: DeleteKeyPairRequestTypeDef) -> KeyPlan:
    """By id an unknown key is NotFound; by name AWS answers success whether or not it existed
    (still authorized on the ARN it names)."""
    key_id, name = req.get("KeyPairId"), req.get("KeyName")
    plan = KeyPlan(name or key_id or "*")
    try:
        if key_id:
            plan.key = find_ids(ctx.ec2.key_pairs, [key_id], KEY_PAIR, _NO_KEY_ID)[0]
        elif name:
            plan.key = key_by_name(ctx, name)
        else:
            raise AwsError("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
    except AwsError as error:
        plan.fail(error)
    return plan


# Handlers ----------------------------------------------------------------------------------------


def _add(ctx: RequestContext, plan: NewKeyPlan, fingerprint: str, key_type: str, openssh: str) -> KeyPair:
    key = KeyPair(
        ctx.ec2.ids.hex_id("key"),
        plan.name,
        fingerprint,
        key_type,
        f"{openssh} {plan.name}",
        ctx.now,
        tags=plan.tags,
    )
    return ctx.ec2.key_pairs.add(key)


@ec2_action("CreateKeyPair", resolve=plan_create_key)
def create_key_pair(
    ctx: RequestContext, req: CreateKeyPairRequestTypeDef, plan: NewKeyPlan
) -> dict[str, Any]:
    key_type = req.get("KeyType", "rsa")
    generated = generate_key_pair(key_type, req.get("KeyFormat", "pem"), comment=plan.name)
    key = _add(ctx, plan, generated.fingerprint, key_type, generated.public_key_openssh)
    return {
        "KeyName": key.name,
        "KeyPairId": key.id,
        "KeyFingerprint": key.fingerprint,
        "KeyMaterial": generated.private_key,
        "Tags": tag_list(key.tags) or None,
    }


@ec2_action("ImportKeyPair", resolve=plan_import_key)
def import_key_pair(
    ctx: RequestContext, req: ImportKeyPairRequestTypeDef, plan: NewKeyPlan
) -> dict[str, Any]:
    imported = plan.imported
    assert imported is not None  # a plan without an error imported the key
    key = _add(ctx, plan, imported.fingerprint, imported.key_type, imported.public_key_openssh)
    return {
        "KeyName": key.name,
        "KeyPairId": key.id,
        "KeyFingerprint": key.fingerprint,
        "Tags": tag_list(key.tags) or None,
    }


def _by_names(ctx: RequestContext, names: Sequence[str]) -> list[KeyPair]:
    found = []
    for name in dict.fromkeys(names):
        key = key_by_name(ctx, name)
        if key is None:
            raise AwsError("InvalidKeyPair.NotFound", f"The key pair '{name}' does not exist")
        found.append(key)
    return found


@ec2_action("DescribeKeyPairs", resolve=NO_RESOURCES)
def describe_key_pairs(ctx: RequestContext, req: DescribeKeyPairsRequestTypeDef) -> dict[str, Any]:
    keys: list[KeyPair] = list(ctx.ec2.key_pairs)
    if req.get("KeyNames"):
        keys = _by_names(ctx, req["KeyNames"])
    if req.get("KeyPairIds"):
        by_id = find_ids(ctx.ec2.key_pairs, req["KeyPairIds"], KEY_PAIR, _NO_KEY_ID)
        keys = [k for k in keys if k in by_id] if req.get("KeyNames") else by_id
    include_public = req.get("IncludePublicKey", False)
    return {
        "KeyPairs": [
            {
                "KeyPairId": k.id,
                "KeyName": k.name,
                "KeyFingerprint": k.fingerprint,
                "KeyType": k.key_type,
                "CreateTime": k.create_time,
                "PublicKey": k.public_key if include_public else None,
                "Tags": tag_list(k.tags),
            }
            for k in _FILTERS.apply(keys, req.get("Filters"))
        ]
    }


@ec2_action("DeleteKeyPair", resolve=plan_key)
def delete_key_pair(ctx: RequestContext, req: DeleteKeyPairRequestTypeDef, plan: KeyPlan) -> dict[str, Any]:
    if plan.key is None:
        return {"Return": True}
    ctx.ec2.key_pairs.remove(plan.key.id)
    return {"Return": True, "KeyPairId": plan.key.id}
