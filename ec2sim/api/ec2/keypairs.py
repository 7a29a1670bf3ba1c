"""Key pairs: create, import, describe, delete."""

from __future__ import annotations

from typing import Any

from ec2sim.api.authorization import NO_RESOURCES, legacy_rule
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import find_ids, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.keymaterial import KEY_FORMATS, KEY_TYPES, generate_key_pair, import_public_key
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.ec2.region import Ec2Region

MAX_KEY_NAME = 255

_FILTERS = FilterSet(
    {
        "key-pair-id": lambda k: k.id,
        "key-name": lambda k: k.name,
        "fingerprint": lambda k: k.fingerprint,
        "key-type": lambda k: k.key_type,
    }
)


def _by_name(region: Ec2Region, name: str) -> KeyPair | None:
    return next(iter(region.key_pairs.where("name", name)), None)


def _check_name(region: Ec2Region, name: str) -> None:
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
    if _by_name(region, name) is not None:
        raise AwsError("InvalidKeyPair.Duplicate", f"The keypair '{name}' already exists.")


def _check_choice(value: str, allowed: tuple[str, ...], parameter: str) -> None:
    if value not in allowed:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter {parameter} is invalid. Valid values: {', '.join(allowed)}",
        )


def _tags(req: dict[str, Any]) -> dict[str, str]:
    return tags_for(req.get("TagSpecifications"), "key-pair", ("key-pair",))


def _add(
    ctx: RequestContext, name: str, tags: dict[str, str], fingerprint: str, key_type: str, openssh: str
) -> KeyPair:
    key = KeyPair(
        ctx.ec2.ids.hex_id("key"), name, fingerprint, key_type, f"{openssh} {name}", ctx.now, tags=tags
    )
    return ctx.ec2.key_pairs.add(key)


@ec2_action("CreateKeyPair", resolve=legacy_rule)
def create_key_pair(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    key_type, key_format = req.get("KeyType", "rsa"), req.get("KeyFormat", "pem")
    _check_name(ctx.ec2, req["KeyName"])
    _check_choice(key_type, KEY_TYPES, "KeyType")
    _check_choice(key_format, KEY_FORMATS, "KeyFormat")
    tags = _tags(req)  # every check before the (slow) key generation
    generated = generate_key_pair(key_type, key_format, comment=req["KeyName"])
    key = _add(ctx, req["KeyName"], tags, generated.fingerprint, key_type, generated.public_key_openssh)
    return {
        "KeyName": key.name,
        "KeyPairId": key.id,
        "KeyFingerprint": key.fingerprint,
        "KeyMaterial": generated.private_key,
        "Tags": tag_list(key.tags) or None,
    }


@ec2_action("ImportKeyPair", resolve=legacy_rule)
def import_key_pair(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    _check_name(ctx.ec2, req["KeyName"])
    tags = _tags(req)
    try:
        imported = import_public_key(req["PublicKeyMaterial"])
    except ValueError:
        raise AwsError("InvalidKey.Format", "Key is not in valid OpenSSH public key format") from None
    key = _add(
        ctx, req["KeyName"], tags, imported.fingerprint, imported.key_type, imported.public_key_openssh
    )
    return {
        "KeyName": key.name,
        "KeyPairId": key.id,
        "KeyFingerprint": key.fingerprint,
        "Tags": tag_list(key.tags) or None,
    }


def _by_names(region: Ec2Region, names: list[str]) -> list[KeyPair]:
    found = []
    for name in dict.fromkeys(names):
        key = _by_name(region, name)
        if key is None:
            raise AwsError("InvalidKeyPair.NotFound", f"The key pair '{name}' does not exist")
        found.append(key)
    return found


@ec2_action("DescribeKeyPairs", resolve=NO_RESOURCES)
def describe_key_pairs(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    keys: list[KeyPair] = list(ctx.ec2.key_pairs)
    if req.get("KeyNames"):
        keys = _by_names(ctx.ec2, req["KeyNames"])
    if req.get("KeyPairIds"):
        by_id = find_ids(ctx.ec2.key_pairs, req["KeyPairIds"], "InvalidKeyPair.NotFound", "key pair ID")
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


@ec2_action("DeleteKeyPair", resolve=legacy_rule)
def delete_key_pair(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """By id an unknown key is NotFound; by name AWS answers success whether or not it existed."""
    key_id, name = req.get("KeyPairId"), req.get("KeyName")
    key: KeyPair | None
    if key_id:
        key = find_ids(ctx.ec2.key_pairs, [key_id], "InvalidKeyPair.NotFound", "key pair ID")[0]
    elif name:
        key = _by_name(ctx.ec2, name)
    else:
        raise AwsError("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
    if key is None:
        return {"Return": True}
    ctx.ec2.key_pairs.remove(key.id)
    return {"Return": True, "KeyPairId": key.id}
