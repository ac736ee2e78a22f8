"""A user's walkthrough: each command as an agent runs it, on good and careless input (QA findings, one test each).

Real registries built in tmp_path, edited with openpyxl as an agent would, run through `fitn_xl.cli.main`.
"""

from __future__ import annotations

import errno
import os
import stat

import openpyxl
import pytest

from fitn_xl import schema
from fitn_xl.cli import main, os_error_message


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _usual_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _edit(path, sheet: str, edits: dict[tuple[int, str], object]) -> None:
    """Type values into cells (Excel row, header) as an agent would, and save."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    headers = {c.value: c.column for c in ws[1]}
    for (row, header), value in edits.items():
        ws.cell(row, headers[header]).value = value
    wb.save(path)


# --- files the user cannot write -------------------------------------------------------------------------------


def test_output_folder_that_is_a_file_gets_a_french_message(registry_file, tmp_path, capsys):
    not_a_folder = tmp_path / "sorties"
    not_a_folder.write_text("un fichier, pas un dossier")
    assert main(["conventions", str(registry_file), "-o", str(not_a_folder)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "File exists" not in err
    assert f"« {not_a_folder} » : un fichier de ce nom existe déjà, alors qu'un dossier est attendu" in err


@pytest.mark.parametrize(("code", "english", "french"), [
    (errno.EACCES, "Permission denied", "accès refusé"),
    (errno.ENOTDIR, "Not a directory", "un fichier porte le nom d'un dossier attendu"),
    (errno.ENOSPC, "No space left on device", "le disque est plein"),
    (errno.EROFS, "Read-only file system", "lecture seule"),
])
def test_file_errors_are_told_in_french(code, english, french):
    message = os_error_message(OSError(code, english, "registre.xlsx"))
    assert message.startswith("Erreur de fichier : « registre.xlsx » : ") and french in message
    assert english not in message


def test_ctrl_c_while_the_command_loads_is_a_plain_message(registry_file, monkeypatch, capsys):
    import fitn_xl.app.registry

    def interrupted(path):  # the user hits Ctrl-C while the registry is being read
        raise KeyboardInterrupt

    monkeypatch.setattr(fitn_xl.app.registry, "load_registry", interrupted)
    assert main(["check", str(registry_file)]) == 130
    assert capsys.readouterr().err.strip() == "Interrompu."


# --- permissions of what is written ----------------------------------------------------------------------------


def test_committee_file_and_blank_forms_are_readable_by_colleagues(registry_file, tmp_path):
    out = tmp_path / "sortie"
    assert main(["committee", str(registry_file), "-o", str(out)]) == 0
    assert main(["forms", "-o", str(out / "formulaires"), "--registre", str(registry_file)]) == 0
    written = list(out.glob("comite-de-selection-*.docx")) + list((out / "formulaires").glob("*.docx"))
    assert len(written) == 3
    for path in written:
        assert _mode(path) == _usual_mode(), path.name  # not mkstemp's private 0600
    assert not [p.name for p in out.rglob(".*")]  # no temporary file left behind


def test_regenerated_committee_file_keeps_its_permissions(registry_file, tmp_path):
    out = tmp_path / "sortie"
    assert main(["committee", str(registry_file), "-o", str(out)]) == 0
    (path,) = out.glob("comite-de-selection-*.docx")
    path.chmod(0o640)
    assert main(["committee", str(registry_file), "-o", str(out)]) == 0
    assert _mode(path) == 0o640


# --- what recalc writes when the workbook itself is damaged ------------------------------------------------------


def _inputs(path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[schema.SHEET_APPLICATIONS]
    n = len(schema.APPLICATIONS.columns)
    return [row[:n] for row in ws.iter_rows(values_only=True)]


def test_deleted_header_is_not_called_a_parameter_error(registry_file, capsys):
    _edit(registry_file, schema.SHEET_APPLICATIONS, {(1, "Population"): None})  # the agent cleared the header
    before = _inputs(registry_file)
    assert main(["recalc", str(registry_file)]) == 1
    err = capsys.readouterr().err
    assert "Feuille « Candidatures », ligne 1, colonne « Population » : colonne absente du tableau" in err
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    alerts = ws.cell(2, [c.value for c in ws[1]].index("Alertes") + 1).value
    assert alerts.startswith("Colonne ou tableau absent : 1 (voir fitn-xl check)")
    assert "Paramètres" not in alerts and "valeurs par défaut" not in alerts
    assert _inputs(registry_file) == before


def test_unknown_measure_is_one_error_not_one_per_score(registry_file, capsys):
    # 63-001 (row 2) has two evaluators with three criteria each: the typo must not become six more errors
    _edit(registry_file, schema.SHEET_APPLICATIONS, {(2, "Mesure"): "3e"})
    assert main(["check", str(registry_file)]) == 1
    out = capsys.readouterr().out
    assert "Feuille « Candidatures », ligne 2, colonne « Mesure » : « 3e » n'est pas une valeur de la liste" in out
    assert "1 erreur de saisie (1 dossier concerné)" in out
    assert "grille de la mesure" not in out


# --- what the documents say -------------------------------------------------------------------------------------


def _set_parameter(path, label: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_PARAMETERS]
    (row,) = [r for r in ws.iter_rows(min_col=1, max_col=2) if r[0].value == label]
    row[1].value = value
    wb.save(path)


def _docx_text(path) -> str:
    import docx

    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize(("typed", "in_sentence", "signed"), [
    ("Le préfet du Puy-de-Dôme", "représenté par le préfet du Puy-de-Dôme,", "Le préfet du Puy-de-Dôme"),
    (None, "représenté par le préfet du Puy-de-Dôme,", "Le préfet du Puy-de-Dôme"),  # the default
    ("M. Jean Martin, préfet", "représenté par M. Jean Martin, préfet,", "M. Jean Martin, préfet"),
])
def test_signatory_reads_right_inside_the_convention_and_on_the_signature_line(registry_file, tmp_path, typed,
                                                                               in_sentence, signed):
    _set_parameter(registry_file, "Signataire", typed)
    out = tmp_path / "sortie"
    assert main(["conventions", str(registry_file), "-o", str(out), "--dossier", "63-002"]) == 0
    assert main(["letters", str(registry_file), "-o", str(out), "--dossier", "63-002"]) == 0
    (convention,) = out.glob("63-002-convention-*.docx")
    (letter,) = out.glob("63-002-notification-*.docx")
    text = _docx_text(convention)
    assert in_sentence in text and "par Le préfet" not in text
    assert f"Pour l'État,\n{signed}" in text
    assert _docx_text(letter).splitlines().count(signed) == 1  # the letter's signature line


def _eml_body(path) -> str:
    from email import message_from_bytes, policy

    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_service_that_names_the_prefecture_is_not_signed_twice(registry_file, tmp_path):
    _set_parameter(registry_file, "Service instructeur", "Préfecture du Puy-de-Dôme — Bureau de la modernisation")
    out = tmp_path / "sortie"
    assert main(["ditp", str(registry_file), "--mois", "2021-12", "-o", str(out)]) == 0
    assert main(["relances", str(registry_file), "-o", str(out / "relances")]) == 0
    assert main(["committee", str(registry_file), "-o", str(out)]) == 0
    mails = [out / "liste-ditp_63_2021-12.eml", *sorted((out / "relances").glob("*.eml"))]
    assert len(mails) >= 2
    for mail in mails:
        body = _eml_body(mail)
        assert body.count("Préfecture du Puy-de-Dôme") == 1, mail.name
        assert "Préfecture du Puy-de-Dôme — Bureau de la modernisation" in body
    (committee,) = out.glob("comite-de-selection-*.docx")
    header = _docx_text(committee).splitlines()[0]
    assert header == "Préfecture du Puy-de-Dôme — Bureau de la modernisation"


def test_service_without_the_prefecture_gets_it_added(registry_file, tmp_path):
    _set_parameter(registry_file, "Service instructeur", "Bureau de la modernisation")
    out = tmp_path / "sortie"
    assert main(["ditp", str(registry_file), "--mois", "2021-12", "-o", str(out)]) == 0
    body = _eml_body(out / "liste-ditp_63_2021-12.eml")
    assert "Bureau de la modernisation\nPréfecture du Puy-de-Dôme" in body


# --- the demo folder ---------------------------------------------------------------------------------------------


def test_demo_folder_holds_one_registry_and_only_listed_files(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", str(out)]) == 0
    printed = capsys.readouterr().out
    registries = [p.name for p in out.glob("*.xlsx")]
    assert registries == ["registre-demo.xlsx"]  # no « registre-demo.precedent.xlsx » beside it
    files = [p for p in out.rglob("*") if p.is_file()]
    unlisted = [str(p.relative_to(tmp_path)) for p in files if str(p.relative_to(tmp_path)) not in printed]
    assert unlisted == []
    assert all(_mode(p) == _usual_mode() for p in files)


# --- an empty registry -------------------------------------------------------------------------------------------


def test_scoring_on_an_empty_registry_says_there_is_nothing_to_score(tmp_path, capsys):
    registry = tmp_path / "registre.xlsx"
    assert main(["new", str(registry), "--departement", "63"]) == 0
    capsys.readouterr()
    assert main(["scoring", str(registry), "--evaluateur", "A. Roux"]) == 0
    out = capsys.readouterr().out
    assert "aucun dossier éligible n'attend de décision" in out
    assert "chaque évaluateur a déjà une ligne" not in out


def test_duplicated_dossier_number_is_reported_without_a_puzzling_zero(registry_file, capsys):
    _edit(registry_file, schema.SHEET_APPLICATIONS, {(3, schema.DOSSIER_ID): "63-001"})  # copy-paste slip
    assert main(["check", str(registry_file)]) == 1
    out = capsys.readouterr().out
    assert "Feuille « Candidatures », ligne 3, colonne « N° dossier » : « 63-001 » est en double (déjà ligne 2)" in out
    assert "0 dossier concerné" not in out
    assert "(sur des lignes ou des paramètres rattachés à aucun dossier)" in out


# --- sending the DITP list to a server that does not offer what the settings ask --------------------------------


@pytest.mark.parametrize(("security", "user", "french"), [
    ("starttls", "", "ne propose pas le chiffrement STARTTLS"),
    ("none", "agent", "ne propose pas d'authentification"),
])
def test_smtp_server_without_starttls_or_auth_is_explained_in_french(security, user, french):
    import socket

    from aiosmtpd.controller import Controller

    from fitn_xl.ditp.mail import SendError, SmtpSettings, new_message, send

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)  # no STARTTLS, no AUTH offered
    controller.start()
    try:
        msg = new_message("pref@example.fr", "ditp@example.fr", "Liste", "Bonjour")
        with pytest.raises(SendError) as caught:
            send(msg, SmtpSettings("127.0.0.1", port, security, user, "secret" if user else ""))
    finally:
        controller.stop()
    message = str(caught.value)
    assert french in message and "FITN_SMTP_SECURITY" in message
    assert "not supported" not in message and "extension" not in message
