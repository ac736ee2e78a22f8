"""Files shipped beside the code: the Word templates.

They live in `word_templates/` at the repository's root, where clerks find and edit them; an editable install (what
the README's `make` commands do) reads them there. A wheel installs them under `<prefix>/share/fitn-xl/word_templates`
(`[tool.setuptools.data-files]` of pyproject.toml).
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

_INSTALLED = Path("share") / "fitn-xl" / "word_templates"


def word_templates() -> Path:
    """The folder of the built-in Word templates: the repository's, else the installed copy (the repository's
    path when neither exists, for the messages that name it)."""
    repository = Path(__file__).resolve().parents[1] / "word_templates"
    if repository.is_dir():
        return repository
    for scheme in (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")):
        installed = Path(sysconfig.get_path("data", scheme)) / _INSTALLED
        if installed.is_dir():
            return installed
    return repository
