"""Parameters of the Kubernetes checks: each takes `waive`, and the ones named in the catalog."""

from __future__ import annotations

import ipaddress
import re

from pydantic import Field, field_validator

from golive.checks._k8s_base import WaiveParams

__all__ = [
    "HpaParams",
    "ImageParams",
    "MeshParams",
    "Network",
    "NetworkParams",
    "ProbesParams",
    "ReplicasParams",
    "ResourcesParams",
    "SchemaParams",
    "ServiceParams",
    "network_range",
    "parse_version",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_VERSION = re.compile(r"^v?1\.(\d+)(?:\.\d+)?$")


def parse_version(text: str) -> int:
    """The minor version of "1.29", "v1.29" or "1.29.3"; ValueError otherwise."""
    match = _VERSION.match(text.strip())
    if not match:
        raise ValueError(f'"{text}" is not a Kubernetes version such as "1.29"')
    return int(match.group(1))


def network_range(text: str) -> Network:
    """A CIDR ("10.0.0.0/8"; host bits allowed); ValueError otherwise."""
    return ipaddress.ip_network(text.strip(), strict=False)


class SchemaParams(WaiveParams):
    kubernetes_version: str | None = None  # the cluster version to judge for; default newest
    operator_groups: list[str] = Field(default_factory=list)  # more API groups to accept

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None:
            parse_version(value)
        return value


class ResourcesParams(WaiveParams):
    cpu_limit: bool = True  # also require limits.cpu
    init_containers: bool = False  # also judge init containers that run to completion


class ProbesParams(WaiveParams):
    liveness: str | None = None  # expected httpGet path; default: the service's liveness path
    readiness: str | None = None


class HpaParams(WaiveParams):
    min_replicas: int = 2
    max_replicas: int = 10  # the ceiling the capacity plan allows
    cpu_target: int | None = 70  # scale at this CPU utilisation % or earlier; 0: not required
    memory_target: int | None = 80


class ImageParams(WaiveParams):
    strict: bool = False  # require every image to be pinned by digest


class NetworkParams(WaiveParams):
    allowed_ips: list[str] = Field(default_factory=list)  # CIDRs ingress sources must lie in

    @field_validator("allowed_ips")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for text in value:
            network_range(text)  # a ValueError names the bad CIDR
        return value


class ReplicasParams(WaiveParams):
    min: int = 2


class ServiceParams(WaiveParams):
    algorithm: str | None = None  # e.g. "least_connections"
    session_affinity: bool = False


class MeshParams(WaiveParams):
    root_namespace: str = "istio-system"  # Istio's root namespace (mesh-wide policies)
