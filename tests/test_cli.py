"""The command line speaks French, and bad usage exits 2 (SPEC §4)."""

import pytest

from fitn_xl.cli import COMMANDS, main

ENGLISH = ("usage:", "show this help", "positional arguments", "the following arguments", "invalid choice")


@pytest.mark.parametrize("argv", [["--help"]] + [[name, "--help"] for name, *_ in COMMANDS])
def test_help_is_french(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : fitn-xl")
    assert "affiche cette aide et quitte" in out
    assert not any(word in out for word in ENGLISH)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frob"], "choix invalide"),
        (["new", "x.xlsx"], "arguments obligatoires manquants"),
        (["ditp", "x.xlsx", "--mois", "2021-13", "-o", "out"], "« 2021-13 » n'est pas un mois au format AAAA-MM"),
        (["serve", "--port", "x"], "nombre entier invalide"),
    ],
)
def test_bad_usage_exits_2_with_a_french_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "erreur" in err
    assert not any(word in err for word in ENGLISH)


def test_a_file_that_is_not_a_registry_gets_a_french_message_not_a_traceback(tmp_path, capsys):
    bogus = tmp_path / "notes.xlsx"
    bogus.write_text("pas un classeur", encoding="utf-8")
    assert main(["check", str(bogus)]) == 1
    err = capsys.readouterr().err
    assert "n'est pas un classeur Excel" in err and "Traceback" not in err
    assert main(["recalc", str(tmp_path / "absent.xlsx")]) == 1
    assert "n'existe pas" in capsys.readouterr().err


def _run_in_terminal(args: list[str], encoding: str) -> str:
    """`fitn-xl ARGS` in a pseudo-terminal whose character set is `encoding`: what the terminal receives."""
    import os
    import pty
    import subprocess
    import sys

    parent, child = pty.openpty()
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "fitn_xl.cli", *args], stdin=child, stdout=child, stderr=child,
                            env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(parent)
    return b"".join(chunks).decode(encoding)


def test_at_a_terminal_messages_get_french_spacing_its_character_set_can_show(blank_registry, capsys):
    import subprocess
    import sys

    args = ["new", str(blank_registry), "--departement", "63"]  # refused: the file exists
    utf8 = _run_in_terminal(args, "utf-8")
    assert "Erreur\u202f: «\u202f" in utf8 and "\u202f» existe déjà" in utf8
    cp850 = _run_in_terminal(args, "cp850")  # a French Windows console
    assert "Erreur\u00a0: «\u00a0" in cp850 and "\u202f" not in cp850
    piped = subprocess.run([sys.executable, "-m", "fitn_xl.cli", *args], capture_output=True, text=True)
    assert "Erreur : « " in piped.stderr  # for other programs and files: plain spaces
