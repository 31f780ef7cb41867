"""`manage.py check --deploy` under production environment variables.

Run in a subprocess: settings are read from the environment at import time.
"""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-for-the-deploy-check-test-only-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "DJANGO_ALLOWED_HOSTS": "dbb.example.gov.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://dbb.example.gov.cn",
    "DJANGO_BEHIND_PROXY": "1",
}


def _check_deploy(**extra_env) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV, **extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "reform.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warnings_with_tls():
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_check_deploy_prints_no_warnings_on_an_intranet_without_tls():
    result = _check_deploy(DJANGO_HTTPS="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout


def test_check_deploy_warns_about_hsts_switched_off_while_https_is_on():
    result = _check_deploy(DJANGO_SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _check_deploy(DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
