"""SigV4 under random input: its own errors or success, in process and through the server.

Strategies draw what a client can put on the wire: Authorization headers and
presigned (``X-Amz-*``) query strings whose every part is either well formed or
garbage, dates near and far from now, scopes for real and made-up regions and
services, unicode and huge numbers where digits belong. Header values are
latin-1, as WSGI hands them over; query values any unicode (WSGI's query string
is percent-decoded as UTF-8). A key the server issued is among the candidates,
so signatures really get compared.
"""

from __future__ import annotations

import time
import unicodedata
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from xml.etree import ElementTree

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import example, given
from hypothesis import strategies as st

from ec2sim.iam.authn import AuthenticationError, check_signature, principal_for
from ec2sim.iam.principals import Principal
from ec2sim.iam.sigv4 import (
    SignatureError,
    check_time,
    credential_scope,
    is_signed,
    read_signature,
    verify,
)
from ec2sim.store import Store
from ec2sim.store.iam.credentials import Credential

KEY, SECRET, ACCOUNT = "AKIAPROPERTYTEST0001", "property/Secret+Key", "210987654321"
TEMP_KEY, TEMP_TOKEN = "ASIAPROPERTYTEST0002", "FwoGZXIvYXdzEPROPERTY"

# Strategies -------------------------------------------------------------------------------------------


def _stamp(moment: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(moment))


latin1 = st.text(st.characters(codec="latin-1"), max_size=40)


def _sendable(text: str) -> str:
    """What an HTTP client can put in a header value: latin-1 without control characters or edge spaces."""
    return "".join(c for c in text if ord(c) < 256 and unicodedata.category(c) != "Cc").strip()


header_text = latin1.map(_sendable)
unicode_text = st.text(st.characters(codec="utf-8"), max_size=40)  # no surrogates: UTF-8 can't carry them
odd_digits = st.text(st.sampled_from("0123456789²³١٢٣０１９"), min_size=1, max_size=20)

amz_dates = st.one_of(
    st.integers(-3600, 3600).map(lambda offset: _stamp(time.time() + offset)),  # within or near the window
    st.integers(-(10**9), 10**9).map(lambda offset: _stamp(max(0, time.time() + offset))),
    st.builds(lambda d, t: f"{d}T{t}Z", odd_digits, odd_digits),  # bad months, unicode digits
    st.text(st.sampled_from("0123456789TZ"), max_size=20),
    unicode_text,
)
expires = st.one_of(
    st.integers(-10, 10**6).map(str),
    st.integers(0, 10**30).map(str),
    st.integers(4290, 4400).map(lambda n: "9" * n),  # past int()'s digit limit
    odd_digits,
    unicode_text,
)


