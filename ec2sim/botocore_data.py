"""botocore's data files (AWS's service models, partitions.json), found and read without importing botocore.

Importing botocore costs tens of milliseconds of start-up; the emulator needs only its
data directory. The store's catalogues (regions), the answers to other services
(`ec2sim.api.foreign`) and the generator of the compact models the wire layer loads
(`bench/tools/models.py`) read from here; each service model is parsed once, on first use.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import threading
from typing import Any

Json = dict[str, Any]

# The API version of each service ec2sim serves (a directory under botocore/data/<service>/).
API_VERSIONS: dict[str, str] = {
    "ec2": "2016-11-15",
    "iam": "2010-05-08",
    "sts": "2011-06-15",
    "cloudtrail": "2013-11-01",
}

_lock = threading.Lock()
_descriptions: dict[str, Json] = {}


def data_path(relative: str) -> str:
    """A path under botocore's ``data`` directory."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("botocore (its data files are the service models) is not installed")
    return os.path.join(spec.submodule_search_locations[0], "data", relative)


def open_data(relative: str) -> io.BufferedIOBase:
    """A data file opened for reading, plain or gzipped (``<relative>.gz``) as botocore ships it."""
    path = data_path(relative)
    if os.path.exists(path):
        return open(path, "rb")
    return gzip.open(path + ".gz", "rb")


def service_description(service: str) -> Json:
    """The parsed ``service-2`` model of a served service, read on first use and shared."""
    found = _descriptions.get(service)
    if found is None:
        with _lock:
            found = _descriptions.get(service)
            if found is None:
                with open_data(f"{service}/{API_VERSIONS[service]}/service-2.json") as file:
                    found = _descriptions[service] = json.loads(file.read())
    return found
