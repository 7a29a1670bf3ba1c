"""Wildcard matching of actions, resources, ARNs and strings, and principal matching.

Patterns are compiled once into tokens: literal text and four wildcards. How ``*`` and ``?``
become tokens depends on the element (`Mode`):
- ``GLOB`` (Action, StringLike): ``*`` any run of characters, ``?`` any one character;
- ``RESOURCE`` (Resource/NotResource): wildcards stay inside a colon-separated segment, except
  that a ``*`` that is the last character of a segment "can expand to match beyond the colon
  boundaries" (IAM User Guide, "IAM JSON policy elements: Resource");
- ``ARN`` (ArnEquals/ArnLike): "each of the six colon-delimited components of the ARN is checked
  separately" (Condition operators, ARN): wildcards stay inside the first five segments, the
  sixth (resource) segment may itself hold colons. A pattern with fewer than five colons
  can't be checked segment-wise and is matched as a whole-string glob;
- ``LITERAL`` (StringEquals, Bool): no wildcards.
Everything else is literal text: tokens are matched by `ec2sim.wildcards` in linear time, never
by a regex (a backtracking regex lets one policy pattern stall the store lock for seconds).
Static patterns of one element become one matcher (`compile_any`); patterns with policy variables are resolved
per request into tokens (a variable's value is always literal) and matched the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import cached_property

from ec2sim.iam.policy.variables import Context, Literal, Part, Var, has_variables, resolve, split_template
from ec2sim.wildcards import ANY, ONE, ONE_SEG, SEG, always, compile_any, compile_tokens


class Mode(Enum):
    LITERAL = "literal"
    GLOB = "glob"
    RESOURCE = "resource"
    ARN = "arn"


def tokenize(parts: Sequence[Part], mode: Mode) -> tuple[str | int | Var, ...]:
    """Tokens for template parts: wildcards per `mode`, adjacent literal text merged."""
    text_colons = sum(part.count(":") for part in parts if isinstance(part, str))
    arn_segments = mode is Mode.ARN and text_colons >= 5
    tokens: list[str | int | Var] = []
    colons = 0
    for index, part in enumerate(parts):
        if type(part) is Var:
            tokens.append(part)
            continue
        if type(part) is Literal or mode is Mode.LITERAL:
            _append_text(tokens, part.text if type(part) is Literal else part)
            continue
        for pos, char in enumerate(part):
            if char == ":":
                colons += 1
            if char == "*":
                segment_end = _ends_segment(parts, index, pos + 1)
                bounded = (mode is Mode.RESOURCE and not segment_end) or (arn_segments and colons < 5)
                tokens.append(SEG if bounded else ANY)
            elif char == "?":
                bounded = mode is Mode.RESOURCE or (arn_segments and colons < 5)
                tokens.append(ONE_SEG if bounded else ONE)
            else:
                _append_text(tokens, char)
    return tuple(tokens)


def _ends_segment(parts: Sequence[Part], index: int, pos: int) -> bool:
    """Whether the policy text right after (part ``index``, offset ``pos``) is ':' or the end."""
    part = parts[index]
    if pos < len(part):  # type: ignore[arg-type]
        return part[pos] == ":"  # type: ignore[index]
    following = parts[index + 1] if index + 1 < len(parts) else None
    if following is None:
        return True
    return isinstance(following, str) and following.startswith(":")


def _append_text(tokens: list[str | int | Var], text: str) -> None:
    if not text:
        return
    if tokens and type(tokens[-1]) is str:
        tokens[-1] += text
    else:
        tokens.append(text)


class PatternSet:
    """Several patterns of one element (OR): static patterns in one matcher, variable
    templates resolved per request. ``ignore_case`` lower-cases the patterns; the caller passes
    a lower-cased subject."""

    __slots__ = ("_everything", "_ignore_case", "_static", "_templates")

    def __init__(self, patterns: Iterable[str], mode: Mode, *, variables: bool, ignore_case: bool = False):
        static: list[tuple[str | int | Var, ...]] = []
        templates: list[tuple[str | int | Var, ...]] = []
        for pattern in patterns:
            text = pattern.lower() if ignore_case else pattern
            parts = split_template(text) if variables else (text,)
            (templates if has_variables(parts) else static).append(tokenize(parts, mode))
        self._static = compile_any(static)  # type: ignore[arg-type]
        self._everything = self._static is always  # "*": skip even the call
        self._templates = tuple(templates)
        self._ignore_case = ignore_case

    def match(self, subject: str, context: Context) -> bool:
        if self._everything or self._static(subject):
            return True
        templates = self._templates
        return bool(templates) and any(self._match_template(t, subject, context) for t in templates)

    def _match_template(self, tokens: Sequence[str | int | Var], subject: str, context: Context) -> bool:
        resolved = resolve(tokens, context)
        if resolved is None:
            return False
        merged: list[str | int | Var] = []
        for token in resolved:
            if type(token) is Literal:
                _append_text(merged, token.text.lower() if self._ignore_case else token.text)
            elif type(token) is str:
                _append_text(merged, token)
            else:
                merged.append(token)
        return compile_tokens(tuple(merged))(subject)  # type: ignore[arg-type]


# Principals -------------------------------------------------------------------------------


class Grant(IntEnum):
    """How specifically a resource-based statement names the caller (the strongest match wins).

    ACCOUNT only delegates to the account's own identity-based policies; ROLE (the role ARN,
    matching any session of the role) is still limited by the session's permissions boundary and
    session policies; DIRECT (the caller's own user / session / root ARN, a service, or ``*``)
    is not (IAM User Guide, "Policy evaluation for requests within a single account")."""

    NONE = 0
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


@dataclass(frozen=True)
class PrincipalFacts:
    """Who is calling, as resource-based and trust policies see it.

    ``arn``: the caller's own ARN (``arn:aws:iam::A:user/path/u``, ``arn:aws:iam::A:root``,
    ``arn:aws:sts::A:assumed-role/R/S``, ``arn:aws:sts::A:federated-user/N``); ``role_arn``: for a
    role session, the role's ARN with its path; ``service``: a calling service principal
    (``ec2.amazonaws.com``); ``federated``: an identity provider (web identity / SAML)."""

    account_id: str = ""
    arn: str = ""
    role_arn: str = ""
    service: str = ""
    federated: str = ""

    @cached_property
    def is_root(self) -> bool:
        return self.arn.endswith(":root") and self.arn.startswith("arn:")

    @cached_property
    def aws_names(self) -> tuple[str, ...]:
        """Every name the caller has in an ``AWS`` principal: its ARN, its role, its account."""
        if self.is_root:
            return (self.account_id,)
        return tuple(name for name in (self.arn, self.role_arn, self.account_id) if name)


_ROOT_ARN = re.compile(r"arn:[^:]+:iam::(\d{12}):root")


class PrincipalSpec:
    """A compiled Principal or NotPrincipal element."""

    __slots__ = ("_accounts", "_arns", "_federated", "_services", "anyone")

    def __init__(self, principals: Sequence[tuple[str, Sequence[str]]]):
        self.anyone = False
        arns: set[str] = set()
        accounts: set[str] = set()
        services: set[str] = set()
        federated: set[str] = set()
        for kind, values in principals:
            for value in values:
                if value == "*" and kind in ("*", "AWS"):
                    self.anyone = True
                elif kind == "AWS":
                    root = _ROOT_ARN.fullmatch(value)
                    if root or (value.isdigit() and len(value) == 12):
                        accounts.add(root.group(1) if root else value)
                    else:
                        arns.add(value)
                elif kind == "Service":
                    services.add(value.lower())
                elif kind == "Federated":
                    federated.add(value)
        self._arns, self._accounts = frozenset(arns), frozenset(accounts)
        self._services, self._federated = frozenset(services), frozenset(federated)

    def grant(self, caller: PrincipalFacts) -> Grant:
        """How this element names ``caller`` (`Grant.NONE` when it doesn't)."""
        if self.anyone:
            return Grant.DIRECT
        if caller.service:
            return Grant.DIRECT if caller.service.lower() in self._services else Grant.NONE
        if caller.federated:
            return Grant.DIRECT if caller.federated in self._federated else Grant.NONE
        if caller.arn in self._arns:
            return Grant.DIRECT
        if caller.role_arn and caller.role_arn in self._arns:
            return Grant.ROLE
        if caller.account_id in self._accounts:
            return Grant.DIRECT if caller.is_root else Grant.ACCOUNT
        return Grant.NONE

    def excludes(self, caller: PrincipalFacts) -> bool:
        """NotPrincipal: the caller is left out only if every name it has is listed (so a
        session is excluded only with its session ARN, role ARN and account all listed, as the
        User Guide's NotPrincipal page requires)."""
        if self.anyone:
            return True
        if caller.service:
            return caller.service.lower() in self._services
        if caller.federated:
            return caller.federated in self._federated
        names = caller.aws_names
        return bool(names) and all(n in self._arns or n in self._accounts for n in names)
