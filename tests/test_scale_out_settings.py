"""Settings for several machines (issue 14 point 7), read from the environment: the read
replica, file storage (shared folder or S3-compatible) and the cache on Redis."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = django_settings.BASE_DIR / "reform" / "settings.py"
SCALE_OUT_ENV = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "FILE_STORAGE",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
    "REDIS_URL",
    "TASKS_BACKEND",
    "DJANGO_DB_CACHE",
    "EXPORT_ROOT",
)


def load_settings(monkeypatch, **env) -> dict:
    """The settings module's values under `env` (a fresh read, Django's own left alone)."""
    for name in SCALE_OUT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_by_default_files_are_local_folders_and_there_is_no_replica(monkeypatch):
    values = load_settings(monkeypatch, EXPORT_ROOT="/srv/shared/exports")
    assert values["STORAGES"]["attachments"] == {"BACKEND": "tasks.models.PrivateStorage"}
    assert values["STORAGES"]["exports"]["OPTIONS"] == {"location": Path("/srv/shared/exports")}
    assert list(values["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in values


def test_replica_url_adds_the_replica_alias_and_the_router(monkeypatch):
    values = load_settings(
        monkeypatch,
        DATABASE_URL="postgres://reform:pw@10.0.0.5:5432/reform",
        DATABASE_REPLICA_URL="postgres://reform_ro:pw@10.0.0.6:5432/reform",
    )
    replica = values["DATABASES"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"]) == ("10.0.0.6", 5432, "reform_ro")
    assert values["DATABASES"]["default"]["HOST"] == "10.0.0.5"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert values["DATABASE_ROUTERS"] == ["ops.replica.ReplicaRouter"]


def test_a_replica_without_a_primary_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL needs DATABASE_URL"):
        load_settings(monkeypatch, DATABASE_REPLICA_URL="postgres://ro@10.0.0.6:5432/reform")


def test_a_bad_replica_url_names_the_variable(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL"):
        load_settings(
            monkeypatch,
            DATABASE_URL="postgres://reform@10.0.0.5:5432/reform",
            DATABASE_REPLICA_URL="nosuchdb://x",
        )


def test_s3_storage_keeps_attachments_and_exports_private_in_one_bucket(monkeypatch):
    values = load_settings(
        monkeypatch,
        FILE_STORAGE="s3",
        S3_BUCKET="reform-files",
        S3_ENDPOINT_URL="http://10.0.0.7:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
    )
    attachments = values["STORAGES"]["attachments"]
    exports = values["STORAGES"]["exports"]
    assert attachments["BACKEND"] == exports["BACKEND"] == "storages.backends.s3.S3Storage"
    assert attachments["OPTIONS"]["location"] == "attachments"
    assert exports["OPTIONS"]["location"] == "exports"
    assert exports["OPTIONS"]["bucket_name"] == "reform-files"
    assert exports["OPTIONS"]["endpoint_url"] == "http://10.0.0.7:9000"
    assert exports["OPTIONS"]["default_acl"] == "private"
    assert "region_name" not in exports["OPTIONS"]  # not set: the library's default


def test_s3_storage_without_a_bucket_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        load_settings(monkeypatch, FILE_STORAGE="s3")


def test_an_unknown_file_storage_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="FILE_STORAGE must be local or s3"):
        load_settings(monkeypatch, FILE_STORAGE="nfs")


def test_redis_url_puts_the_cache_and_the_job_queue_on_redis(monkeypatch):
    values = load_settings(monkeypatch, REDIS_URL="redis://10.0.0.5:6379/2", DJANGO_DB_CACHE="1")
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://10.0.0.5:6379/2"
    assert values["TASKS_BACKEND"] == "rq"
    assert values["RQ_QUEUES"]["default"]["URL"] == "redis://10.0.0.5:6379/2"


def test_without_redis_production_caches_in_the_database(monkeypatch):
    values = load_settings(monkeypatch, DJANGO_DB_CACHE="1")
    assert values["CACHES"]["default"]["BACKEND"] == ("django.core.cache.backends.db.DatabaseCache")
