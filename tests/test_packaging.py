"""fitn-xl installed from its wheel (not the editable install of the README): the Word templates come along and
`fitn-xl demo` writes the conventions and letters. Builds the wheel, installs it in a new virtual environment
whose dependencies are this environment's, and runs the demo there."""

from __future__ import annotations

import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_the_word_templates_and_its_demo_writes_conventions(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("fitn_xl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in sorted((ROOT / "word_templates").glob("*.docx")):
        assert any(n.endswith(f".data/data/share/fitn-xl/word_templates/{template.name}") for n in names), template

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True)
    # the dependencies: this environment's site-packages, added as a plain path (its editable-install hook for
    # fitn_xl is not run, so the wheel's copy is the one imported)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "dependances.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")

    where = subprocess.run([str(python), "-c", "import fitn_xl, fitn_xl.resources as r; "
                            "print(fitn_xl.__file__); print(r.word_templates())"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout.split("\n")
    assert where[0].startswith(str(venv)) and where[1] == str(venv / "share" / "fitn-xl" / "word_templates")

    run = tmp_path / "essai"
    run.mkdir()
    demo = subprocess.run([str(venv / "bin" / "fitn-xl"), "demo"], capture_output=True, text=True, cwd=run,
                          timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "modèle(s) Word absent(s)" not in demo.stdout
    assert len(list((run / "demo" / "conventions").glob("*.docx"))) >= 5
    letters = [p.name for p in (run / "demo" / "courriers").glob("*.docx")]
    assert any("-notification-" in n for n in letters) and any("-refus-" in n for n in letters)
