"""Backup and recovery checks: schedules, retention, recovery objectives and restore tests."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from corpus import CORPUS
from hypothesis import given
from hypothesis import strategies as st

from golive.checks._backup_cron import ScheduleError, worst_interval, worst_union
from golive.checks.backup import (
    BackupRetention,
    BackupSchedule,
    ObjectivesParams,
    RecoveryObjectives,
    RestoreTest,
    RestoreTestParams,
    RetentionParams,
    ScheduleParams,
)
from golive.checks.fixtures import ServiceInfo
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "backup"
HOUR, DAY = 3600.0, 86400.0
POLICY = {"frequency": "daily", "encryption": True, "verification": "automated"}


def _places(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings if f.location is not None]


def _messages(outcome: Outcome) -> str:
    return "\n".join(f.message for f in outcome.findings)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _cronjob(name: str, schedule: str, command: str, extra: str = "") -> str:
    return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
spec:
  schedule: "{schedule}"
{extra}  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: alpine:3.20
              command: ["sh", "-c", "{command}"]
"""


# --- schedules read into their worst gap ------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "hours"),
    [
        ("15 2 * * *", 24),
        ("0 3 * * 0", 168),
        ("*/15 * * * *", 0.25),
        ("0 */5 * * *", 5),  # 20:00 to 00:00 is only 4 h, 00:00 to 05:00 is 5 h
        ("0 2 * * 1-5", 72),  # Friday to Monday
        ("0 3 * * MON,THU", 96),
        ("0 0 1 * *", 31 * 24),
        ("0 0 1,15 * 1", 168),  # day-of-month or Monday
        ("@daily", 24),
        ("@weekly-random", 168),
        ("@every 6h", 6),
        ("CRON_TZ=Europe/Berlin 0 1 * * *", 24),
    ],
)
def test_a_schedule_is_read_into_its_longest_gap(schedule: str, hours: float) -> None:
    assert worst_interval(schedule) == hours * HOUR


def test_a_six_field_schedule_starts_with_seconds() -> None:
    assert worst_interval("0 0 3 * * *", seconds_field=True) == DAY


