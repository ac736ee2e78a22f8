"""Runs `test_addin_onserver.py` and `test_addin_batch_onserver.py` in a subprocess with XLWINGS_ON_SERVER=true (it
must be set before the first `import xlwings`, which other test modules of this process have already done) and the
noncommercial licence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def test_addin_under_xlwings_server_conversions():
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", str(HERE / "test_addin_onserver.py"),
         str(HERE / "test_addin_batch_onserver.py")],
        cwd=HERE, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-2000:]
