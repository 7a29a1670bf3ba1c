"""IAM: virtual MFA devices (RFC 6238 TOTP, 30-second steps, six digits) and the MFA check of
STS's GetSessionToken and AssumeRole.

A device is created unassigned with a Base32 seed and a QR code of its ``otpauth://`` URI, and
enabled for a user with two consecutive codes. Enable and Resync look for the pair within
`SYNC_WINDOW` steps either side of now and remember how far the device's clock is off (its drift);
a single code (STS) is then accepted one step either side of now plus that drift. All of it on the
emulated clock: a test computes codes with ``pyotp.TOTP(seed).at(emulated_now)``.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring, resolve_named
from ec2sim.api.iam.common import page, tag_list, tags_in, untag
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.users import target_user, user_view
from ec2sim.iam.context_keys import resource_tags
from ec2sim.store.iam.user_credentials import VirtualMfaDevice
from ec2sim.store.resources import MFA

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateVirtualMFADeviceRequestTypeDef,
        DeactivateMFADeviceRequestTypeDef,
        DeleteVirtualMFADeviceRequestTypeDef,
        EnableMFADeviceRequestTypeDef,
        GetMFADeviceRequestTypeDef,
        ListMFADevicesRequestTypeDef,
        ListMFADeviceTagsRequestTypeDef,
        ListVirtualMFADevicesRequestTypeDef,
        ResyncMFADeviceRequestTypeDef,
        TagMFADeviceRequestTypeDef,
        UntagMFADeviceRequestTypeDef,
    )

STEP_SECONDS = 30
SYNC_WINDOW = 10  # steps either side of now searched for Enable's and Resync's two codes
SEED_LENGTH = 64  # Base32 characters, as AWS's seeds
MAX_DEVICES_PER_USER = 8  # "MFA devices in use per user" (IAM and AWS STS quotas)


# TOTP -------------------------------------------------------------------------------------------


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matches(seed: str, step: int, code: str) -> bool:
    import pyotp  # only MFA requests need it (start-up stays light: tests/test_shapes.py)

    return hmac.compare_digest(pyotp.TOTP(seed).generate_otp(step), code)


def consecutive_codes(seed: str, first: str, second: str, now: datetime) -> int | None:
    """The drift (in steps) at which `first` and `second` are consecutive codes, nearest now first."""
    current = _step(now)
    for drift in sorted(range(-SYNC_WINDOW, SYNC_WINDOW + 1), key=abs):
        step = current + drift
        if _matches(seed, step - 1, first) and _matches(seed, step, second):
            return drift
    return None


def code_is_valid(device: VirtualMfaDevice, code: str, now: datetime) -> bool:
    """One code from the device: its step, one either side, at the device's drift."""
    current = _step(now) + device.drift
    return any(_matches(device.seed, current + offset, code) for offset in (0, -1, 1))


def _qr_png(ctx: RequestContext, name: str, seed: str) -> bytes:
    """The QR code of ``otpauth://totp/NAME@ACCOUNT?secret=SEED`` (the account's alias if it has
    one, else its id, as the IAM User Guide describes the QR code), as a PNG."""
    account = ctx.iam.aliases[0] if ctx.iam.aliases else ctx.account_id
    uri = f"otpauth://totp/{quote(f'{name}@{account}')}?secret={seed}"
    out = io.BytesIO()
    import segno  # only CreateVirtualMFADevice needs it

    try:
        segno.make(uri, error="m").save(out, kind="png", scale=4)
    except segno.DataOverflowError:
        # AWS documents no maximum length for the name (the model has none either); a name too
        # long for any QR code (some 2,900 characters) is refused as a validation error here:
        # assumed, AWS's answer to one is not documented.
        raise iam_error("MfaNameTooLongForQrCode") from None
    return out.getvalue()


# Look-ups ---------------------------------------------------------------------------------------


def _no_device(serial: str) -> AwsError:
    return AwsError(*MFA.not_found_message(serial))


def _serial_arn(ctx: RequestContext, serial: str) -> str:
    """The mfa resource a serial number names (a virtual device's serial is its ARN)."""
    return serial if serial.startswith("arn:") else ctx.iam.arn("mfa", "/", serial)