def test_schedules_together_run_as_often_as_their_union() -> None:
    assert worst_union(["0 1 * * 0", "0 1 * * 1-6"]) == DAY
    assert worst_union(["0 1 * * 0", "0 13 * * 1-6"]) == 36 * HOUR


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ("0 0 31 2 *", "never runs"),
        ("@reboot", "not periodically"),
        ("61 * * * *", "outside 0-59"),
        ("0 3 * *", "4 fields"),
        ("0 0 L * *", "not a day of month"),
        ("@every soon", "not a duration"),
    ],
)
def test_a_schedule_that_cannot_be_read_says_why(schedule: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        worst_interval(schedule)


_FIELD = st.one_of(
    st.just("*"),
    st.integers(0, 7).map(str),
    st.tuples(st.integers(0, 3), st.integers(4, 7)).map(lambda r: f"{r[0]}-{r[1]}"),
    st.integers(1, 9).map(lambda step: f"*/{step}"),
)


@given(st.tuples(_FIELD, _FIELD, _FIELD, _FIELD, _FIELD))
def test_any_cron_text_is_read_or_refused_with_a_reason(fields: tuple[str, ...]) -> None:
    text = " ".join(fields)
    try:
        interval = worst_interval(text)
    except ScheduleError as error:
        assert str(error)
    else:
        assert 60 <= interval <= 8 * 366 * DAY


# --- backup.schedule --------------------------------------------------------------------------


def test_a_daily_encrypted_verified_pg_dump_passes() -> None:
    outcome = run_check(BackupSchedule, DATA / "pg-daily", **POLICY)
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.observed == "slowest every 1 d (CronJob/shop/pg-backup)"
    assert "k8s/backup.yaml:7:13" in _places(outcome)  # the schedule
    assert "is encrypted: gpg" in _messages(outcome)
    assert "verified by pg_restore in CronJob restore-test" in _messages(outcome)


def test_a_weekly_backup_fails_a_daily_policy_at_its_schedule() -> None:
    outcome = run_check(BackupSchedule, DATA / "pg-weekly", frequency="daily")
    assert outcome.status is Status.FAIL
    assert outcome.findings[0].message == (
        'CronJob/db-dump (pg_dump) runs every 7 d at worst ("0 3 * * 0"); '
        "the policy asks for every 1 d"
    )
    assert str(outcome.findings[0].location) == "backup.yaml:22:13"
    assert outcome.remediation is not None


def test_a_weekly_backup_meets_a_weekly_policy() -> None:
    assert run_check(BackupSchedule, DATA / "pg-weekly", frequency="weekly").status is Status.PASS


def test_encryption_that_cannot_be_seen_is_unknown() -> None:
    outcome = run_check(BackupSchedule, DATA / "pg-weekly", frequency="weekly", encryption=True)
    assert outcome.status is Status.UNKNOWN
    assert "encryption not visible" in _messages(outcome)


def test_a_weekly_backup_is_waived_with_its_reason() -> None:
    reason = "the reporting copy is rebuilt weekly"
    outcome = run_check(
        BackupSchedule, DATA / "pg-weekly", frequency="daily", waive={"CronJob/db-*": reason}
    )
    assert outcome.status is Status.WAIVED
    assert reason in outcome.summary
    assert outcome.findings[0].message.startswith(f"waived: {reason}: CronJob/db-dump")
    assert "waivers_unused" not in outcome.facts


def test_a_waiver_that_matches_nothing_is_reported() -> None:
    outcome = run_check(BackupSchedule, DATA / "restic", waive={"CronJob/other/*": "old"})
    assert outcome.status is Status.PASS
    assert outcome.facts["waivers_unused"] == "CronJob/other/*"


def test_a_suspended_backup_does_not_run() -> None:
    outcome = run_check(BackupSchedule, DATA / "suspended", frequency="daily")
    assert outcome.status is Status.FAIL
    assert "does not run: it is suspended" in outcome.summary
    assert _places(outcome) == ["backup.yaml:6:13"]


@pytest.mark.parametrize("tree", ["velero", "restic", "cnpg", "pgo", "k8up", "zalando"])
def test_operator_and_tool_backups_run_daily_and_encrypt(tree: str) -> None:
    outcome = run_check(BackupSchedule, DATA / tree, frequency="daily", encryption=True)
    assert outcome.status is Status.PASS, _messages(outcome)


def test_stash_and_percona_backups_are_read() -> None:
    tree = DATA / "operators"
    schedule = run_check(BackupSchedule, tree, frequency="daily", encryption=True)
    assert schedule.status is Status.UNKNOWN  # Percona's encryption is not in the manifest
    assert "BackupConfiguration/media/uploads (restic (Stash)) is encrypted" in _messages(schedule)
    retention = run_check(BackupRetention, tree, retention="30_days")
    assert retention.status is Status.PASS
    assert _places(retention) == ["backups.yaml:15:16", "backups.yaml:32:15"]
    service = ServiceInfo(name="media", rto=HOUR, rpo=HOUR)
    objectives = run_check(RecoveryObjectives, tree, service=service)
    assert objectives.status is Status.FAIL
    assert "BackupConfiguration/media/uploads (restic (Stash)) runs every 4 h" in objectives.summary
    assert (
        "PerconaServerMongoDB/media/catalog: PerconaServerMongoDB backup.pitr.enabled gives "
        "point-in-time recovery"
    ) in _messages(objectives)


@pytest.mark.parametrize("tree", ["restic", "k8up", "pg-daily"])
def test_a_scheduled_check_of_the_backups_is_verification(tree: str) -> None:
    outcome = run_check(BackupSchedule, DATA / tree, verification="automated")
    assert outcome.status is Status.PASS


def test_backups_nobody_checks_fail_automated_verification() -> None:
    outcome = run_check(BackupSchedule, DATA / "velero", verification="automated")
    assert outcome.status is Status.FAIL
    assert "not verified automatically" in outcome.summary
    assert outcome.remediation is not None
    assert outcome.remediation.startswith("Schedule a check of the backups")


def test_without_a_backup_job_the_data_stores_are_the_findings() -> None:
    outcome = run_check(BackupSchedule, DATA / "no-backups", **POLICY)
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no backup job found (2 data store(s) in the manifests)"
    assert _places(outcome) == ["app.yaml:17:21", "app.yaml:21:1"]
    assert "Deployment/shop/api: is configured with DATABASE_URL" in _messages(outcome)


def test_data_stores_backed_up_elsewhere_are_waived() -> None:
    waive = {
        "Deployment/shop/api": "the managed database is backed up by the provider",
        "PersistentVolumeClaim/shop/*": "uploads are a cache of the CDN",
    }
    outcome = run_check(BackupSchedule, DATA / "no-backups", frequency="daily", waive=waive)
    assert outcome.status is Status.WAIVED
    assert "backed up by the provider" in outcome.summary
    assert all(f.message.startswith("waived: ") for f in outcome.findings)


def test_a_waived_unreadable_file_no_longer_hides_a_backup() -> None:
    waive = {"backup.yaml": "a template rendered by the deploy script"}
    outcome = run_check(BackupSchedule, DATA / "unreadable", frequency="daily", waive=waive)
    assert outcome.status is Status.FAIL
    assert "PersistentVolumeClaim/data: PersistentVolumeClaim, and nothing backs it up" in (
        _messages(outcome)
    )


def test_a_repository_without_manifests_has_no_backup_job() -> None:
    outcome = run_check(BackupSchedule, DATA / "empty", frequency="daily")
    assert outcome.status is Status.FAIL
    assert "no Kubernetes manifests" in outcome.summary


def test_manifests_without_any_data_store_are_not_applicable() -> None:
    outcome = run_check(BackupSchedule, DATA / "stateless", **POLICY)
    assert outcome.status is Status.NOT_APPLICABLE
    assert "show no data store" in outcome.summary


def test_an_unreadable_file_that_mentions_backups_is_unknown() -> None:
    outcome = run_check(BackupSchedule, DATA / "unreadable", frequency="daily")
    assert outcome.status is Status.UNKNOWN
    assert _places(outcome) == ["backup.yaml:8:1"]


def test_an_unreadable_backup_file_keeps_the_readable_jobs_from_passing(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "daily.yaml": _cronjob("files-backup", "@daily", "restic backup /data"),
            "weekly.yaml": "kind: CronJob\napiVersion: batch/v1\nspec: {schedule: [backup\n",
        },
    )
    outcome = run_check(BackupSchedule, tmp_path, frequency="daily")
    assert outcome.status is Status.UNKNOWN
    assert _places(outcome)[0].startswith("weekly.yaml:")
    waive = {"weekly.yaml": "rendered by kustomize; the job is in daily.yaml"}
    outcome = run_check(BackupSchedule, tmp_path, frequency="daily", waive=waive)
    assert outcome.status is Status.WAIVED


