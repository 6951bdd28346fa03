"""`summarize batch --runner ray` on a local Ray instance gives the single-process output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES
from test_batch import child_env, cli, synthetic_manifest

pytest.importorskip("ray", reason="the distributed extra: pip install -e '.[distributed]'")


@pytest.mark.slow
def test_ray_runner_matches_the_local_runner(tiny_config: Path, tmp_path: Path) -> None:
    manifest = synthetic_manifest(tmp_path / "m.jsonl", 10)
    with manifest.open("a", encoding="utf-8") as handle:  # and every translation model
        for path in sorted(EXAMPLES.glob("*.txt")):
            handle.write(json.dumps({"path": str(path), "source": path.stem[:2]}) + "\n")
    outputs = {}
    for runner in ("local", "ray"):
        args = cli(tiny_config, manifest, tmp_path / runner, tmp_path / f"{runner}.sqlite",
                   "--runner", runner, "--chunk-size", "4")  # fmt: skip
        if runner == "ray":
            args += ["--workers", "2"]
        done = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        outputs[runner] = {
            p.name: p.read_bytes() for p in (tmp_path / runner).iterdir() if p.stem != "index"
        }
        summary = json.loads((tmp_path / runner / "index.json").read_text())["summary"]
        assert summary["done"] == 17 and summary["failed"] == 0
    assert len(outputs["local"]) == 3 * 10  # 5 outlets of ours + 5 languages of examples
    assert outputs["ray"] == outputs["local"]
