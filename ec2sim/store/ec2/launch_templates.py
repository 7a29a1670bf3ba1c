"""Launch templates: a named, numbered series of launch parameter sets (versions).

A version's data is kept as the request gave it (RequestLaunchTemplateData, boto3's names); the
api layer fits it to the response shape when it shows it and merges it into RunInstances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ec2sim.store.table import Resource, touch

MAX_TEMPLATES = 5000  # per account-region (EC2 User Guide, launch template quotas)
MAX_VERSIONS = 10000  # per template


@dataclass(eq=False)
class TemplateVersion:
    number: int
    create_time: datetime
    created_by: str  # the creating principal's ARN
    data: dict[str, Any]
    description: str | None = None


@dataclass(eq=False)
class LaunchTemplate(Resource):
    resource_type = "launch-template"
    name: str
    create_time: datetime
    created_by: str
    default_version: int = 1
    latest_version: int = 0  # the highest existing version
    numbered: int = 0  # the highest number ever given: a deleted version's number isn't reused
    # Version number (as text: a JSON object's keys are) → version, in ascending order.
    versions: dict[str, TemplateVersion] = field(default_factory=dict)
    client_token: str | None = None
    request_fingerprint: str = ""  # of the CreateLaunchTemplate request carrying `client_token`

    def version(self, number: int) -> TemplateVersion | None:
        return self.versions.get(str(number))

    def add_version(
        self, created: datetime, by: str, data: dict[str, Any], description: str | None
    ) -> TemplateVersion:
        version = TemplateVersion(self.numbered + 1, created, by, data, description)
        self.versions[str(version.number)] = version
        self.numbered = self.latest_version = version.number  # attributes: durable state notes them
        return version

    def remove_version(self, number: int) -> None:
        """Remove a version other than the default (so one always remains). Assumed (undocumented):
        numbers are never reused, so a version number names one parameter set for good."""
        del self.versions[str(number)]
        self.latest_version = max(v.number for v in self.versions.values())
        touch(self)