def test_a_helm_chart_that_mentions_backups_is_unknown() -> None:
    outcome = run_check(BackupSchedule, DATA / "chart", frequency="daily")
    assert outcome.status is Status.UNKNOWN
    assert "golive does not render charts" in outcome.summary
    assert _places(outcome) == ["charts/app/templates/backup.yaml:1:16"]


def test_a_schedule_golive_cannot_read_is_unknown(tmp_path: Path) -> None:
    _write(tmp_path, {"cron.yaml": _cronjob("db-backup", "0 0 L * *", "pg_dump db > /b/db.sql")})
    outcome = run_check(BackupSchedule, tmp_path, frequency="daily")
    assert outcome.status is Status.UNKNOWN
    assert "cannot be read" in _messages(outcome)


def test_a_backup_in_a_mounted_script_is_found_on_its_line() -> None:
    outcome = run_check(BackupRetention, DATA / "restic", retention="30_days")
    assert outcome.status is Status.PASS
    assert _places(outcome) == ["backup.yaml:11:34"]  # --keep-weekly 5, in the ConfigMap


def test_a_restore_job_that_downloads_backups_is_not_a_backup(tmp_path: Path) -> None:
    command = "aws s3 cp s3://backups/db.dump - | pg_restore --list"
    _write(tmp_path, {"cron.yaml": _cronjob("restore-test", "0 5 * * 0", command)})
    outcome = run_check(BackupSchedule, tmp_path, frequency="daily")
    assert outcome.status is Status.NOT_APPLICABLE


