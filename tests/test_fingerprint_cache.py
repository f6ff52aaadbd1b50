"""Stage fingerprints in a new output folder reuse what runs in other folders parsed, and only while it holds."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

from tests.test_runner_scale import _copy_project

_FINGERPRINTS = textwrap.dedent("""
    import json, pathlib, sys
    from pipeline import fingerprint
    from pipeline.lang import SUPPORTED
    from pipeline.registry import PIPELINE

    parsed = []
    real = fingerprint._parse_source
    fingerprint._parse_source = lambda module, src: parsed.append(module) or real(module, src)
    folder = pathlib.Path(sys.argv[1])
    folder.mkdir(parents=True)
    fingerprint.load_cache(folder / "code.json")
    prints = {st.name: fingerprint.stage_fingerprint(st.module, SUPPORTED) for st in PIPELINE}
    fingerprint.save_cache(folder / "code.json")
    print(json.dumps({"parsed": sorted(set(parsed)), "fingerprints": prints}))
""")


def _fingerprints(project: pathlib.Path, folder: pathlib.Path) -> dict:
    res = subprocess.run([sys.executable, "-c", _FINGERPRINTS, str(folder)], capture_output=True, text=True,
                         cwd=project, env={**os.environ, "PYTHONPATH": str(project)})
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_a_new_output_folder_reuses_parsed_modules_until_one_changes(tmp_path):
    project = _copy_project(tmp_path / "project")
    first = _fingerprints(project, tmp_path / "out-a")
    assert "pipeline.stages.normalise" in first["parsed"]               # nothing cached yet: every module parsed
    again = _fingerprints(project, tmp_path / "out-b")                  # a new folder: its code.json is empty
    assert again == {"parsed": [], "fingerprints": first["fingerprints"]}
    module = project / "pipeline" / "stages" / "normalise.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n_CHANGED = True\n", encoding="utf-8")
    changed = _fingerprints(project, tmp_path / "out-c")
    assert changed["parsed"] == ["pipeline.stages.normalise"]           # only the edited module, read again
    differ = {name for name, fp in changed["fingerprints"].items() if fp != first["fingerprints"][name]}
    assert "normalise" in differ and "ingest" not in differ
