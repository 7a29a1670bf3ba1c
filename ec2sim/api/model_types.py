"""Request TypedDicts of operations botocore's models have and the pinned stubs (types-boto3-iam
1.43.70, types-boto3-sts 1.43.94) don't yet: written from the model's input shapes, named as the
stubs name theirs, imported under TYPE_CHECKING only like the stubs (/work/notes/typed.md). Drop one
when the stubs carry it, and import the stubs' instead. (Required members in a base class, optional
ones in a ``total=False`` class.)"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict


class _KeyDefinition(TypedDict):
    SourceKey: str


class ContextProviderKeyDefinitionTypeDef(_KeyDefinition, total=False):
    TargetKey: str


class _ContextProvider(TypedDict):
    SubjectSourceKey: str


class ContextProviderTypeDef(_ContextProvider, total=False):
    KeyDefinitionList: list[ContextProviderKeyDefinitionTypeDef]
    SubjectTypeValue: str
    SubjectTypeSourceKey: str


class _UpdateOpenIDConnectProvider(TypedDict):
    OpenIDConnectProviderArn: str


class UpdateOpenIDConnectProviderRequestTypeDef(_UpdateOpenIDConnectProvider, total=False):
    """IAM UpdateOpenIDConnectProvider's input (botocore iam 2010-05-08)."""

    ContextProvider: ContextProviderTypeDef
    IdentityCenterInstanceArn: str
    RemoveContextProvider: bool
    RemoveIdentityCenterInstance: bool


class GetScopedCredentialsRequestTypeDef(TypedDict, total=False):
    """STS GetScopedCredentials' input (botocore sts 2011-06-15; not in types-boto3-sts 1.43.94)."""

    Policy: str
    DurationSeconds: int
    MinimumSessionTokenSize: int
    ScopedSessionDescription: str


class LookupAttributeTypeDef(TypedDict):
    AttributeKey: str
    AttributeValue: str


class LookupEventsRequestTypeDef(TypedDict, total=False):
    """CloudTrail LookupEvents' input (botocore cloudtrail 2013-11-01; types-boto3-cloudtrail is not
    among the pinned stubs)."""

    LookupAttributes: list[LookupAttributeTypeDef]
    StartTime: datetime
    EndTime: datetime
    EventCategory: str
    MaxResults: int
    NextToken: str
