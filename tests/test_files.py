"""Files are written whole or not at all, with ordinary permissions (`fitn_xl.files`)."""

import os
import stat

import pytest

from fitn_xl.files import atomic_write, atomic_write_bytes


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "liste.xlsx"
    target.write_bytes(b"previous")

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["liste.xlsx"]


def test_permissions_are_kept_or_ordinary_never_private(tmp_path):
    shared = tmp_path / "partage.docx"
    shared.write_bytes(b"v1")
    os.chmod(shared, 0o664)
    atomic_write_bytes(shared, b"v2")
    assert shared.read_bytes() == b"v2" and stat.S_IMODE(shared.stat().st_mode) == 0o664

    new = tmp_path / "sous-dossier" / "nouveau.docx"
    atomic_write_bytes(new, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
