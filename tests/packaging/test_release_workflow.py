"""The release workflow (.github/workflows/release.yml) builds installers on GitHub's machines
only: nothing here can run it. What can break it unseen is checked here: its jobs, the
files of packaging/ it calls, and that no build needs a signing secret (forks and pull
requests have none). actionlint checks the rest where it is installed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
BUILDS = {"linux-deb": "ubuntu", "linux-appimage": "ubuntu", "windows-msi": "windows",
          "macos-dmg": "macos"}


def jobs() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return found


def scripts(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_each_platform_has_a_build_job_on_its_own_runner() -> None:
    found = jobs()
    for name, runner in BUILDS.items():
        assert name in found, f"no {name} job"
        assert found[name]["runs-on"].startswith(runner)
        assert any("upload-artifact" in step.get("uses", "") for step in found[name]["steps"])
    assert set(found["release"]["needs"]) == set(BUILDS)


def test_every_file_the_workflow_calls_exists() -> None:
    text = "\n".join(scripts(job) for job in jobs().values())
    called = set(re.findall(r"(?:packaging|examples)/[\w./-]+", text))
    assert called, "the workflow calls nothing of packaging/"
    missing = sorted(path for path in called if not (ROOT / path.rstrip(".")).exists())
    assert not missing, missing


def test_signing_runs_only_when_its_secrets_exist() -> None:
    for name, job in jobs().items():
        for step in job["steps"]:
            uses_secret = "secrets." in str(step.get("env", {}))
            if uses_secret and "sign" in step.get("name", "").lower():
                appimage_gated = "if [ -n" in step.get("run", "")
                assert "if" in step or appimage_gated, f"{name}: '{step['name']}' always runs"


def test_each_build_smoke_tests_what_it_built() -> None:
    found = jobs()
    for name in BUILDS:
        text = scripts(found[name])
        assert "smoke-install.sh" in text or " run examples/hello-world.json" in text, name