def _on_device(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """Actions on a device (Delete, Tag, Untag, ListTags): on its ``mfa`` ARN, with its tags."""
    plan = resolve_named(ctx, req)
    serial = req["SerialNumber"]
    device = ctx.iam.user_credentials.mfa_devices.get(serial)
    plan.found["SerialNumber"] = device
    plan.resource = _serial_arn(ctx, serial)
    if device is not None:
        plan.context.update(resource_tags(device.tags))
    else:
        plan.fail(_no_device(serial))
    return plan


def _users_device(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """Actions on a user's device (Enable, Deactivate, Resync, Get): on the user, with the device."""
    plan = resolve_named(ctx, req)
    plan.found["SerialNumber"] = ctx.iam.user_credentials.mfa_devices.get(req["SerialNumber"])
    return plan


def _with_user(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    plan = requiring("UserName")(ctx, req)
    assert isinstance(plan, IamPlan)
    plan.found["SerialNumber"] = ctx.iam.user_credentials.mfa_devices.get(req["SerialNumber"])
    return plan


def _create_plan(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """CreateVirtualMFADevice is on the new device's ARN; the device it would clash with (names
    are unique per path regardless of case)."""
    plan = resolve_named(ctx, req)
    serial = ctx.iam.arn("mfa", req.get("Path") or "/", req["VirtualMFADeviceName"])
    plan.resource = serial
    plan.found["VirtualMFADeviceName"] = next(
        (d for s, d in ctx.iam.user_credentials.mfa_devices.items() if s.lower() == serial.lower()), None
    )
    return plan


def _assigned(ctx: RequestContext, serial: str, plan: IamPlan, req: Mapping[str, Any]) -> tuple[str, Any]:
    """The user (named, else the caller) and the device `serial` enabled for that user."""
    if not req.get("UserName") and ctx.principal.kind == "root":
        raise _no_device(serial)  # the root user's own MFA is not emulated
    user = target_user(ctx, req, plan)
    device = plan.found.get("SerialNumber")
    if device is None or serial not in user.mfa_devices:
        raise _no_device(serial)
    return user.name, device


# Devices ----------------------------------------------------------------------------------------


@iam_action("CreateVirtualMFADevice", _create_plan)
def create_virtual_mfa_device(
    ctx: RequestContext, req: CreateVirtualMFADeviceRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    if plan.found["VirtualMFADeviceName"] is not None:
        raise iam_error("MfaDeviceExists")
    tags = tags_in(req.get("Tags"))
    import pyotp

    seed = pyotp.random_base32(SEED_LENGTH)
    qr_code = _qr_png(ctx, req["VirtualMFADeviceName"], seed)  # first: it may refuse the name
    device = ctx.iam.create_virtual_mfa_device(ctx.now, plan.resource, seed, tags)
    return {
        "VirtualMFADevice": {
            "SerialNumber": device.serial,
            "Base32StringSeed": seed,
            "QRCodePNG": qr_code,
            "Tags": tag_list(device.tags) or None,
        }
    }


def _device_view(ctx: RequestContext, device: VirtualMfaDevice) -> dict[str, Any]:
    user = next((u for u in ctx.iam.users if u.id == device.user_id), None) if device.user_id else None
    return {
        "SerialNumber": device.serial,
        "User": user_view(user) if user is not None else None,
        "EnableDate": device.enable_date,
        "Tags": tag_list(device.tags) or None,
    }


@iam_action("ListVirtualMFADevices", NO_RESOURCES)
def list_virtual_mfa_devices(ctx: RequestContext, req: ListVirtualMFADevicesRequestTypeDef) -> dict[str, Any]:
    """Assigned, Unassigned or (the default) Any, by serial number."""
    status = req.get("AssignmentStatus") or "Any"
    devices = [
        d
        for _, d in sorted(ctx.iam.user_credentials.mfa_devices.items())
        if status == "Any" or (d.user_id is not None) == (status == "Assigned")
    ]
    chunk, paging = page(devices, req)
    return {"VirtualMFADevices": [_device_view(ctx, d) for d in chunk], **paging}


@iam_action("DeleteVirtualMFADevice", _on_device)
def delete_virtual_mfa_device(
    ctx: RequestContext, req: DeleteVirtualMFADeviceRequestTypeDef, plan: IamPlan
) -> None:
    device: VirtualMfaDevice = plan.named("SerialNumber")
    if device.user_id is not None:
        raise iam_error("MfaDeviceEnabled")  # IAM refuses while the device is enabled for a user
    ctx.iam.delete_virtual_mfa_device(ctx.now, device.serial)


# Enabling, deactivating, resynchronizing ------------------------------------------------------


@iam_action("EnableMFADevice", _with_user)
def enable_mfa_device(ctx: RequestContext, req: EnableMFADeviceRequestTypeDef, plan: IamPlan) -> None:
    user, serial = plan.user, req["SerialNumber"]
    device: VirtualMfaDevice | None = plan.found.get("SerialNumber")
    if device is None:
        raise _no_device(serial)  # hardware and FIDO devices are not emulated
    if device.user_id is not None:
        raise iam_error("MfaDeviceInUse")
    if len(user.mfa_devices) >= MAX_DEVICES_PER_USER:
        raise iam_error("Quota", quota="MFADevicesPerUser", limit=MAX_DEVICES_PER_USER)
    drift = consecutive_codes(device.seed, req["AuthenticationCode1"], req["AuthenticationCode2"], ctx.now)
    if drift is None:
        raise iam_error("MfaCodeInvalid")
    ctx.iam.enable_mfa_device(ctx.now, user.name, serial, drift)


@iam_action("DeactivateMFADevice", _users_device)
def deactivate_mfa_device(ctx: RequestContext, req: DeactivateMFADeviceRequestTypeDef, plan: IamPlan) -> None:
    user, _ = _assigned(ctx, req["SerialNumber"], plan, req)
    ctx.iam.deactivate_mfa_device(ctx.now, user, req["SerialNumber"])


@iam_action("ResyncMFADevice", _with_user)
def resync_mfa_device(ctx: RequestContext, req: ResyncMFADeviceRequestTypeDef, plan: IamPlan) -> None:
    _, device = _assigned(ctx, req["SerialNumber"], plan, req)
    drift = consecutive_codes(device.seed, req["AuthenticationCode1"], req["AuthenticationCode2"], ctx.now)
    if drift is None:
        raise iam_error("MfaCodeInvalid")
    if drift != device.drift:
        ctx.iam.resync_mfa_device(ctx.now, device.serial, drift)


@iam_action("GetMFADevice", _users_device)
def get_mfa_device(ctx: RequestContext, req: GetMFADeviceRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    user, device = _assigned(ctx, req["SerialNumber"], plan, req)
    return {"UserName": user, "SerialNumber": device.serial, "EnableDate": device.enable_date}


@iam_action("ListMFADevices")
def list_mfa_devices(ctx: RequestContext, req: ListMFADevicesRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    """A user's devices in the order they were enabled (the root user's: none here)."""
    if not req.get("UserName") and ctx.principal.kind == "root":
        return {"MFADevices": [], "IsTruncated": False}
    user = target_user(ctx, req, plan)
    devices = ctx.iam.user_credentials.mfa_devices
    rows = [
        {"UserName": user.name, "SerialNumber": serial, "EnableDate": devices[serial].enable_date}
        for serial in user.mfa_devices
        if serial in devices
    ]
    chunk, paging = page(rows, req)
    return {"MFADevices": list(chunk), **paging}


# Tags ---------------------------------------------------------------------------------------------


@iam_action("TagMFADevice", _on_device)
def tag_mfa_device(ctx: RequestContext, req: TagMFADeviceRequestTypeDef, plan: IamPlan) -> None:
    device: VirtualMfaDevice = plan.named("SerialNumber")
    ctx.iam.set_mfa_device_tags(ctx.now, device.serial, tags_in(req["Tags"], device.tags))


@iam_action("UntagMFADevice", _on_device)
def untag_mfa_device(ctx: RequestContext, req: UntagMFADeviceRequestTypeDef, plan: IamPlan) -> None:
    device: VirtualMfaDevice = plan.named("SerialNumber")
    ctx.iam.set_mfa_device_tags(ctx.now, device.serial, untag(device.tags, req["TagKeys"]))


@iam_action("ListMFADeviceTags", _on_device)
def list_mfa_device_tags(
    ctx: RequestContext, req: ListMFADeviceTagsRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    device: VirtualMfaDevice = plan.named("SerialNumber")
    chunk, paging = page(sorted(tag_list(device.tags), key=lambda t: t["Key"]), req)
    return {"Tags": list(chunk), **paging}


# STS ----------------------------------------------------------------------------------------------


def session_mfa(ctx: RequestContext, serial: str | None, code: str | None) -> datetime | None:
    """GetSessionToken's and AssumeRole's MFA: when it authenticates the new session (now), or None
    without SerialNumber and TokenCode. The device must be enabled for the calling IAM user; a
    missing or wrong code is AccessDenied, as STS answers."""
    if serial is None and code is None:
        return None
    user = ctx.iam.users.get(ctx.principal.name) if ctx.principal.kind == "user" else None
    device = ctx.iam.user_credentials.mfa_devices.get(serial or "")
    if user is None or device is None or device.serial not in user.mfa_devices:
        raise iam_error("MfaUnknownDevice")
    if not code or not code_is_valid(device, code, ctx.now):
        raise iam_error("MfaWrongCode")
    return ctx.now
