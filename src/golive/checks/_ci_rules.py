"""What counts as each CI stage: the commands, actions, tasks and words that show it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

__all__ = [
    "STAGES",
    "action_stages",
    "command_stages",
    "is_setup",
    "is_trivial",
    "name_stages",
    "synthesized_commands",
    "task_target",
]

STAGES = ("tests", "lint", "security-scan", "image-scan", "build", "deploy", "rollback", "verify")


def _c(pattern: str) -> re.Pattern[str]:
    """A command pattern that starts and ends at word edges (`pytest`, not `pytest.ini`)."""
    return re.compile(rf"(?<![\w.-])(?:{pattern})(?![\w.-]*[\w-])", re.IGNORECASE)


_OPTS = r"(?:\S+\s+)*?"  # options between a program and its subcommand, in one segment
_CARGO = r"cargo\s+(?:\+\S+\s+)?"
_JS = r"(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?"

_COMMANDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (stage, _c(pattern))
    for stage, patterns in {
        "tests": (
            r"pytest|py\.test|python3?\s+-m\s+(?:pytest|unittest)",
            _CARGO + r"(?:test|nextest|llvm-cov|tarpaulin)",
            r"go\s+test|gotestsum",
            _JS + r"test(?::[\w:-]+)?",
            r"(?:\./)?mvnw?\s+" + _OPTS + r"(?:test|verify|integration-test)",
            r"(?:\./)?gradlew?\s+" + _OPTS + r"(?:test|check|integrationTest)",
            r"tox|nox",
            r"dotnet\s+test|rspec|jest|vitest|mocha|phpunit|ctest|bazel\s+test|swift\s+test",
            r"mix\s+test|deno\s+test|playwright\s+test|cypress\s+run|hatch\s+(?:run\s+)?test",
        ),
        "lint": (
            r"ruff|flake8|pylint|mypy|pyright|black\s+.*--check|isort\s+.*--check(?:-only)?",
            _CARGO + r"clippy",
            _CARGO + r"fmt\s+.*--check",
            r"eslint|golangci-lint|pre-commit|prettier\s+.*--check|hadolint|shellcheck",
            r"yamllint|actionlint|go\s+vet|gofmt\s+-l|staticcheck|rubocop|ktlint|detekt",
            r"stylelint|markdownlint(?:-cli2)?|biome\s+(?:check|lint|ci)|tflint|helm\s+lint",
            _JS + r"lint(?::[\w:-]+)?",
        ),
        "security-scan": (
            r"pip-audit",
            _CARGO + r"(?:audit|deny|vet)",
            r"(?:npm|pnpm|yarn)\s+audit|safety\s+(?:check|scan)|bandit|semgrep",
            r"codeql\s+(?:database|analyze)|gitleaks|trufflehog|osv-scanner|govulncheck|gosec",
            r"trivy\s+" + _OPTS + r"(?:fs|filesystem|repo|repository|config|sbom)",
            r"snyk\s+(?:code\s+|iac\s+)?test|checkov|tfsec|kics\s+scan|dependency-check",
            r"grype\s+(?:dir|file|sbom):\S+|bundle[- ]audit|brakeman|detect-secrets",
            r"golive\s+(?:check|gate)(?!.*--live)",
        ),
        "image-scan": (
            r"trivy\s+" + _OPTS + r"(?:image|i)",
            r"grype\s+(?!(?:dir|file|sbom):|db\b|version\b|-)\S+",
            r"docker\s+scout\s+(?:cves|quickview|recommendations|compare)|docker\s+scan",
            r"snyk\s+container\s+(?:test|monitor)|dockle|clair-scanner|clairctl",
        ),
        "build": (
            _CARGO + r"build\s+.*--(?:release|profile[= ](?:release|dist|production))",
            r"cross\s+build\s+.*--release|cargo\s+(?:dist|zigbuild)|maturin\s+build",
            r"python3?\s+-m\s+build|(?:uv|poetry|hatch|pdm|flit)\s+build|pip\s+wheel",
            r"docker\s+(?:image\s+)?build|docker\s+buildx\s+(?:build|bake)|docker\s+push",
            r"docker[\s-]compose\s+" + _OPTS + r"build|podman\s+(?:build|push)",
            r"buildah\s+(?:bud|build)|kaniko/executor|ko\s+(?:build|publish)|pack\s+build",
            r"nix\s+build|bazel\s+build|goreleaser|go\s+build|skaffold\s+build",
            _JS + r"build(?::[\w:-]+)?",
            r"(?:\./)?mvnw?\s+" + _OPTS + r"(?:package|install|deploy)",
            r"(?:\./)?gradlew?\s+" + _OPTS + r"(?:build|assemble|bootJar|jib)",
            r"dotnet\s+(?:publish|pack)",
        ),
        "deploy": (
            r"kubectl\s+" + _OPTS + r"(?:apply|set\s+image|rollout\s+restart|replace)",
            r"helm\s+" + _OPTS + r"(?:upgrade|install)|helmfile\s+" + _OPTS + r"(?:apply|sync)",
            r"argocd\s+app\s+(?:sync|set)|flux\s+(?:reconcile|bootstrap)",
            r"(?:terraform|tofu)\s+" + _OPTS + r"apply|terragrunt\s+(?:run-all\s+)?apply",
            r"pulumi\s+up|(?:fly|flyctl)\s+deploy|gcloud\s+"
            + _OPTS
            + r"(?:run|app|functions)\s+deploy",
            r"aws\s+ecs\s+update-service|aws\s+lambda\s+update-function-code",
            r"aws\s+deploy\s+create-deployment|aws\s+cloudformation\s+deploy|(?:sam|cdk)\s+deploy",
            r"(?:serverless|sls)\s+deploy|az\s+(?:webapp|functionapp|containerapp)\s+(?:deploy|up|update)",
            r"heroku\s+container:release|git\s+push\s+" + _OPTS + r"heroku|netlify\s+deploy",
            r"vercel\s+.*--prod|wrangler\s+(?:deploy|publish)|docker\s+stack\s+deploy",
            r"nomad\s+(?:job\s+)?run|kamal\s+deploy|skaffold\s+(?:run|deploy)|eb\s+deploy",
            r"copilot\s+(?:svc\s+)?deploy|railway\s+up|kubectl[\s-]argo[\s-]rollouts\s+set\s+image",
        ),
        "rollback": (
            r"kubectl\s+" + _OPTS + r"rollout\s+undo",
            r"helm\s+" + _OPTS + r"rollback",
            r"helm\s+" + _OPTS + r"(?:upgrade|install)\s+.*--(?:atomic|rollback-on-failure)",
            r"kubectl[\s-]argo[\s-]rollouts\s+" + _OPTS + r"(?:abort|undo)",
            r"argocd\s+app\s+rollback|aws\s+deploy\s+stop-deployment|kamal\s+rollback",
        ),
        "verify": (
            r"(?:curl|wget|http|https)\s+.*/(?:health|healthz|healthcheck|health-check|readyz"
            r"|livez|ready|readiness|liveness)(?=[\s\"'/?]|$)",
            r"kubectl\s+" + _OPTS + r"rollout\s+status|kubectl\s+" + _OPTS + r"wait\s+.*--for",
            r"golive\s+(?:check|gate)\s+.*--live|helm\s+test|aws\s+ecs\s+wait\s+services-stable",
            r"kubectl[\s-]argo[\s-]rollouts\s+status|argocd\s+app\s+wait\s+.*--health",
        ),
    }.items()
    for pattern in patterns
)
_SEGMENTS = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_QUIET = re.compile(
    r"^(?:echo|printf|:|#|true|false)\b"  # says something, runs nothing
    r"|^(?:(?:uv\s+)?pip3?|pipx|uv\s+tool|cargo(?:\s+\+\S+)?|go|gem|brew|apt(?:-get)?|apk|yum"
    r"|dnf|rustup\s+component)\s+(?:-\S+\s+)*(?:install|add)\b"  # installs a tool
    r"|^(?:npm|pnpm|yarn|bun)\s+(?:i|install|add)\s+(?:-g|--global)\b"
    r"|^python3?\s+-m\s+pip\s+install\b"
)
_PREFIX = re.compile(r"^(?:(?:sudo|time|exec|env|nohup)\s+|\w+=\S*\s+)+")


def command_stages(line: str) -> Iterator[tuple[str, str]]:
    """(stage, command) for each recognised command on one line of a script."""
    for part in _SEGMENTS.split(line):
        segment = _PREFIX.sub("", part.strip())
        if not segment or _QUIET.match(segment):
            continue
        for stage, pattern in _COMMANDS:
            if pattern.search(segment):
                yield stage, segment


_TRIVIAL = re.compile(
    r"^(?:echo|printf|cd|ls|cat|export|mkdir|true|false|sleep|set|env|pwd|:|exit|rm|cp|mv"
    r"|chmod|touch|tee|date|whoami|uname|source|\.|which|git\s+config|pip3?\s+install"
    r"|python3?\s+-m\s+pip\s+install|(?:npm|pnpm|yarn)\s+(?:ci|install)|apt(?:-get)?\s"
    r"|brew\s+install|cargo\s+install|go\s+install|rustup|curl\s.*\|\s*(?:ba)?sh)\b"
)


def is_trivial(line: str) -> bool:
    """Whether a command line does nothing that could be a stage (echo, cd, installs)."""
    return all(
        not segment.strip() or _TRIVIAL.match(_PREFIX.sub("", segment.strip()))
        for segment in re.split(r"\s*(?:&&|;)\s*", line)
    )


_TASK = re.compile(
    r"^(?:(?:make|gmake|just|task|mage|invoke|rake|earthly)\s+(?:-\S+\s+)*(?P<a>[\w:./+-]+)"
    r"|(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?(?P<b>[\w:./-]+)"
    r"|cargo\s+(?:xtask|make)\s+(?P<c>[\w:-]+)"
    r"|(?:nox\s+(?:-\S+\s+)*-s|tox\s+(?:-\S+\s+)*-e)\s+(?P<d>[\w,-]+)"
    r"|(?:bash|sh|zsh|pwsh|powershell|python3?|node|ruby|perl)\s+(?:-\S+\s+)*(?P<e>[\w./-]+)"
    r"|(?P<f>\.{0,2}/?[\w./-]+\.(?:sh|bash|py|ps1|rb|js|ts))(?=\s|$)|(?P<g>\.\.?/[\w./-]+))"
)


def task_target(line: str) -> str | None:
    """The target of a task runner or a script (`make deploy`, `./scripts/smoke.sh`)."""
    match = _TASK.match(_PREFIX.sub("", line.strip()))
    if match is None:
        return None
    return next((value for value in match.groups() if value), None)


_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("verify", frozenset({"smoke", "smoketest", "health", "healthcheck", "verify", "postdeploy"})),
    ("rollback", frozenset({"rollback", "revert", "undo"})),
    ("tests", frozenset({"test", "tests", "unit", "integration", "e2e", "spec", "specs"})),
    ("lint", frozenset({"lint", "linter", "linters", "linting", "fmt", "format", "clippy"})),
    ("security-scan", frozenset({"audit", "security", "vuln", "vulns", "sast", "secrets"})),
    ("build", frozenset({"build", "dist", "package", "compile", "bundle"})),
    ("deploy", frozenset({"deploy", "deployment", "rollout", "ship", "promote"})),
)
_IMAGE = frozenset({"image", "images", "container", "docker"})
_SCAN = frozenset({"scan", "scanning", "audit", "vuln", "vulns", "cve", "cves"})
_NOT_A_STAGE = frozenset({"install", "setup", "cache", "upload", "download", "prepare", "deps"})


def name_stages(name: str) -> set[str]:
    """The stages a job or step name, or a task target, speaks of ("Run unit tests")."""
    words = set(re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name).lower()))
    words |= {"rollback"} if {"roll", "back"} <= words else set()
    words |= {"postdeploy"} if {"post", "deploy"} <= words else set()
    if words & _NOT_A_STAGE:
        return set()
    if words & _IMAGE and words & _SCAN:
        return {"image-scan"}
    found = {stage for stage, vocabulary in _WORDS if words & vocabulary}
    if "verify" in found or "rollback" in found:
        found -= {"tests", "deploy"}  # a smoke test verifies; a rollback deploy rolls back
    return found


# --- actions and tasks ------------------------------------------------------------------------

_Inputs = Mapping[str, str]
_Rule = tuple[str, Callable[[_Inputs], str | None]]


def _always(stage: str) -> Callable[[_Inputs], str | None]:
    return lambda _: stage


def _trivy(inputs: _Inputs) -> str:
    image = "image-ref" in inputs or inputs.get("scan-type", "").lower() == "image"
    return "image-scan" if image else "security-scan"


def _anchore(inputs: _Inputs) -> str:
    return "image-scan" if "image" in inputs else "security-scan"


_ACTIONS: tuple[_Rule, ...] = (
    ("aquasecurity/trivy-action", _trivy),
    ("anchore/scan-action", _anchore),
    ("docker/scout-action", _always("image-scan")),
    ("snyk/actions/docker", _always("image-scan")),
    ("snyk/actions", _always("security-scan")),
    ("github/codeql-action/upload-sarif", lambda _: None),
    ("github/codeql-action", _always("security-scan")),
    *(
        (name, _always("security-scan"))
        for name in (
            "actions/dependency-review-action",
            "rustsec/audit-check",
            "actions-rust-lang/audit",
            "embarkstudios/cargo-deny-action",
            "pypa/gh-action-pip-audit",
            "gitleaks/gitleaks-action",
            "trufflesecurity/trufflehog",
            "google/osv-scanner-action",
            "returntocorp/semgrep-action",
            "semgrep/semgrep-action",
            "securego/gosec",
            "golang/govulncheck-action",
            "bridgecrewio/checkov-action",
            "aquasecurity/tfsec-action",
            "ossf/scorecard-action",
        )
    ),
    *(
        (name, _always("lint"))
        for name in (
            "golangci/golangci-lint-action",
            "pre-commit/action",
            "astral-sh/ruff-action",
            "chartboost/ruff-action",
            "actions-rs/clippy-check",
            "giraffate/clippy-action",
            "hadolint/hadolint-action",
            "super-linter/super-linter",
            "github/super-linter",
            "ludeeus/action-shellcheck",
            "psf/black",
        )
    ),
    *(
        (name, _always("build"))
        for name in (
            "docker/build-push-action",
            "docker/bake-action",
            "redhat-actions/buildah-build",
            "goreleaser/goreleaser-action",
            "pyo3/maturin-action",
        )
    ),
    ("cypress-io/github-action", _always("tests")),
    *(
        (name, _always("deploy"))
        for name in (
            "azure/k8s-deploy",
            "azure/webapps-deploy",
            "azure/functions-action",
            "azure/container-apps-deploy-action",
            "aws-actions/amazon-ecs-deploy-task-definition",
            "google-github-actions/deploy-cloudrun",
            "google-github-actions/deploy-appengine",
            "google-github-actions/deploy-cloud-functions",
            "amondnet/vercel-action",
            "akhileshns/heroku-deploy",
            "deliverybot/helm",
            "atlassian/aws-ecs-deploy",
            "atlassian/kubectl-run",
            "atlassian/helm-run",
        )
    ),
    ("jtalk/url-health-check-action", _always("verify")),
    *(
        (task, _always("deploy"))
        for task in (
            "azurewebapp@",
            "azurermwebappdeployment@",
            "azurefunctionapp@",
            "azurecontainerapps@",
        )
    ),
)


def _name(uses: str) -> str:
    """`owner/repo/path` of an action, the name of an Azure task (`docker`) or Bitbucket pipe."""
    return re.split(r"[@:]", uses.strip().lower(), maxsplit=1)[0]


def _matches(uses: str, key: str) -> bool:
    """Whether `uses` is the action `key` (or one below it); `key@` names an Azure task."""
    name = _name(uses)
    if key.endswith("@"):
        return "/" not in uses and name == key[:-1]
    return name == key or name.startswith(key + "/")


def action_stages(uses: str, inputs: _Inputs) -> set[str]:
    """The stages an action (GitHub), task (Azure) or pipe (Bitbucket) stands for."""
    if uses.startswith("docker://"):
        return set()
    for key, rule in _ACTIONS:
        if _matches(uses, key):
            stage = rule(inputs)
            return {stage} if stage else set()
    return set()


def _docker_task(inputs: _Inputs) -> str:
    command = inputs.get("command", "buildAndPush")
    return "docker build" if command.lower() == "buildandpush" else f"docker {command}"


def _manifest_task(inputs: _Inputs) -> str:
    return "kubectl apply" if inputs.get("action", "deploy").lower() == "deploy" else ""


_SYNTHESIZED: tuple[tuple[str, Callable[[_Inputs], str]], ...] = (
    ("actions-rs/cargo", lambda i: f"cargo {i.get('command', '')} {i.get('args', '')}"),
    ("superfly/flyctl-actions", lambda i: f"flyctl {i.get('args', '')}"),
    ("actions-hub/kubectl", lambda i: f"kubectl {i.get('args', '')}"),
    ("cloudflare/wrangler-action", lambda i: f"wrangler {i.get('command', 'deploy')}"),
    ("appleboy/ssh-action", lambda i: i.get("script", "")),
    ("docker@", _docker_task),
    ("helmdeploy@", lambda i: f"helm {i.get('command', 'upgrade')}"),
    ("kubernetes@", lambda i: f"kubectl {i.get('command', '')}"),
    ("kubernetesmanifest@", _manifest_task),
    ("dotnetcorecli@", lambda i: f"dotnet {i.get('command', '')}"),
    ("maven@", lambda i: f"mvn {i.get('goals', 'package')}"),
)


def synthesized_commands(uses: str, inputs: _Inputs) -> list[str]:
    """The command lines an action or task runs, made from its inputs (`helm upgrade`)."""
    if uses.startswith("docker://"):
        return []
    lines = [
        line
        for key, make in _SYNTHESIZED
        if _matches(uses, key)
        for line in make(inputs).splitlines()
    ]
    return [line for line in lines if line.strip()]


_SETUP = re.compile(
    r"^(?:actions/(?:checkout|cache|download-artifact|upload-artifact|setup-[\w-]+|github-script)"
    r"|[\w.-]+/setup-[\w-]+|[\w.-]+/[\w.-]*(?:toolchain|cache|login)[\w.-]*"
    r"|aws-actions/configure-aws-credentials|google-github-actions/auth|azure/login"
    r"|taiki-e/install-action|checkout)(?:[/@]|$)",
    re.IGNORECASE,
)


def is_setup(uses: str) -> bool:
    """Actions that prepare a job (checkout, toolchains, caches, logins) rather than do it."""
    return bool(_SETUP.match(uses))