def _part(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(valid, st.text(st.characters(codec="latin-1"), max_size=12))


access_keys = st.sampled_from([KEY, TEMP_KEY, "AKIARETIRED000000001", ACCOUNT, "123456789012", "AKIANOBODY"])
scopes = st.builds(
    lambda parts, kept, extra: "/".join(parts[:kept] + extra),
    st.tuples(
        _part(access_keys),
        _part(st.builds(lambda: _stamp(time.time())[:8])),
        _part(st.sampled_from(["us-east-1", "eu-west-1", "mars-north-1", ""])),
        _part(st.sampled_from(["ec2", "iam", "sts", "s3"])),
        _part(st.just("aws4_request")),
    ).map(list),
    st.integers(0, 5),
    st.lists(latin1, max_size=2),
)
signed_headers = st.lists(
    _part(st.sampled_from(["host", "x-amz-date", "content-type", "x-amz-security-token"])), max_size=4
).map(";".join)
signatures = st.one_of(st.text(st.sampled_from("0123456789abcdef"), min_size=64, max_size=64), latin1)

AUTH_FIELDS = {"Credential": scopes, "SignedHeaders": signed_headers, "Signature": signatures}


@st.composite
def authorizations(draw: st.DrawFn) -> str:
    """An Authorization header: mostly the three fields (each present nine times in ten) in any order,
    with odd extra fields, prefixes and separators; sometimes plain garbage."""
    if not draw(st.integers(0, 9)):
        return draw(latin1)
    fields = [(name, draw(value)) for name, value in AUTH_FIELDS.items() if draw(st.integers(0, 9))]
    fields += draw(st.lists(st.tuples(latin1, latin1), max_size=2))
    prefix = draw(_part(st.sampled_from(["AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256", "AWS "])))
    separator = draw(st.sampled_from([", ", ",", " , "]))
    return prefix + separator.join(f"{k}={v}" for k, v in draw(st.permutations(fields)))


PRESIGNED = {
    "X-Amz-Algorithm": _part(st.just("AWS4-HMAC-SHA256")),
    "X-Amz-Credential": scopes,
    "X-Amz-Date": amz_dates,
    "X-Amz-Expires": expires,
    "X-Amz-SignedHeaders": signed_headers,
    "X-Amz-Signature": signatures,
    "X-Amz-Security-Token": st.one_of(st.just(TEMP_TOKEN), unicode_text),
}


@st.composite
def presigned_params(draw: st.DrawFn) -> dict[str, str]:
    """A presigned query string: each parameter present nine times in ten, so most get past the first check."""
    return {name: draw(value) for name, value in PRESIGNED.items() if draw(st.integers(0, 9))}


extra_headers = st.fixed_dictionaries(
    {},
    optional={
        "x-amz-date": amz_dates,
        "x-amz-content-sha256": st.one_of(st.just("UNSIGNED-PAYLOAD"), latin1),
        "x-amz-security-token": st.one_of(st.just(TEMP_TOKEN), latin1),
    },
)


@st.composite
def wire_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Method, path, query pairs, lower-cased headers and body, as the API app hands them to SigV4."""
    headers = dict(draw(extra_headers))
    if draw(st.booleans()):
        headers["authorization"] = draw(authorizations())
    headers["host"] = "127.0.0.1:5000"
    query = list(draw(presigned_params()).items()) + draw(
        st.lists(st.tuples(unicode_text, unicode_text), max_size=3)
    )
    return {
        "method": draw(st.sampled_from(["GET", "POST", "PUT", "\xe9"])),
        "path": draw(st.one_of(st.just("/"), st.text(st.characters(codec="latin-1"), max_size=20))),
        "query": draw(st.permutations(query)),
        "headers": headers,
        "body": draw(st.binary(max_size=64)),
    }


# In process -----------------------------------------------------------------------------------------


def _known_bug(expires: str | None = None, signature: str = "0" * 64) -> dict[str, Any]:
    """A presigned request that gets as far as the step `expires` or `signature` breaks."""
    query = [
        ("X-Amz-Credential", f"{KEY}/{_stamp(time.time())[:8]}/us-east-1/sts/aws4_request"),
        ("X-Amz-Date", _stamp(time.time())),
        ("X-Amz-SignedHeaders", "host"),
        ("X-Amz-Signature", signature),
    ]
    query += [] if expires is None else [("X-Amz-Expires", expires)]
    return {"method": "GET", "path": "/", "query": query, "headers": {"host": "h"}, "body": b""}


@given(request=wire_requests(), now=st.floats(0, 4e9), secret=st.sampled_from([SECRET, "", "\xe9"]))
@example(request=_known_bug(expires="²"), now=0.0, secret=SECRET)
@example(request=_known_bug(expires="9" * 4301), now=0.0, secret=SECRET)
@example(request=_known_bug(expires="9" * 400), now=0.0, secret=SECRET)
@example(request=_known_bug(signature="\xe9"), now=0.0, secret=SECRET)
def test_sigv4_functions_raise_only_signature_errors(
    request: dict[str, Any], now: float, secret: str
) -> None:
    params = dict(request["query"])
    credential_scope(request["headers"], params)
    is_signed(request["headers"], params)
    try:
        signed = read_signature(**request)
    except SignatureError:
        return
    for moment in (None, now):
        try:
            check_time(signed, moment)
        except SignatureError:
            pass
    try:
        verify(signed, secret)
    except SignatureError:
        pass


def _store() -> Store:
    """Issued keys of each kind: long-term, temporary with a token, and a retired one."""
    store = Store()
    store.add_credential(Credential(KEY, SECRET, ACCOUNT, "root"))
    store.add_credential(Credential(TEMP_KEY, SECRET, ACCOUNT, "root", session_token=TEMP_TOKEN))
    store.retired_keys["AKIARETIRED000000001"] = None
    return store


STORE = _store()


@given(request=wire_requests(), strict=st.booleans())
@example(request=_known_bug(expires="²"), strict=False)
def test_authenticate_raises_only_authentication_errors(request: dict[str, Any], strict: bool) -> None:
    try:
        signature = check_signature(STORE, strict, **request)
        principal = principal_for(STORE, "123456789012", strict, datetime.now(timezone.utc), signature)
    except AuthenticationError as error:
        assert error.reason in ("missing", "incomplete", "mismatch", "expired", "invalid", "token-expired")
    else:
        assert isinstance(principal, Principal)


param_names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)


def _as_received(prepared: Any, body: bytes) -> dict[str, Any]:
    """What the API app passes to SigV4 for a request botocore prepared."""
    url = urlsplit(prepared.url)
    headers = {name.lower(): value for name, value in prepared.headers.items()}
    headers = {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in headers.items()}
    headers["host"] = url.netloc
    query = parse_qsl(url.query.encode().decode("latin-1"), keep_blank_values=True)
    return {
        "method": prepared.method,
        "path": url.path or "/",
        "query": query,
        "headers": headers,
        "body": body,
    }


@given(
    params=st.dictionaries(param_names, unicode_text, max_size=4),
    header_values=st.lists(header_text, max_size=3),
    body=st.binary(max_size=64),
    region=st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"]),
    service=st.sampled_from(["ec2", "iam", "sts"]),
)
def test_botocore_signatures_verify(
    params: dict[str, str], header_values: list[str], body: bytes, region: str, service: str
) -> None:
    """Whatever the query, headers and body, a request botocore signed verifies (canonical forms agree)."""
    headers = {f"x-test-{n}": value for n, value in enumerate(header_values)}
    request = AWSRequest("POST", "http://127.0.0.1:5000/", data=body, params=params, headers=headers)
    SigV4Auth(Credentials(KEY, SECRET), service, region).add_auth(request)
    signed = read_signature(**_as_received(request.prepare(), body))
    check_time(signed)
    verify(signed, SECRET)
    with pytest.raises(SignatureError):
        verify(signed, SECRET + "x")


@given(params=st.dictionaries(param_names, unicode_text, max_size=4), seconds=st.integers(1, 604800))
def test_botocore_presigned_urls_verify(params: dict[str, str], seconds: int) -> None:
    request = AWSRequest("GET", "http://127.0.0.1:5000/", params=params)
    SigV4QueryAuth(Credentials(KEY, SECRET), "sts", "us-east-1", expires=seconds).add_auth(request)
    signed = read_signature(**_as_received(request.prepare(), b""))
    check_time(signed)
    verify(signed, SECRET)


# Through the server ---------------------------------------------------------------------------------

ACTIONS = {
    "ec2": "Action=DescribeRegions&Version=2016-11-15",
    "iam": "Action=ListUsers&Version=2010-05-08",
    "sts": "Action=GetCallerIdentity&Version=2011-06-15",
    "none": "",  # no Action: EC2's MissingAction, or a foreign service's REST-XML error
}


@pytest.fixture
def issued_key(make_client: Any, account_id: str) -> tuple[str, str]:
    """An IAM user's access key: the server checks its signatures for real."""
    iam = make_client("iam", account_id)
    iam.create_user(UserName="signer")
    key = iam.create_access_key(UserName="signer")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _expected_protocol(headers: dict[str, str], params: dict[str, str]) -> str:
    """ec2 | query | foreign: the service of the credential scope if it is served, else of the
    Version (EC2 without one); a scope for another service without a served Version is foreign."""
    scope = credential_scope({k.lower(): v for k, v in headers.items()}, params)
    by_version = {"2016-11-15": "ec2", "2010-05-08": "iam", "2011-06-15": "sts"}.get(
        params.get("Version", "")
    )
    if scope is not None and scope.service in ("ec2", "iam", "sts"):
        service = scope.service
    elif scope is not None and by_version is None:
        return "foreign"
    else:
        service = by_version or "ec2"
    return "ec2" if service == "ec2" else "query"


def assert_error_envelope(response: requests.Response, protocol: str) -> None:
    """A 4xx in the protocol's own, well-formed error document (a served service's, or for a service
    ec2sim does not serve, UnsupportedService in whatever protocol that service speaks)."""
    assert response.status_code < 500, response.text
    if protocol == "foreign":
        assert response.status_code == 400, response.text
        if "json" in response.headers["Content-Type"]:
            assert "UnsupportedService" in str(response.json())
            return
    root = ElementTree.fromstring(response.content)  # well-formed, or this raises
    if response.status_code < 300:
        return
    if protocol == "ec2":
        assert root.tag == "Response", response.text
        code = root.findtext("Errors/Error/Code")
    elif protocol == "query":
        assert root.tag.endswith("}ErrorResponse"), response.text
        code = root.findtext("{*}Error/{*}Code")
    else:
        code = root.findtext(".//{*}Code") or root.findtext(".//Code")
        assert code == "UnsupportedService", response.text
    assert code, response.text


def _scoped(credential: str) -> dict[str, str]:
    """A presigned query string for `credential`'s scope that gets as far as the scope's service."""
    return {
        "X-Amz-Credential": credential,
        "X-Amz-Date": _stamp(time.time()),
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": "0" * 64,
    }


@given(
    service=st.sampled_from(sorted(ACTIONS)),
    method=st.sampled_from(["GET", "POST"]),
    authorization=st.one_of(st.none(), authorizations().map(_sendable)),
    amz_date=st.one_of(st.none(), amz_dates.map(_sendable)),
    presigned=presigned_params(),
    use_issued=st.booleans(),
)
@example(  # a message echoing a character XML can't carry
    service="sts",
    method="POST",
    authorization=None,
    amz_date=None,
    presigned=_scoped("AKIA\x01/20240101/us-east-1"),
    use_issued=False,
)
@example(
    service="none",
    method="GET",
    authorization=None,
    amz_date=None,
    presigned=_scoped(f"{KEY}/20240101/us-east-1/\x01/aws4_request"),
    use_issued=False,
)
def test_server_answers_random_signatures_with_its_own_errors(
    server: Any,
    issued_key: tuple[str, str],
    service: str,
    method: str,
    authorization: str | None,
    amz_date: str | None,
    presigned: dict[str, str],
    use_issued: bool,
) -> None:
    headers: dict[str, str] = {}
    if authorization is not None:
        if use_issued:
            authorization = authorization.replace(KEY, issued_key[0])
        headers["Authorization"] = authorization
    if amz_date is not None:
        headers["X-Amz-Date"] = amz_date
    if use_issued and "X-Amz-Credential" in presigned:
        presigned = {
            **presigned,
            "X-Amz-Credential": presigned["X-Amz-Credential"].replace(KEY, issued_key[0]),
        }
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in presigned.items())
    form = ACTIONS[service]
    if method == "GET":
        url, body = f"{server.api_url}/?{form}&{query}", None
    else:
        url, body = f"{server.api_url}/?{query}", form
    response = requests.request(method, url, data=body, headers=headers, timeout=30)
    params = {**presigned, **dict(parse_qsl(form))}
    assert_error_envelope(response, _expected_protocol(headers, params))


def test_a_key_replaced_while_its_request_is_in_flight_is_refused() -> None:
    """The signature is checked without the store lock, the principal under it: a key deleted or
    issued again between the two is invalid, never verified against a secret it no longer has."""
    store = _store()
    request = AWSRequest("POST", "http://127.0.0.1:5000/", data=b"Action=GetCallerIdentity")
    SigV4Auth(Credentials(KEY, SECRET), "sts", "us-east-1").add_auth(request)
    received = _as_received(request.prepare(), b"Action=GetCallerIdentity")
    now = datetime.now(timezone.utc)
    signature = check_signature(store, False, **received)
    assert principal_for(store, "123456789012", False, now, signature).account_id == ACCOUNT
    store.credentials[KEY] = Credential(KEY, "another secret", ACCOUNT, "root")
    with pytest.raises(AuthenticationError) as raised:
        principal_for(store, "123456789012", False, now, signature)
    assert raised.value.reason == "invalid"
    del store.credentials[KEY]  # gone, and so not the root user a key the server never issued acts as
    with pytest.raises(AuthenticationError):
        principal_for(store, "123456789012", False, now, signature)
