"""Requests signed for a service ec2sim does not serve: a clear error the client can read.

A client pointed at ec2sim for, say, S3 (``aws s3 ls --endpoint-url …``) parses the answer by its
own service's protocol, so the error is written in that protocol's envelope: the protocol comes
from the service's botocore model when the signing name is one of botocore's services, else from
the request's shape (an ``X-Amz-Target`` header is JSON, an ``Action`` parameter is Query, a JSON
body is REST-JSON, anything else REST-XML). Status 400, code ``UnsupportedService``: AWS has no
such case, so the code is ec2sim's own and the message names what is served.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import cache

from ec2sim.api.errors import AwsError
from ec2sim.api.rendering import RENDERERS, XML_DECL, escape
from ec2sim.botocore_data import data_path, open_data

CODE = "UnsupportedService"
_SIGNING_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,62}")
_FIELD = re.compile(rb'"(protocol|jsonVersion|xmlNamespace)"\s*:\s*"([^"]*)"')


@cache
def _botocore_services() -> frozenset[str]:
    return frozenset(os.listdir(data_path("")))


def _model_head(relative: str) -> bytes:
    """The first bytes of a model (its metadata comes first)."""
    with open_data(relative) as file:
        return file.read(8192)


@cache
def _model_metadata(service: str) -> dict[str, str]:
    """protocol, jsonVersion and xmlNamespace of the service's newest model, if botocore has it."""
    if service not in _botocore_services():  # the name is the caller's: never a path of its choosing
        return {}
    for version in sorted(os.listdir(data_path(service)), reverse=True):
        try:
            head = _model_head(f"{service}/{version}/service-2.json")
        except OSError:
            continue
        found = {key.decode(): value.decode() for key, value in _FIELD.findall(head)}
        if "protocol" in found:
            return found
    return {}


def _guess_protocol(headers: Mapping[str, str], params: Mapping[str, str]) -> str:
    if "x-amz-target" in headers:
        return "json"
    if "Action" in params:
        return "query"
    if "json" in headers.get("content-type", ""):
        return "rest-json"
    return "rest-xml"


def unsupported_service(
    service: str, served: list[str], headers: Mapping[str, str], params: Mapping[str, str], request_id: str
) -> tuple[str, dict[str, str]]:
    """The body and headers of the error for a request signed for `service`."""
    name = service if _SIGNING_NAME.fullmatch(service) else "(unreadable)"  # echo only a plausible name
    error = AwsError(
        CODE,
        f"ec2sim does not serve the '{name}' service; it serves {', '.join(served)}. "
        f"Send {name} requests to AWS or to an emulator of {name}.",
    )
    metadata = _model_metadata(service)
    protocol = metadata.get("protocol") or _guess_protocol(headers, params)
    if protocol == "json":
        body = json.dumps({"__type": CODE, "message": error.message})
        content_type = f"application/x-amz-json-{metadata.get('jsonVersion', '1.1')}"
        return body, {"Content-Type": content_type, "x-amzn-ErrorType": CODE}
    if protocol == "rest-json":
        return json.dumps({"message": error.message}), {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": CODE,
        }
    if protocol in RENDERERS:  # query, ec2
        renderer = RENDERERS[protocol]
        body = renderer.error_body(error, metadata.get("xmlNamespace", ""), request_id)
        return body, {"Content-Type": renderer.content_type}
    # rest-xml (S3, Route 53, CloudFront): a bare <Error>, which S3's own and botocore's parsers read.
    return (
        f"{XML_DECL}<Error><Code>{CODE}</Code><Message>{escape(error.message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>",
        {"Content-Type": "application/xml"},
    )
