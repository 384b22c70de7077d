"""Rasa's own tooling on the project: the data validates, the NLU passes the held-out test file, and the
conversation tests (tests/conversations, test-story format) pass with the trained model."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).parent / "rasa")


def rasa_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def run_rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_training_data_validates():
    result = run_rasa("data", "validate", "--domain", "bot/domain", "--data", "nlu/data", "bot/data")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_nlu_on_the_held_out_test_file(model_path, tmp_path):
    result = run_rasa("test", "nlu", "--model", str(model_path), "--nlu", "nlu/eval/test.yml", "--out", str(tmp_path),
                      "--no-plot")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text(encoding="utf-8"))
    # A floor against a broken model; the measured figures and targets are in docs/nlu.md (make eval-nlu).
    assert report["macro avg"]["f1-score"] >= 0.85, {k: v for k, v in report.items() if isinstance(v, dict)}


def test_conversation_tests_pass(model_path, tmp_path):
    result = run_rasa("test", "core", "--model", str(model_path), "--stories", "tests/conversations", "--e2e",
                      "--out", str(tmp_path), "--no-plot")
    assert result.returncode == 0, result.stderr[-3000:]
    failed = tmp_path / "failed_test_stories.yml"
    stories = (yaml.safe_load(failed.read_text(encoding="utf-8")) or {}).get("stories") if failed.exists() else None
    assert not stories, failed.read_text(encoding="utf-8")
    report = json.loads((tmp_path / "story_report.json").read_text(encoding="utf-8"))
    assert report["conversation_accuracy"]["accuracy"] == 1.0, report["conversation_accuracy"]