# --- backup.retention -------------------------------------------------------------------------


def test_velero_ttl_meets_thirty_days() -> None:
    outcome = run_check(BackupRetention, DATA / "velero", retention="30_days")
    assert outcome.status is Status.PASS
    assert outcome.observed == "shortest 30 d"


def test_velero_ttl_shorter_than_the_policy_fails_at_the_ttl() -> None:
    outcome = run_check(BackupRetention, DATA / "velero", retention="60d")
    assert outcome.status is Status.FAIL
    assert _places(outcome) == ["schedule.yaml:9:10"]


def test_velero_without_ttl_keeps_its_default(tmp_path: Path) -> None:
    schedule = (DATA / "velero" / "schedule.yaml").read_text().replace("    ttl: 720h0m0s\n", "")
    _write(tmp_path, {"schedule.yaml": schedule})
    outcome = run_check(BackupRetention, tmp_path, retention="30_days")
    assert outcome.status is Status.PASS
    assert "Velero's default of 720h" in _messages(outcome)


@pytest.mark.parametrize(("tree", "kept"), [("pgo", "14 d"), ("k8up", "14 d")])
def test_retention_shorter_than_the_policy_fails(tree: str, kept: str) -> None:
    outcome = run_check(BackupRetention, DATA / tree, retention="30_days")
    assert outcome.status is Status.FAIL
    assert outcome.observed == f"shortest {kept}"


def test_short_retention_of_a_third_party_cluster_is_waived() -> None:
    waive = {"PostgresCluster/billing/*": "billing keeps 14 days by contract"}
    outcome = run_check(BackupRetention, DATA / "pgo", retention="30_days", waive=waive)
    assert outcome.status is Status.WAIVED


@pytest.mark.parametrize("tree", ["pg-daily", "cnpg", "restic"])
def test_retention_at_least_the_policy_passes(tree: str) -> None:
    assert run_check(BackupRetention, DATA / tree, retention="30_days").status is Status.PASS


def test_retention_golive_cannot_see_is_unknown() -> None:
    outcome = run_check(BackupRetention, DATA / "pg-weekly", retention="30_days")
    assert outcome.status is Status.UNKNOWN
    assert "retention not visible" in _messages(outcome)


def test_job_history_is_not_retention(tmp_path: Path) -> None:
    history = "  successfulJobsHistoryLimit: 30\n"
    _write(tmp_path, {"c.yaml": _cronjob("pg-backup", "@daily", "pg_dump db > /b/x", history)})
    outcome = run_check(BackupRetention, tmp_path, retention="30_days")
    assert outcome.status is Status.UNKNOWN
    assert "successfulJobsHistoryLimit keeps finished Job objects, not backups" in _messages(
        outcome
    )


def test_a_separate_prune_job_sets_the_retention(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "backup.yaml": _cronjob("files-backup", "@daily", "restic backup /data"),
            "prune.yaml": _cronjob("files-prune", "@weekly", "restic forget --keep-within 45d"),
        },
    )
    outcome = run_check(BackupRetention, tmp_path, retention="30_days")
    assert outcome.status is Status.PASS
    assert "--keep-within 45d (in CronJob/files-prune)" in _messages(outcome)
    assert _places(outcome) == ["prune.yaml:14:52"]


def test_retention_without_backups_is_judged_like_the_schedule() -> None:
    assert run_check(BackupRetention, DATA / "no-backups").status is Status.FAIL
    assert run_check(BackupRetention, DATA / "stateless").status is Status.NOT_APPLICABLE


# --- recovery.objectives ----------------------------------------------------------------------

SEED = {"rto": "4_hours", "rpo": "1_hour"}


