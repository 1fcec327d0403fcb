"""The shared YAML layer: many documents, typed scalars, positions, and what it refuses."""

from __future__ import annotations

import time

import pytest

from golive.checks._yaml import YamlError, YamlMap, parse_yaml_documents
from golive.model import Location

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources: {limits: {cpu: 0.5}}
---
# an empty document, then a Service
---
apiVersion: v1
kind: Service
metadata: {name: web}
"""


def test_every_document_with_typed_scalars_and_positions() -> None:
    deployment, service = parse_yaml_documents(MANIFESTS, "deploy.yaml")
    assert isinstance(deployment, YamlMap)
    assert deployment["spec"]["replicas"] == 3
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["cpu"] == 0.5
    assert container["image"] == "nginx:1.27"
    assert service["kind"] == "Service"
    assert service.location == Location(path="deploy.yaml", line=16, column=1)
    assert deployment["spec"].at("replicas") == Location(path="deploy.yaml", line=6, column=3)


def test_yaml_1_2_booleans_only() -> None:
    (document,) = parse_yaml_documents("a: true\nb: no\nc: on\nd: False\n", "x.yaml")
    assert dict(document) == {"a": True, "b": "no", "c": "on", "d": False}


def test_a_python_tag_is_refused_without_running_anything() -> None:
    with pytest.raises(YamlError, match="refused the Python object tag"):
        parse_yaml_documents(
            "ok: 1\n---\nx: !!python/object/apply:os.system [echo owned]\n", "p.yaml"
        )


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        prev, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(
            f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]"
        )
    started = time.monotonic()
    with pytest.raises(YamlError, match="alias bomb"):
        parse_yaml_documents("\n".join(lines) + "\n", "bomb.yaml")
    assert time.monotonic() - started < 1.0


def test_a_long_document_with_an_anchor_is_no_bomb() -> None:
    # A large lockfile or rule file may hold an anchor; it is refused only when its aliases
    # multiply it, not for being long.
    text = "defaults: &defaults {retries: 3}\n" + "".join(
        f"job{n}: {{<<: *defaults, name: job{n}, tags: [a, b]}}\n" for n in range(4000)
    )
    (document,) = parse_yaml_documents(text, "long.yaml", max_nodes=10_000)  # ~40,000 values
    assert len(document) == 4001
    assert document["job3999"]["retries"] == 3


def test_a_deeply_nested_flow_collection_is_refused_before_parsing() -> None:
    started = time.monotonic()
    with pytest.raises(YamlError, match="nested more than 1000 levels deep"):
        parse_yaml_documents("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "deep.yaml")
    assert time.monotonic() - started < 1.0


def test_broken_yaml_names_the_place() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml_documents("a: 1\nb: [1, 2\n", "broken.yaml")
    assert caught.value.location.path == "broken.yaml"
    assert caught.value.location.line is not None
