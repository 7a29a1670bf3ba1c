"""AWS's own service models (botocore's data files), loaded once and lazily.

The models are the wire specification: operation names, input and output
shapes, wire names, list wrappers and constraints all come from here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from ec2sim.api.shapes import OperationModel, ServiceModel
from ec2sim.botocore_data import API_VERSIONS as SERVICES
from ec2sim.botocore_data import service_description

_lock = threading.Lock()
_models: dict[str, ServiceModel] = {}


def service_model(service: str) -> ServiceModel:
    """The ServiceModel of `service`, loaded on first use."""
    model = _models.get(service)
    if model is None:
        with _lock:
            model = _models.get(service)
            if model is None:
                model = _models[service] = ServiceModel(service_description(service), service_name=service)
    return model


@dataclass(frozen=True)
class ServiceInfo:
    """Protocol facts of one service that rendering needs."""

    name: str

    @cached_property
    def model(self) -> ServiceModel:
        return service_model(self.name)

    @cached_property
    def protocol(self) -> str:
        return self.model.metadata["protocol"]

    @cached_property
    def namespace(self) -> str:
        ns = self.model.metadata["xmlNamespace"]
        return ns if ns.endswith("/") else ns + "/"

    @cached_property
    def operation_names(self) -> frozenset[str]:
        return frozenset(self.model.operation_names)

    def operation(self, name: str) -> OperationModel:
        return self.model.operation_model(name)


SERVICE_INFO: dict[str, ServiceInfo] = {name: ServiceInfo(name) for name in SERVICES}


def preload() -> None:
    """Load every model (used at start-up, in a background thread)."""
    for info in SERVICE_INFO.values():
        info.operation_names  # noqa: B018 - warms the cached property