def test_objectives_within_the_policy_with_wal_archiving_pass() -> None:
    service = ServiceInfo(name="orders", rto=2 * HOUR, rpo=30 * 60)
    outcome = run_check(RecoveryObjectives, DATA / "cnpg", service=service, **SEED)
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.observed == "RTO 2 h, RPO 30 m"
    assert "CloudNativePG WAL archiving gives point-in-time recovery" in _messages(outcome)


def test_undeclared_objectives_fail_with_the_lines_to_add() -> None:
    outcome = run_check(RecoveryObjectives, DATA / "objectives", **SEED)
    assert outcome.status is Status.FAIL
    assert [f.message for f in outcome.findings[:2]] == [
        "RTO is not declared",
        "RPO is not declared",
    ]
    assert _places(outcome)[0] == "golive.toml:3:12"
    assert outcome.remediation is not None
    assert 'recovery = { rto = "4h", rpo = "1h" }' in outcome.remediation


def test_objectives_looser_than_the_policy_fail() -> None:
    service = ServiceInfo(name="shop", rto=8 * HOUR, rpo=30 * 60)
    outcome = run_check(RecoveryObjectives, DATA / "stateless", service=service, **SEED)
    assert outcome.status is Status.FAIL
    assert outcome.findings[0].message == (
        "the declared RTO of 8 h is looser than the policy's 4 h"
    )


def test_a_daily_dump_cannot_meet_a_thirty_minute_rpo() -> None:
    service = ServiceInfo(name="shop", rto=2 * HOUR, rpo=30 * 60)
    outcome = run_check(RecoveryObjectives, DATA / "objectives", service=service, **SEED)
    assert outcome.status is Status.FAIL
    assert "CronJob/shop/pg-backup (pg_dump) runs every 1 d at worst" in outcome.summary
    assert _places(outcome)[0] == "backup.yaml:7:13"
    assert "golive.toml:3:20" in _places(outcome)  # where the RTO is declared
    assert outcome.remediation is not None
    assert outcome.remediation.startswith("Back up at least as often as the RPO")


def test_the_rpo_finding_of_a_job_can_be_waived() -> None:
    service = ServiceInfo(name="shop", rto=2 * HOUR, rpo=30 * 60)
    waive = {"CronJob/shop/pg-backup": "replicas cover the RPO; the dump is for audits"}
    outcome = run_check(
        RecoveryObjectives, DATA / "objectives", service=service, waive=waive, **SEED
    )
    assert outcome.status is Status.WAIVED


def test_declared_objectives_pass_without_a_policy() -> None:
    service = ServiceInfo(name="web", rto=HOUR, rpo=HOUR)
    assert run_check(RecoveryObjectives, DATA / "stateless", service=service).status is (
        Status.PASS
    )


# --- backup.restore-test ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_restore_command_that_exits_zero_passes(tmp_path: Path) -> None:
    outcome = run_check(RestoreTest, tmp_path, run="echo restored > restored.txt")
    assert outcome.status is Status.PASS
    assert (tmp_path / "restored.txt").read_text() == "restored\n"  # ran in the root


@pytest.mark.slow
def test_a_failing_restore_command_fails_with_the_tail_of_its_output(tmp_path: Path) -> None:
    command = "echo restoring; echo 'password=hunter2 rejected' >&2; exit 3"
    _write(
        tmp_path,
        {"golive.toml": f'[items."backup.restore-tested"]\nwith = {{ run = "{command}" }}\n'},
    )
    outcome = run_check(RestoreTest, tmp_path, run=command)
    assert outcome.status is Status.FAIL
    assert outcome.observed == "exit 3"
    message = outcome.findings[0].message
    assert "restoring" in message
    assert "password=*** rejected" in message
    assert "hunter2" not in message
    assert _places(outcome) == ["golive.toml:2:16"]


@pytest.mark.slow
def test_a_restore_command_past_its_deadline_is_stopped_and_unknown(tmp_path: Path) -> None:
    outcome = run_check(RestoreTest, tmp_path, run="sleep 30", deadline="1s")
    assert outcome.status is Status.UNKNOWN
    assert "did not finish within its deadline of 1 s" in outcome.summary


