"""The monthly DITP list: rows, .xlsx (text never a formula, totals), .docx, .eml, and the `ditp` command."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from test_ditp_support import DITP, app, make_registry, standard_registry

from fitn_xl.cli import main
from fitn_xl.core import Payment, Registry, Report, parameters_for
from fitn_xl.ditp import LIST_HEADERS, ListError, Month, NoLaureateError, build_monthly_list, monthly_rows
from fitn_xl.ditp.listing import EXTRA_HEADERS, NO_REPORT
from fitn_xl.typography import NB_HYPHEN

FORMULA_LIKE = {"2021-001": "=1+1", "2021-002": "@SUM(A1)", "2021-003": "-2"}


@pytest.fixture
def registry(tmp_path):
    texts = {(d, "Collectivité"): v for d, v in FORMULA_LIKE.items()}
    texts[("2021-001", "Intitulé du projet")] = "+33 4 73 00 00 00 & <Sport>"
    return standard_registry(tmp_path / "registre.xlsx", texts=texts)


def test_rows_follow_the_month_end_and_the_reports_known_then():
    params = parameters_for("63", "Puy-de-Dôme")
    reg = Registry(params, (
        app(1, decided_on=date(2021, 5, 3)),
        app(2, decided_on=date(2021, 7, 1)),
        app(3, status="Refusé", decided_on=date(2021, 5, 1)),
    ), reports=(
        Report("2021-001", date(2021, 6, 15), "En cours", Decimal("0.4"), date(2022, 9, 30)),
        Report("2021-001", date(2021, 7, 15), "En difficulté", Decimal("0.5"), date(2022, 11, 30)),
    ))
    june = monthly_rows(reg, Month.parse("2021-06"))
    assert [r.dossier_id for r in june] == ["2021-001"]
    assert june[0].end == date(2022, 9, 30)
    assert june[0].progress.startswith("En cours – 40")
    july = monthly_rows(reg, Month.parse("2021-07"))
    assert [r.dossier_id for r in july] == ["2021-001", "2021-002"]
    assert july[0].end == date(2022, 11, 30) and july[0].progress.startswith("En difficulté – 50")
    assert july[1].end == date(2022, 6, 30) and july[1].progress == NO_REPORT
    with pytest.raises(NoLaureateError, match="première décision date du 3 mai 2021"):
        monthly_rows(reg, Month.parse("2021-04"))


def test_paid_and_remaining_at_the_month_end():
    """Extras after the DITP's columns: what was paid by the month's end (« Versements ») and what remains."""
    params = parameters_for("63", "Puy-de-Dôme")
    reg = Registry(params, (app(1, decided_on=date(2021, 5, 3)), app(2, decided_on=date(2021, 5, 3))), payments=(
        Payment("2021-001", date(2021, 6, 30), "Avance", Decimal(2500)),
        Payment("2021-001", date(2021, 7, 1), "Solde", Decimal(1000)),
    ))
    june = {r.dossier_id: r for r in monthly_rows(reg, Month.parse("2021-06"))}
    granted = june["2021-001"].amount
    assert (june["2021-001"].paid, june["2021-001"].remaining) == (2500, granted - 2500)
    assert (june["2021-002"].paid, june["2021-002"].remaining) == (0, june["2021-002"].amount)
    july = {r.dossier_id: r for r in monthly_rows(reg, Month.parse("2021-07"))}
    assert july["2021-001"].paid == 3500
    assert len(june["2021-001"].values()) == len(LIST_HEADERS)  # the DITP's columns, unchanged


def test_xlsx_keeps_formula_like_text_as_text_and_totals_right(registry, tmp_path):
    result = build_monthly_list(registry, "2021-06", tmp_path / "out", today=date(2021, 7, 1))
    assert result.xlsx.name == "liste-ditp_63_2021-06.xlsx"
    assert result.count == 3 and result.total == Decimal("47000.50")
    with zipfile.ZipFile(result.xlsx) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)
    wb = load_workbook(result.xlsx)
    ws = wb["Lauréats"]
    assert tuple(c.value for c in ws[1]) == LIST_HEADERS + EXTRA_HEADERS  # the DITP's columns, then the extras
    assert ws.freeze_panes == "A2"
    rows = {ws.cell(r, 2).value: [c for c in ws[r]] for r in range(2, ws.max_row + 1)}
    for dossier, text in FORMULA_LIKE.items():
        cell = rows[dossier][LIST_HEADERS.index("Collectivité porteuse")]
        assert cell.value == text and cell.data_type == "s"
    assert rows["2021-001"][LIST_HEADERS.index("Intitulé du projet")].value == "+33 4 73 00 00 00 & <Sport>"
    amount = rows["2021-002"][LIST_HEADERS.index("Montant financé (€)")]
    assert amount.value == pytest.approx(12000.5) and "€" in amount.number_format
    decided = rows["2021-002"][LIST_HEADERS.index("Date de décision")]
    assert decided.value == datetime(2021, 6, 30) and decided.is_date
    assert "2021-004" not in rows and "2021-005" not in rows and "2021-006" not in rows
    companies = rows["2021-001"][LIST_HEADERS.index("Entreprises (département du siège)")].value
    assert companies == "Société Auvergne Conseil (63) ; Dupont & Fils (Hors France)"
    total_row = rows[next(k for k in rows if str(k).endswith("lauréats"))]
    assert total_row[0].value == "Total"
    data_amounts = [rows[d][6].value for d in ("2021-001", "2021-002", "2021-003")]
    assert total_row[6].value == pytest.approx(sum(data_amounts)) == pytest.approx(47000.5)


def test_docx_renders_escaped_values_in_landscape(registry, tmp_path):
    result = build_monthly_list(registry, "2021-06", tmp_path / "out", today=date(2021, 7, 1))
    doc = Document(str(result.docx))
    section = doc.sections[0]
    assert section.page_width > section.page_height
    table = doc.tables[0]
    texts = [[c.text.replace(NB_HYPHEN, "-") for c in row.cells] for row in table.rows]
    assert texts[0][0] == "N° dossier"
    body = [r for r in texts[1:] if r[0].startswith("2021-")]
    assert [r[0] for r in body] == ["2021-001", "2021-002", "2021-003"]
    assert body[0][3] == "+33 4 73 00 00 00 & <Sport>"
    assert body[0][2] == "=1+1"
    assert "Dupont & Fils (Hors France)" in body[0][7]
    assert texts[-1][0] == "Total" and texts[-1][5] == "47\u202f000,50\u00a0€"
    assert "juin 2021" in doc.paragraphs[0].text and "Puy-de-Dôme" in doc.paragraphs[0].text
    assert "{{" not in "".join(p.text for p in doc.paragraphs)


def test_eml_is_ready_to_send(registry, tmp_path, monkeypatch):
    monkeypatch.setenv("FITN_SMTP_FROM", "Préfecture <pref@puy-de-dome.gouv.fr>")
    result = build_monthly_list(registry, "2021-06", tmp_path / "out", today=date(2021, 7, 1))
    msg = message_from_bytes(result.eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == "[FITN7 axe 3] Liste des lauréats – Puy-de-Dôme – juin 2021"
    assert msg["To"] == DITP
    assert msg["From"].addresses[0].addr_spec == "pref@puy-de-dome.gouv.fr"
    body = msg.get_body(("plain",)).get_content()
    assert "3 projets lauréats" in body and "47\u202f000,50\u00a0€" in body and "du Puy-de-Dôme" in body
    parts = {p.get_filename(): p for p in msg.iter_attachments()}
    assert parts[result.xlsx.name].get_content_type() == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert parts[result.docx.name].get_content_type() == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert parts[result.xlsx.name].get_content() == result.xlsx.read_bytes()
    assert parts[result.docx.name].get_content() == result.docx.read_bytes()


def test_no_sender_is_made_up(registry, tmp_path, monkeypatch):
    """Without FITN_SMTP_FROM the draft has no From (the mail program puts in the user's own address); a bare
    configured address is named after the issuing service; the Date is the job's clock, in Paris time."""
    monkeypatch.delenv("FITN_SMTP_FROM", raising=False)
    result = build_monthly_list(registry, "2021-06", tmp_path / "out", now=datetime(2021, 7, 1, 9, 30))
    msg = message_from_bytes(result.eml.read_bytes(), policy=policy.default)
    assert msg["From"] is None and "gouv.fr" not in result.eml.read_text(errors="replace")
    expected = datetime(2021, 7, 1, 9, 30).astimezone().astimezone(ZoneInfo("Europe/Paris"))
    assert msg["Date"].datetime == expected and msg["Date"].datetime.utcoffset() == timedelta(hours=2)
    monkeypatch.setenv("FITN_SMTP_FROM", "modernisation@puy-de-dome.gouv.fr")
    result = build_monthly_list(registry, "2021-06", tmp_path / "out2")
    msg = message_from_bytes(result.eml.read_bytes(), policy=policy.default)
    assert msg["From"].addresses[0].display_name == "Préfecture du Puy-de-Dôme — Bureau de la modernisation"
    assert msg["From"].addresses[0].addr_spec == "modernisation@puy-de-dome.gouv.fr"
    monkeypatch.delenv("FITN_SMTP_FROM")
    monkeypatch.setenv("FITN_SMTP_HOST", "127.0.0.1")
    assert main(["ditp", str(registry), "--mois", "2021-06", "-o", str(tmp_path / "o3"), "--send"]) == 2


def test_month_before_any_decision_writes_nothing(registry, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(ListError, match="Aucun lauréat n'était décidé au 31 mars 2021"):
        build_monthly_list(registry, "2021-03", out)
    assert not out.exists() or not any(out.iterdir())
    code = main(["ditp", str(registry), "--mois", "2021-03", "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "Aucun lauréat" in err and "12 avril 2021" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_dossier_with_errors_is_left_out_and_named(tmp_path, capsys):
    path = make_registry(tmp_path / "r.xlsx", [app(1), app(2, granted=Decimal("8000"))],
                         texts={("2021-002", "Montant accordé (€)"): "beaucoup"})
    code = main(["ditp", str(path), "--mois", "2021-06", "-o", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1  # the list is written, but incomplete: a script must notice
    assert "Dossier 2021-002 écarté" in captured.err and "Montant accordé (€)" in captured.err
    assert "1 lauréat," in captured.out
    ws = load_workbook(tmp_path / "out" / "liste-ditp_63_2021-06.xlsx")["Lauréats"]
    assert [ws.cell(r, 2).value for r in range(2, ws.max_row)] == ["2021-001"]


def test_an_incomplete_list_is_not_sent_without_force(tmp_path, capsys, monkeypatch):
    path = make_registry(tmp_path / "r.xlsx", [app(1), app(2, granted=Decimal("8000"))],
                         texts={("2021-002", "Montant accordé (€)"): "beaucoup"})
    before = path.read_bytes()
    monkeypatch.setenv("FITN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FITN_SMTP_FROM", "modernisation@puy-de-dome.gouv.fr")
    monkeypatch.setenv("FITN_SMTP_PORT", "9")  # nothing listens: a send attempt would fail differently
    monkeypatch.setenv("FITN_SMTP_SECURITY", "none")
    code = main(["ditp", str(path), "--mois", "2021-06", "-o", str(tmp_path / "out"), "--send"])
    err = capsys.readouterr().err
    assert code == 1
    assert "liste incomplète (1 lauréat écarté pour erreurs de saisie), elle n'est pas envoyée" in err
    assert "envoi impossible" not in err
    assert path.read_bytes() == before  # no journal row


def test_cli_rejects_a_file_that_is_not_a_registry(tmp_path, capsys):
    bad = tmp_path / "pas-un-registre.xlsx"
    bad.write_text("bonjour")
    assert main(["ditp", str(bad), "--mois", "2021-06", "-o", str(tmp_path / "o")]) == 1
    assert "n'est pas un classeur Excel" in capsys.readouterr().err


def test_unknown_template_field_is_a_clear_error(registry, tmp_path):
    from docx import Document as NewDocument

    doc = NewDocument()
    doc.add_paragraph("Liste {{ departement }} – {{ champ_inconnu }}")
    template = tmp_path / "modele.docx"
    doc.save(str(template))
    out = tmp_path / "out"
    with pytest.raises(ListError, match="« modele.docx » utilise un champ inconnu.*champ_inconnu"):
        build_monthly_list(registry, "2021-06", out, template=template)
    assert not any(out.glob("*.xlsx")) and not any(out.glob("*.docx"))


def test_send_refused_while_the_registry_is_open(registry, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FITN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FITN_SMTP_FROM", "modernisation@puy-de-dome.gouv.fr")
    monkeypatch.setenv("FITN_SMTP_PORT", "1")  # never reached
    lock = registry.with_name(f".~lock.{registry.name}#")
    lock.write_text("agent")
    code = main(["ditp", str(registry), "--mois", "2021-06", "-o", str(tmp_path / "out"), "--send"])
    assert code == 1
    assert "semble ouvert" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
