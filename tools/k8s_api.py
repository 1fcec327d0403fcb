"""Generate src/golive/checks/k8s_api.json, the offline Kubernetes API table of `k8s.schema`.

The source is the upstream OpenAPI definitions of each Kubernetes minor version, as the PyPI
package kubernetes-validate ships them (`kubernetes-json-schema/vX.Y.0-local/_definitions.json`).
Two of its releases together cover Kubernetes 1.11 to the newest: fetch them with

    pip download --no-deps -d /tmp/k8s kubernetes-validate==1.24.1 kubernetes-validate==1.37.0
    python tools/k8s_api.py /tmp/k8s/* -o src/golive/checks/k8s_api.json

Archives (wheel or sdist) are read in place. The table keeps only what the check needs: for
every kind, each apiVersion that served it, from which and until which minor version, and
the version from which a stable (GA) version of the same kind stood beside a pre-release one;
the preferred apiVersion; the required top-level and `spec` fields of served apiVersions; and
the known `spec` fields of the common kinds (plus PodSpec and Container).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_VERSION_DIR = re.compile(r"(?:^|/)v1\.(\d+)\.0-local/_definitions\.json$")
_STABLE = re.compile(r"^v\d+$")
# The OpenAPI document of a release still lists types the API server had stopped serving by
# default; the Kubernetes deprecation guide gives the release that stopped serving these.
_REMOVED_EARLIER = {
    ("extensions/v1beta1", kind): 16
    for kind in ("Deployment", "DaemonSet", "ReplicaSet", "NetworkPolicy", "PodSecurityPolicy")
} | {
    (group, kind): 16
    for group in ("apps/v1beta1", "apps/v1beta2")
    for kind in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ControllerRevision")
}
_SPEC_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "Ingress",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
)
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _definitions(source: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(minor version, definitions) for every `-local` schema folder in `source`."""
    if source.is_dir():
        for path in sorted(source.rglob("_definitions.json")):
            match = _VERSION_DIR.search(path.as_posix())
            if match:
                yield int(match.group(1)), _defs(path.read_bytes())
    elif source.suffix == ".whl":
        with zipfile.ZipFile(source) as archive:
            for name in archive.namelist():
                match = _VERSION_DIR.search(name)
                if match:
                    yield int(match.group(1)), _defs(archive.read(name))
    else:
        with tarfile.open(source) as archive:
            for member in archive.getmembers():
                match = _VERSION_DIR.search(member.name)
                extracted = archive.extractfile(member) if match else None
                if match and extracted is not None:
                    yield int(match.group(1)), _defs(extracted.read())


def _defs(raw: bytes) -> dict[str, Any]:
    document = json.load(io.BytesIO(raw))
    found: dict[str, Any] = document.get("definitions") or document.get("$defs") or {}
    return found


def _ref(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if not ref and isinstance(schema.get("allOf"), list) and schema["allOf"]:
        ref = schema["allOf"][0].get("$ref", "")
    return str(ref).rsplit("/", 1)[-1]


def _kinds(defs: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(apiVersion, kind, definition name) of every top-level object with ObjectMeta."""
    for name, schema in defs.items():
        gvks = schema.get("x-kubernetes-group-version-kind") or []
        metadata = schema.get("properties", {}).get("metadata", {})
        if len(gvks) != 1 or _ref(metadata) != _OBJECT_META:
            continue
        gvk = gvks[0]
        group, version = gvk.get("group", ""), gvk["version"]
        yield (f"{group}/{version}" if group else version), gvk["kind"], name


def _fields(defs: dict[str, Any], name: str) -> tuple[list[str], list[str]]:
    schema = defs.get(name, {})
    return sorted(schema.get("properties", {})), sorted(schema.get("required", []))


def _stable(api_version: str) -> bool:
    return bool(_STABLE.match(api_version.rpartition("/")[2]))


def _rank(api_version: str) -> tuple[int, int, int]:
    """Stable before beta before alpha, newer before older."""
    version = api_version.rpartition("/")[2]
    match = re.match(r"v(\d+)(?:(alpha|beta)(\d+))?$", version)
    if not match:
        return (0, 0, 0)
    level = {"": 3, "beta": 2, "alpha": 1}[match.group(2) or ""]
    return (level, int(match.group(1)), int(match.group(3) or 0))


def build(sources: list[Path]) -> dict[str, Any]:
    versions: dict[int, dict[str, Any]] = {}
    for source in sources:
        for minor, defs in _definitions(source):
            versions[minor] = defs
    if not versions:
        raise SystemExit("no vX.Y.0-local/_definitions.json found in the sources")
    minors = sorted(versions)
    latest = minors[-1]
    served: dict[str, dict[str, list[int]]] = {}  # kind -> apiVersion -> minors
    names: dict[tuple[str, str], str] = {}  # (kind, apiVersion) -> definition, newest
    for minor in minors:
        for api_version, kind, name in _kinds(versions[minor]):
            served.setdefault(kind, {}).setdefault(api_version, []).append(minor)
            names[kind, api_version] = name
    kinds: dict[str, Any] = {}
    for kind in sorted(served):
        entries: dict[str, Any] = {}
        stable_since = [min(found) for version, found in served[kind].items() if _stable(version)]
        for api_version in sorted(served[kind], key=_rank, reverse=True):
            found = served[kind][api_version]
            until = found[-1]
            earlier = _REMOVED_EARLIER.get((api_version, kind))
            if earlier is not None:
                until = min(until, earlier - 1)
            entry: dict[str, Any] = {"since": f"1.{found[0]}"}
            if until < latest:
                entry["removed"] = f"1.{until + 1}"
            if not _stable(api_version) and stable_since:
                entry["superseded"] = f"1.{max(min(stable_since), found[0])}"
            if until == latest:
                defs = versions[latest]
                _, top = _fields(defs, names[kind, api_version])
                spec_ref = _ref(
                    defs[names[kind, api_version]].get("properties", {}).get("spec", {})
                )
                _, spec = _fields(defs, spec_ref) if spec_ref else ([], [])
                required = [f for f in top if f not in {"apiVersion", "kind", "metadata"}]
                required += [f"spec.{f}" for f in spec]
                if required:
                    entry["required"] = required
            entries[api_version] = entry
        current = [v for v, e in entries.items() if "removed" not in e]
        kinds[kind] = {"versions": entries, **({"preferred": current[0]} if current else {})}
    latest_defs = versions[latest]
    spec_fields: dict[str, list[str]] = {}
    for kind in _SPEC_KINDS:
        preferred = kinds.get(kind, {}).get("preferred")
        if preferred is None:
            continue
        schema = latest_defs[names[kind, preferred]]
        spec_fields[kind] = _fields(latest_defs, _ref(schema["properties"]["spec"]))[0]
    spec_fields["PodSpec"] = _fields(latest_defs, "io.k8s.api.core.v1.PodSpec")[0]
    spec_fields["Container"] = _fields(latest_defs, "io.k8s.api.core.v1.Container")[0]
    return {
        "about": "generated by tools/k8s_api.py from the upstream OpenAPI definitions "
        "(PyPI kubernetes-validate); do not edit",
        "versions": [f"1.{minor}" for minor in minors],
        "kinds": kinds,
        "fields": spec_fields,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", type=Path, help="kubernetes-validate archives")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    table = build(args.sources)
    text = json.dumps(table, indent=1, sort_keys=True) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(
        f"{args.output}: {len(table['kinds'])} kinds, Kubernetes {table['versions'][0]}"
        f"-{table['versions'][-1]}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
