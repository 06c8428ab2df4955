"""Static security analysis in CI: bandit over the project's code, pip-audit over the locked dependencies.

- bandit (configured in pyproject's [tool.bandit]): no high finding; every medium one says on its line
  (or the comment line above it) why it is safe: `# nosec BXXX - reason` or ruff's `# noqa: SXXX - reason`
  (ruff's S rules are bandit's checks, and the project writes their reasons there).
- pip-audit against requirements.lock, when an advisory source answers; skipped with the reason printed
  when this machine is offline.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
#: A suppression with its reason: `# nosec B608 - reason`, `# noqa: S608 — reason`.
EXPLAINED = re.compile(r"#\s*(?:nosec\b|noqa:\s*S\d+)[^#\n]*?[-—:]\s*\S+")
ADVISORY_PROBE = "https://pypi.org/pypi/django/json"


@pytest.fixture(scope="module")
def bandit_report(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bandit") / "report.json"
    done = subprocess.run(
        [str(BIN / "bandit"), "-q", "-c", "pyproject.toml", "-r", ".", "-f", "json", "-o", str(out)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: findings (judged below); anything else: broken
    report = json.loads(out.read_text())
    assert not report["errors"], report["errors"]
    return report


def explained(finding: dict) -> bool:
    """The finding's lines, or the comment line just above them, carry a suppression with a reason."""
    lines = (BASE_DIR / finding["filename"]).read_text().splitlines()
    first, last = min(finding["line_range"]), max(finding["line_range"])
    around = lines[max(first - 2, 0) : last]
    return any(EXPLAINED.search(line) for line in around)


def test_bandit_finds_no_high_and_no_unexplained_medium(bandit_report):
    findings = bandit_report["results"]
    described = [
        f"{f['filename']}:{f['line_number']} {f['test_id']} {f['issue_severity']}: {f['issue_text']}"
        for f in findings
        if f["issue_severity"] == "HIGH" or (f["issue_severity"] == "MEDIUM" and not explained(f))
    ]
    assert described == [], "\n".join(described)


def test_bandit_sees_the_project(bandit_report):
    """The configuration excludes tests and third-party code, not the apps."""
    metrics = bandit_report["metrics"]
    scanned = {Path(name).parts[0] for name in metrics if name != "_totals" and len(Path(name).parts) > 1}
    assert {"ipops", "trading", "pledge_finance", "funds", "subsidies", "reporting"} <= scanned
    assert "tests" not in scanned and ".venv" not in scanned


def advisory_source_unreachable() -> str:
    """Why pip-audit cannot run here, or "" when its advisory source (PyPI's JSON API) answers."""
    try:
        with urllib.request.urlopen(ADVISORY_PROBE, timeout=5) as response:  # noqa: S310 - a fixed https URL
            response.read(1)
    except OSError as exc:
        return f"advisory source {ADVISORY_PROBE} unreachable ({exc})"
    return ""


def test_no_locked_dependency_has_a_known_vulnerability():
    reason = advisory_source_unreachable()
    if reason:
        print(f"pip-audit skipped: {reason}")  # noqa: T201 - shown in CI's log with -rs
        pytest.skip(f"pip-audit skipped: {reason}")
    done = subprocess.run(
        [
            *(str(BIN / "pip-audit"), "-r", "requirements.lock"),
            *("--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json"),
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        # The probe answered but the audit could not finish (a flaky network): say so, don't guess.
        pytest.skip(f"pip-audit skipped: it could not finish ({done.stderr.strip()[-300:]})")
    vulnerable = [
        f"{dep['name']}=={dep['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})"
        for dep in report["dependencies"]
        for v in dep.get("vulns", [])
    ]
    assert vulnerable == [], "\n".join(vulnerable)
