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


def test_an_output_that_is_a_folder_is_named_as_the_user_gave_it(tmp_path, capsys):
    """`consolidate -o FOLDER`, `opendata -o FOLDER`: the message names that folder, not the temporary file that
    could not replace it; nothing is left behind."""
    from test_ditp_support import standard_registry

    from fitn_xl.cli import main

    registry = standard_registry(tmp_path / "registre.xlsx")
    folder = tmp_path / "sorties"
    folder.mkdir()
    for argv in (["consolidate", str(registry), "-o", str(folder)], ["opendata", str(registry), "-o", str(folder),
                                                                       "--force"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"Erreur de fichier : « {folder} » : c'est un dossier, un fichier était attendu." in err, err
        assert ".fitn" not in err and list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registre.xlsx", "sorties"]
    with pytest.raises(IsADirectoryError):
        atomic_write_bytes(folder, b"x")
