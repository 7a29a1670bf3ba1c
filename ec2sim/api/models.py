"""AWS's own service models (botocore's data files), loaded once and lazily.

The models are the wire specification: operation names, input and output
shapes, wire names, list wrappers and constraints all come from here. The server loads the part
of each model it serves (``ec2sim/data/model_<service>.json.gz``, made from the installed botocore
by ``bench/tools/models.py``): every operation's name, the registered operations and the shapes
they reach; an operation outside it has no input or output shape here.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from ec2sim.api.shapes import OperationModel, ServiceModel
from ec2sim.botocore_data import API_VERSIONS as SERVICES

_lock = threading.Lock()
_models: dict[str, ServiceModel] = {}


def service_model(service: str) -> ServiceModel:
    """The ServiceModel of `service`, loaded on first use."""
    model = _models.get(service)
    if model is None:
        with _lock:
            model = _models.get(service)
            if model is None:
                data = resources.files("ec2sim.data").joinpath(f"model_{service}.json.gz").read_bytes()
                model = _models[service] = ServiceModel(
                    json.loads(gzip.decompress(data)), service_name=service
                )
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
        ns = self.model.metadata.get("xmlNamespace", "")  # none: a JSON protocol service
        return ns if not ns or ns.endswith("/") else ns + "/"

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