@pytest.mark.slow
def test_a_restore_command_that_is_not_installed_is_unknown(tmp_path: Path) -> None:
    outcome = run_check(RestoreTest, tmp_path, run="golive-no-such-restore-tool")
    assert outcome.status is Status.UNKNOWN


def test_no_restore_test_configured_is_unknown(tmp_path: Path) -> None:
    outcome = run_check(RestoreTest, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no restore test configured")


def _record(root: Path, age: datetime.timedelta, result: str = "pass") -> None:
    finished = datetime.datetime.now(datetime.UTC) - age
    record = {"finished_at": finished.isoformat(), "result": result, "details": "db restored"}
    _write(root, {".golive/restore-test.json": json.dumps(record, indent=2)})


def test_a_recent_passing_record_passes(tmp_path: Path) -> None:
    _record(tmp_path, datetime.timedelta(days=3))
    outcome = run_check(RestoreTest, tmp_path)
    assert outcome.status is Status.PASS
    assert outcome.observed == "3 d old"


def test_a_record_older_than_max_age_fails_at_its_time(tmp_path: Path) -> None:
    _record(tmp_path, datetime.timedelta(days=120))
    outcome = run_check(RestoreTest, tmp_path, max_age="90d")
    assert outcome.status is Status.FAIL
    assert _places(outcome) == [".golive/restore-test.json:2:18"]


def test_a_recorded_failure_fails(tmp_path: Path) -> None:
    _record(tmp_path, datetime.timedelta(hours=2), result="fail")
    outcome = run_check(RestoreTest, tmp_path)
    assert outcome.status is Status.FAIL
    assert "db restored" in outcome.summary


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"finished_at": "yesterday", "result": "pass"}', "not an ISO 8601 time"),
        ('{"finished_at": "2025-01-01T00:00:00Z", "result": "maybe"}', 'must be "pass"'),
        ('{"finished_at": "2999-01-01T00:00:00Z", "result": "pass"}', "in the future"),
        ("[1, 2", "is not JSON"),
    ],
)
def test_a_record_golive_cannot_read_is_unknown(tmp_path: Path, text: str, reason: str) -> None:
    _write(tmp_path, {".golive/restore-test.json": text})
    outcome = run_check(RestoreTest, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert reason in outcome.summary


def test_a_record_outside_the_repository_is_refused(tmp_path: Path) -> None:
    outcome = run_check(RestoreTest, tmp_path / "repo", record="../elsewhere.json")
    assert outcome.status is Status.UNKNOWN
    assert "outside the repository" in outcome.summary


# --- parameters and the real-world corpus ------------------------------------------------------


def test_the_profiles_parameters_are_accepted() -> None:
    assert (
        ScheduleParams.model_validate(
            {"frequency": "daily", "encryption": True, "verification": "automated"}
        ).frequency
        == DAY
    )
    assert RetentionParams.model_validate({"retention": "30_days"}).retention == 30 * DAY
    assert ObjectivesParams.model_validate({"rto": "4_hours", "rpo": "1_hour"}).rpo == HOUR
    assert RestoreTestParams.model_validate({"run": "make restore", "max_age": "90d"}).run


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
def test_the_corpus_has_data_stores_and_no_backup_job() -> None:
    schedule = run_check(BackupSchedule, CORPUS, **POLICY)
    assert schedule.status is Status.FAIL
    assert schedule.facts["jobs"] == 0
    assert int(schedule.facts["data_stores"]) > 50
    stores = _messages(schedule)
    assert "StatefulSet/cassandra: StatefulSet, and nothing backs it up" in stores
    assert all(f.location is not None for f in schedule.findings)
    assert run_check(BackupRetention, CORPUS, retention="30_days").status is Status.FAIL
    objectives = run_check(RecoveryObjectives, CORPUS, **SEED)
    assert objectives.status is Status.FAIL
    assert objectives.facts["backup_jobs"] == 0
