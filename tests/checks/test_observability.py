from __future__ import annotations

from pathlib import Path

import pytest

from golive.checklist import load_profile
from golive.checks.base import Check
from golive.checks.observability import StructuredLogging, TracingConfigured
from golive.checks.registry import Registry
from golive.model import Outcome, Status
from golive.testing import run_check

EXAMPLE = Path(__file__).parents[2] / "examples" / "service"

CARGO = '[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _rust(root: Path, deps: str, main: str, **more: str) -> Path:
    return _tree(root, {"Cargo.toml": CARGO + deps, "src/main.rs": main, **more})


def _places(outcome: Outcome, *, evidence: bool) -> list[str]:
    return [str(f.location) for f in outcome.findings if f.evidence is evidence]


# --- logging.structured: Rust -------------------------------------------------------------


def test_tracing_subscriber_with_json_passes_with_the_place(tmp_path: Path) -> None:
    _rust(
        tmp_path,
        'tracing-subscriber = { version = "0.3", features = ["json"] }\n',
        "fn main() {\n    tracing_subscriber::fmt()\n        .json()\n        .init();\n}\n",
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.PASS, outcome.summary
    assert _places(outcome, evidence=True) == ["src/main.rs:3"]
    assert "tracing-subscriber fmt with .json()" in outcome.summary


def test_tracing_subscriber_fmt_without_json_fails_with_the_fix(tmp_path: Path) -> None:
    _rust(
        tmp_path,
        'tracing-subscriber = { version = "0.3", features = ["json"] }\n',
        "fn main() {\n    tracing_subscriber::fmt().init();\n}\n",
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.FAIL
    assert _places(outcome, evidence=False) == ["src/main.rs:2"]
    assert "its `json` feature is on, but" in outcome.summary
    assert outcome.remediation is not None and ".json()" in outcome.remediation


def test_env_logger_fails(tmp_path: Path) -> None:
    _rust(
        tmp_path, 'env_logger = "0.11"\nlog = "0.4"\n', "fn main() {\n    env_logger::init();\n}\n"
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.FAIL
    assert _places(outcome, evidence=False) == ["src/main.rs:2"]
    assert "env_logger (text)" in outcome.summary


def test_a_logger_declared_but_never_called_decides_nothing(tmp_path: Path) -> None:
    """Neither a crate the code never calls nor tracing-subscriber's `json` feature alone
    says how the service logs: the format stays unknown, not guessed."""
    _rust(
        tmp_path,
        'env_logger = "0.11"\ntracing-subscriber = { version = "0.3", features = ["json"] }\n',
        'fn main() {\n    println!("ready");\n}\n',
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.UNKNOWN, outcome.summary
    assert "1 direct print(s) to stdout/stderr (src/main.rs:2)" in outcome.summary


def test_a_json_and_a_plain_logger_warn_naming_the_plain_one(tmp_path: Path) -> None:
    _rust(
        tmp_path,
        'slog = "2"\nslog-json = "2"\nslog-term = "2"\n',
        "fn main() {\n    let _j = slog_json::Json::default(std::io::stderr());\n"
        "    let _t = slog_term::TermDecorator::new();\n}\n",
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.WARN
    assert "slog-term" in outcome.summary and "slog-json" not in outcome.summary
    assert _places(outcome, evidence=False) == ["src/main.rs:3"]
    assert _places(outcome, evidence=True) == ["src/main.rs:2"]


def test_log4rs_json_encoder_in_its_yaml_passes(tmp_path: Path) -> None:
    _rust(
        tmp_path,
        'log4rs = "1"\n',
        'fn main() {\n    log4rs::init_file("log4rs.yaml", Default::default()).unwrap();\n}\n',
        **{
            "log4rs.yaml": "appenders:\n  out:\n    kind: console\n    encoder:\n      kind: json\n"
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == ["log4rs.yaml:5"]


def test_the_example_service_has_a_hand_written_json_logger() -> None:
    outcome = run_check(StructuredLogging, EXAMPLE)
    assert outcome.status is Status.PASS
    assert outcome.summary == (
        "structured logging: hand-written JSON logger: log() (src/lib.rs:32) writes JSON lines "
        "to stderr at src/lib.rs:35"
    )
    assert _places(outcome, evidence=True) == ["src/lib.rs:35"]


def test_a_print_of_one_key_is_not_a_logger_and_is_unknown(tmp_path: Path) -> None:
    _rust(tmp_path, "", 'fn main() {\n    println!(r#"{{"msg":"hi"}}"#);\n}\n')
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert "1 direct print(s) to stdout/stderr (src/main.rs:2)" in outcome.summary


def test_code_that_neither_logs_nor_prints_fails(tmp_path: Path) -> None:
    _rust(tmp_path, "", "fn main() {\n    let _x = 1 + 1;\n}\n")
    assert run_check(StructuredLogging, tmp_path).status is Status.FAIL


def test_without_rust_or_python_code_it_is_not_applicable(tmp_path: Path) -> None:
    _tree(tmp_path, {"README.md": "# hello\n", "main.go": "package main\n"})
    assert run_check(StructuredLogging, tmp_path).status is Status.NOT_APPLICABLE
    assert run_check(TracingConfigured, tmp_path).status is Status.NOT_APPLICABLE


# --- logging.structured: Python -----------------------------------------------------------


def test_structlog_with_json_renderer_passes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "structlog==24.1.0\n",
            "app/log.py": (
                "import structlog\n\nstructlog.configure(\n"
                "    processors=[structlog.processors.JSONRenderer()],\n)\n"
            ),
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == ["app/log.py:4"]


def test_structlog_default_console_renderer_fails_saying_it_is_for_humans(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "structlog\n",
            "app/log.py": "import structlog\n\nstructlog.configure(processors=[])\n",
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.FAIL
    assert "renders for humans" in outcome.summary
    assert _places(outcome, evidence=False) == ["app/log.py:3"]


def test_logging_dictconfig_with_python_json_logger_passes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "svc"\ndependencies = ["python-json-logger"]\n',
            "svc/main.py": (
                "import logging.config\n\nlogging.config.dictConfig({\n"
                '    "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter"}},\n'
                "})\n"
            ),
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == ["svc/main.py:3"]


def test_basicconfig_with_a_text_format_fails(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "svc/main.py": (
                "import logging\n\n"
                'logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")\n'
            ),
            "tests/test_main.py": "import structlog\nstructlog.processors.JSONRenderer()\n",
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.FAIL  # the test's JSONRenderer is not the service's
    assert _places(outcome, evidence=False) == ["svc/main.py:3"]
    assert "JsonFormatter" in (outcome.remediation or "")


def test_loguru_serialize_true_passes_and_a_mention_in_a_docstring_does_not(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            "a.py": "from loguru import logger\nimport sys\n\nlogger.add(sys.stderr, serialize=True)\n",
            "b.py": '"""Never: logging.basicConfig(format="%(message)s")."""\n',
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == ["a.py:4"]


def test_a_hand_written_python_json_logger_passes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "svc.py": (
                "import json, sys\n\n\ndef log(level, msg):\n"
                '    print(json.dumps({"level": level, "msg": msg}), file=sys.stderr)\n'
            )
        },
    )
    outcome = run_check(StructuredLogging, tmp_path)
    assert outcome.status is Status.PASS
    assert "log() (svc.py:4) writes JSON lines to stderr" in outcome.summary


# --- tracing.configured ---------------------------------------------------------------------

OTLP_MAIN = (
    "use opentelemetry_otlp::WithExportConfig;\n\nfn main() {\n"
    "    let exporter = opentelemetry_otlp::SpanExporter::builder()\n"
    '        .with_tonic().with_endpoint("http://collector:4317").build();\n'
    "    let _provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()\n"
    "        .with_batch_exporter(exporter.unwrap()).build();\n}\n"
)
OTLP_DEPS = 'opentelemetry = "0.27"\nopentelemetry_sdk = "0.27"\nopentelemetry-otlp = "0.27"\n'


def test_an_otlp_exporter_passes_with_dependency_and_setup(tmp_path: Path) -> None:
    _rust(tmp_path, OTLP_DEPS, OTLP_MAIN)
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.PASS, outcome.summary
    assert _places(outcome, evidence=True) == ["src/main.rs:4", "src/main.rs:6"]
    assert "opentelemetry-otlp (Cargo.toml:" in (outcome.observed or "")


def test_otlp_reaches_jaeger_and_says_why(tmp_path: Path) -> None:
    _rust(tmp_path, OTLP_DEPS, OTLP_MAIN)
    outcome = run_check(TracingConfigured, tmp_path, backend="jaeger")
    assert outcome.status is Status.PASS
    assert "Jaeger accepts OTLP natively since 1.35" in (outcome.observed or "")


def test_a_zipkin_exporter_does_not_reach_jaeger(tmp_path: Path) -> None:
    _rust(
        tmp_path,
        'opentelemetry = "0.27"\nopentelemetry-zipkin = "0.27"\n',
        "fn main() {\n    let _t = opentelemetry_zipkin::new_pipeline().install_simple();\n}\n",
    )
    outcome = run_check(TracingConfigured, tmp_path, backend="jaeger")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("the exporter targets zipkin, not jaeger")
    assert _places(outcome, evidence=False) == ["src/main.rs:2"]
    assert run_check(TracingConfigured, tmp_path, backend="zipkin").status is Status.PASS


def test_an_unknown_backend_is_unknown_unless_the_configuration_names_it(tmp_path: Path) -> None:
    _rust(tmp_path, OTLP_DEPS, OTLP_MAIN)
    outcome = run_check(TracingConfigured, tmp_path, backend="lightstep")
    assert outcome.status is Status.UNKNOWN
    assert 'cannot tell whether spans reach "lightstep"' in outcome.summary
    assert run_check(TracingConfigured, tmp_path, backend="collector").status is Status.PASS


def test_no_tracing_library_fails_at_the_manifest(tmp_path: Path) -> None:
    _rust(tmp_path, 'serde = "1"\n', "fn main() {}\n")
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no tracing library among the dependencies"
    assert _places(outcome, evidence=False) == ["Cargo.toml:6"]


def test_a_declared_library_never_initialised_fails(tmp_path: Path) -> None:
    _rust(tmp_path, OTLP_DEPS, "use opentelemetry_otlp::SpanExporter;\n\nfn main() {}\n")
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.FAIL
    assert "declared, never initialised" in outcome.summary
    assert [(f.location.path, f.location.line) for f in outcome.findings if f.location] == [
        ("Cargo.toml", 7),
        ("Cargo.toml", 8),
        ("Cargo.toml", 9),
    ]


def test_the_deprecated_jaeger_exporter_warns(tmp_path: Path) -> None:
    _rust(
        tmp_path,
        'opentelemetry-jaeger = "0.20"\n',
        "fn main() {\n    let _t = opentelemetry_jaeger::new_agent_pipeline().install_simple();\n}\n",
    )
    outcome = run_check(TracingConfigured, tmp_path, backend="jaeger")
    assert outcome.status is Status.WARN
    assert "deprecated" in outcome.summary


def test_python_sdk_with_otlp_exporter_passes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "opentelemetry-sdk\nopentelemetry-exporter-otlp\n",
            "svc/tracing.py": (
                "from opentelemetry import trace\n"
                "from opentelemetry.sdk.trace import TracerProvider\n"
                "from opentelemetry.sdk.trace.export import BatchSpanProcessor\n"
                "from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import "
                "OTLPSpanExporter\n\n"
                "provider = TracerProvider()\n"
                "provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))\n"
                "trace.set_tracer_provider(provider)\n"
            ),
        },
    )
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == [
        "svc/tracing.py:7",
        "svc/tracing.py:6",
        "svc/tracing.py:8",
    ]


def test_console_exporter_only_fails(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "opentelemetry-sdk\n",
            "svc.py": "provider = TracerProvider()\nexporter = ConsoleSpanExporter()\n",
        },
    )
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("spans are not exported to a tracing backend")


def test_a_dockerfile_launcher_sets_up_auto_instrumentation(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "flask\nopentelemetry-distro\nopentelemetry-exporter-otlp\n",
            "app.py": "import flask\n",
            "Dockerfile": (
                "FROM python:3.12-slim\nCOPY . /app\n"
                'CMD ["opentelemetry-instrument", "python", "app.py"]\n'
            ),
        },
    )
    outcome = run_check(TracingConfigured, tmp_path, backend="jaeger")
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == ["Dockerfile:3"]


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc
spec:
  template:
    spec:
      containers:
        - name: svc
          image: svc:1
          env:
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: "http://otel-collector.observability:4317"
"""


def test_a_deployment_pointing_auto_instrumentation_at_a_collector_passes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "opentelemetry-distro\nopentelemetry-instrumentation-flask\n",
            "app.py": "import flask\n",
            "deploy/svc.yaml": DEPLOYMENT,
        },
    )
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.PASS
    assert _places(outcome, evidence=True) == ["deploy/svc.yaml:12"]
    assert "http://otel-collector.observability:4317" in outcome.summary
    assert "launcher was not found" in outcome.summary


def test_a_deployment_setting_alone_does_not_initialise_a_rust_exporter(tmp_path: Path) -> None:
    _rust(tmp_path, OTLP_DEPS, "fn main() {}\n", **{"deploy/svc.yaml": DEPLOYMENT})
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.FAIL
    assert "declared, never initialised" in outcome.summary
    assert "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector" in (outcome.observed or "")


def test_sentry_traces_warn_as_not_distributed_tracing(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "requirements.txt": "sentry-sdk\n",
            "app.py": 'import sentry_sdk\n\nsentry_sdk.init(dsn="x", traces_sample_rate=0.2)\n',
        },
    )
    outcome = run_check(TracingConfigured, tmp_path)
    assert outcome.status is Status.WARN
    assert "not a distributed-tracing backend" in outcome.summary
    assert run_check(TracingConfigured, tmp_path, backend="sentry").status is Status.PASS


def test_the_example_service_has_no_tracing() -> None:
    outcome = run_check(TracingConfigured, EXAMPLE, backend="jaeger")
    assert outcome.status is Status.FAIL
    assert _places(outcome, evidence=False) == ["Cargo.toml:11"]


# --- the catalog and the profiles ---------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "item", "check", "params"),
    [
        ("mocopr", "logging.structured", StructuredLogging, {}),
        ("tusklang", "observe.tracing", TracingConfigured, {"backend": "jaeger"}),
    ],
)
def test_the_profiles_use_the_built_checks(
    profile: str, item: str, check: type[Check], params: dict[str, str]
) -> None:
    registry = Registry.discover()
    assert registry.get(check.id) is check
    assert registry.planned(check.id) is None
    found = load_profile(profile, registry).item(item)
    assert found is not None
    (ref,) = [ref for ref in found.checks if ref.id == check.id]
    assert not ref.planned and found.planned == ()
    assert ref.params.model_dump(exclude_none=True) == params
