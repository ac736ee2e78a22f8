"""`fitn-xl ds-sync` against a local Démarches Simplifiées API (`ds_api_server`: DS's schema run by graphql-core on
127.0.0.1): the same registry as importing the export of the same data, cursor pages, `updatedSince` the last
sync, champs found by stable id once renamed, decisions published exactly once, French refusals that leave the
registry unchanged."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

from conftest import edit_cells
from ds_api_server import FakeDs
from ds_export import INSTRUCTEUR, Dossier, fitn_demarche, volvic, week1, write_export
from graphql import build_schema, parse, validate

from fitn_xl import app, schema
from fitn_xl.app.demarches import OP_PUBLISH, OP_SYNC
from fitn_xl.app.result import Clock
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core.params import parameters_for
from fitn_xl.forms import ds_api
from fitn_xl.forms.importer import read_journal
from fitn_xl.workbook.read import load_registry

TOKEN = "ds-test-jeton-7Yx"
OTHER = "autre.instructeur@puy-de-dome.gouv.fr"
CLOCK = Clock(datetime(2021, 6, 2, 9, 0))
DEMARCHE = fitn_demarche()


def new_registry(path: Path) -> Path:
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    return path


def fake(dossiers=None) -> FakeDs:
    return FakeDs(12345, "FITN7 axe 3 — Puy-de-Dôme", DEMARCHE, dossiers if dossiers is not None else week1(),
                  TOKEN, (INSTRUCTEUR, OTHER))


def values(path: Path) -> dict:
    loaded = load_registry(path)
    return {"apps": loaded.registry.applications, "expenses": loaded.registry.expenses,
            "providers": loaded.registry.providers,
            "issues": sorted((i.row, i.column, i.message) for i in loaded.issues)}


def sync(registry: Path, url: str, **options):
    return app.ds_sync(registry, 12345, instance=url, token=TOKEN, clock=CLOCK, **options)


def test_client_queries_validate_against_ds_published_schema():
    sdl = (Path(__file__).parent / "data" / "ds-api-v2-schema.graphql").read_text(encoding="utf-8")
    s = build_schema(sdl)
    assert validate(s, parse(ds_api.DOSSIERS_QUERY)) == []
    for name in ds_api.DECISIONS:
        assert validate(s, parse(ds_api.mutation(name))) == [], name
    # --instance: the public instance by default; a host name or the endpoint's whole URL as the user pastes it
    assert ds_api.Client(None, TOKEN).url == "https://www.demarches-simplifiees.fr/api/v2/graphql"
    assert ds_api.Client("demarche.numerique.gouv.fr/", TOKEN).url == "https://demarche.numerique.gouv.fr/api/v2/graphql"
    assert ds_api.instance_url("https://ds.exemple.gouv.fr/api/v2/graphql") == "https://ds.exemple.gouv.fr"


def test_sync_gives_the_registry_the_export_of_the_same_data_gives(tmp_path):
    dossiers = week1()
    by_export = new_registry(tmp_path / "par-export.xlsx")
    assert main(["import", str(by_export), write_export(tmp_path / "export.xlsx", DEMARCHE, dossiers)]) == 0
    by_api = new_registry(tmp_path / "par-api.xlsx")
    server = fake(dossiers)
    steps = []
    with server.serve() as url:
        result = sync(by_api, url, page_size=3, progress=lambda done, total: steps.append((done, total)))
    assert result.ok, result.text()
    assert values(by_api) == values(by_export)  # every dossier, its lines, DS's decision, the flagged cells
    assert "Démarche n° 12345 « FITN7 axe 3 — Puy-de-Dôme »" in result.text() and "première synchronisation" in \
        result.text()
    # two pages through the cursor, the whole démarche the first time
    asked = [r["variables"] for r in server.requests]
    assert [(v.get("after"), v.get("updatedSince")) for v in asked] == [(None, None), ("Mw==", None)]
    assert steps == [(3, None), (4, None)]
    (row,) = [e for e in read_journal(by_api) if e.operation == OP_SYNC]
    detail = json.loads(row.detail)
    assert (detail["demarche"], detail["instance"], detail["depuis"]) == (12345, url, "2021-05-02T10:00:00+02:00")
    assert detail["champs"]["Coût global du projet"] == "1634709"
    assert detail["champs"]["Dépenses prévues"] == "1634718"
    assert detail["champs"]["Dépenses prévues › Montant (€)"] == "1634723"
    assert TOKEN not in by_api.read_bytes().decode("latin-1")  # the token is never written in the workbook


def test_next_sync_asks_only_what_changed_and_finds_renamed_champs_by_id(tmp_path, capsys, monkeypatch):
    registry = new_registry(tmp_path / "registre.xlsx")
    server = fake()
    with server.serve() as url:
        monkeypatch.setenv("FITN_DS_TOKEN", TOKEN)
        assert main(["ds-sync", str(registry), "--demarche", "12345", "--instance", url]) == 0
        capsys.readouterr()
        # the administrator renames two champs in DS; Volvic changes its cost a week later
        server.tdcs = [replace(t, libelle="Coût total du projet (€ HT)") if t.stable_id == 1634709 else
                           replace(t, children=tuple(replace(c, libelle="Somme") if c.stable_id == 1634723 else c
                                                     for c in t.children)) if t.stable_id == 1634718 else t
                           for t in server.tdcs]
        v = server.dossiers[101]
        v.champs[1634709], v.updated_at = "11000", datetime(2021, 5, 10, 8, 30)
        v.rows[1634718][0][1634723] = "8000"
        assert main(["ds-sync", str(registry), "--demarche", "12345", "--instance", url]) == 0
        out = capsys.readouterr().out
        assert "2 dossier(s) reçu(s), depuis le 02/05/2021 à 10:00" in out  # DS: updated_at >= since
        assert server.requests[-1]["variables"]["updatedSince"] == "2021-05-02T10:00:00+02:00"
        assert "dossier DS 101 → dossier DS-101 : mis à jour (Coût global (€), lignes de « Dépenses »)" in out
        a = load_registry(registry)
        assert {x.dossier_id: x.total_cost for x in a.registry.applications}["DS-101"] == D("11000")
        assert a.registry.expenses[0].amount == D("8000")
        # nothing changed since: the registry is left as it is
        before = registry.read_bytes()
        assert main(["ds-sync", str(registry), "--demarche", "12345", "--instance", url]) == 0
        assert "Aucune modification du registre." in capsys.readouterr().out
        assert registry.read_bytes() == before
    assert [e.operation for e in read_journal(registry)].count(OP_SYNC) == 2


def test_decisions_are_listed_then_published_exactly_once(tmp_path):
    extra = Dossier(106, "21630113500010", "COMMUNE DE CHATEL-GUYON", depose_at=datetime(2021, 3, 6, 9, 0),
                    updated_at=datetime(2021, 3, 6, 9, 0), instructeurs=(OTHER,),
                    champs={**volvic().champs, 1634701: "Commune de Châtel-Guyon", 1634712: "Site de la mairie",
                            1634714: "63103"})
    withdrawn = Dossier(107, "21630245500011", "COMMUNE DE MOZAC", state="en_instruction",
                        depose_at=datetime(2021, 3, 7, 9, 0), updated_at=datetime(2021, 3, 9, 9, 0),
                        en_instruction_at=datetime(2021, 3, 9, 9, 0), instructeurs=(INSTRUCTEUR,),
                        champs={**volvic().champs, 1634701: "Commune de Mozac", 1634712: "Portail citoyen",
                                1634714: "63245"})
    server = fake([*week1(), extra, withdrawn])
    registry = new_registry(tmp_path / "registre.xlsx")
    with server.serve() as url:
        assert sync(registry, url).ok
        rows = load_registry(registry).application_rows
        edit_cells(registry, schema.SHEET_APPLICATIONS, {
            (rows["DS-107"], "Statut"): "Sans suite", (rows["DS-107"], "Date de décision"): datetime(2021, 5, 21),
            (rows["DS-107"], "Motif de refus"): "Demande retirée par la commune",
            (rows["DS-101"], "Statut"): "Lauréat", (rows["DS-101"], "Date de décision"): datetime(2021, 5, 20),
            (rows["DS-101"], "Montant accordé (€)"): 6000,
            (rows["DS-106"], "Statut"): "Refusé", (rows["DS-106"], "Date de décision"): datetime(2021, 5, 20),
            (rows["DS-106"], "Motif de refus"): "Dossier incomplet",
            (rows["DS-104"], "Statut"): "Refusé", (rows["DS-104"], "Date de décision"): datetime(2021, 5, 20),
        })
        dry = sync(registry, url, publish=True)
        text = dry.text().replace("\u202f", " ").replace("\u00a0", " ")
        assert "Décisions à publier dans Démarches Simplifiées (3) — simulation, rien n'est envoyé" in text
        assert ("DS-107 (Commune de Mozac) : classement sans suite — « Sans suite » le 21/05/2021 ; motivation : "
                "« Demande retirée par la commune »") in text
        assert ("DS-101 (Commune de Volvic) : acceptation — « Lauréat » le 20/05/2021 ; motivation : « Subvention "
                "accordée : 6 000 €. » ; au nom de instructeur@puy-de-dome.gouv.fr") in text
        assert ("DS-106 (Commune de Châtel-Guyon) : passage en instruction puis refus — « Refusé » le 20/05/2021 ; "
                "motivation : « Votre dossier ne comporte pas l'ensemble des éléments") in text
        assert "au nom de autre.instructeur@puy-de-dome.gouv.fr" in text  # the one following DS-106
        assert "Décision non publiable — DS-104 : le dossier a des erreurs de saisie dans le registre" in text
        assert dry.status == 1 and server.mutations == []
        assert not any(e.operation == OP_PUBLISH for e in read_journal(registry))

        sent = sync(registry, url, publish=True, send=True)
        assert [name for name, _ in server.mutations] == ["dossierAccepter", "dossierPasserEnInstruction",
                                                           "dossierRefuser", "dossierClasserSansSuite"]
        accept, _, refuse, withdraw = (i for _, i in server.mutations)
        assert withdraw["motivation"] == "Demande retirée par la commune"
        assert accept["dossierId"] == ds_api.typed_id("Dossier", 101) and accept["instructeurId"] == \
            server.instructeurs[INSTRUCTEUR]
        assert refuse["motivation"].startswith("Votre dossier ne comporte pas l'ensemble des éléments nécessaires")
        assert "DS-101 (Commune de Volvic) : acceptation" in sent.text() and "→ « Accepté » dans DS" in sent.text()
        a = {x.dossier_id: x for x in load_registry(registry).registry.applications}
        assert (a["DS-101"].ds_state, a["DS-106"].ds_state, a["DS-107"].ds_state) == ("Accepté", "Refusé",
                                                                                         "Classé sans suite")
        assert a["DS-101"].ds_decided_on == date(2021, 6, 1)
        published = [e for e in read_journal(registry) if e.operation == OP_PUBLISH]
        assert [(e.dossier_id, json.loads(e.detail)["mutation"]) for e in published] == [
            ("DS-101", "dossierAccepter"), ("DS-106", "dossierRefuser"), ("DS-107", "dossierClasserSansSuite")]

        # someone re-opens DS-101 in DS: the decision is in the Journal, it is not sent again
        server.dossiers[101].state, server.dossiers[101].updated_at = "en_instruction", datetime(2021, 6, 3)
        again = sync(registry, url, publish=True, send=True)
        assert len(server.mutations) == 4
        assert "DS-101 : acceptation déjà envoyée (feuille « Journal », ligne" in again.text()


def test_what_ds_refuses_is_said_in_french_and_the_registry_is_unchanged(tmp_path, monkeypatch, capsys):
    registry = new_registry(tmp_path / "registre.xlsx")
    before = registry.read_bytes()
    server = fake()
    with server.serve() as url:
        bad = app.ds_sync(registry, 12345, instance=url, token="mauvais-jeton", clock=CLOCK)
        assert bad.status == 1
        assert "Démarches Simplifiées refuse le jeton d'accès (FITN_DS_TOKEN)" in bad.text()
        assert "Le registre n'est pas modifié." in bad.text() and "Without a token" not in bad.text()
        unknown = app.ds_sync(registry, 999, instance=url, token=TOKEN, clock=CLOCK)
        assert unknown.status == 1
        assert "la démarche n° 999 est introuvable dans Démarches Simplifiées" in unknown.text()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    down = app.ds_sync(registry, 12345, instance=closed, token=TOKEN, clock=CLOCK)
    assert down.status == 1
    assert f"serveur Démarches Simplifiées injoignable ({closed}/api/v2/graphql) : connexion impossible" in \
        down.text()
    monkeypatch.delenv("FITN_DS_TOKEN", raising=False)
    assert main(["ds-sync", str(registry), "--demarche", "12345"]) == 2
    assert "mettez-le dans la variable d'environnement FITN_DS_TOKEN" in capsys.readouterr().err
    assert registry.read_bytes() == before


def test_a_commune_champ_gives_its_insee_code_by_export_and_by_api(tmp_path):
    """A démarche whose administrator asked the commune with DS's « Commune » champ: the export writes « Nom (CP) »
    plus « (Code INSEE) » and « (Département) » columns, the API a typed CommuneChamp; a mapping reading
    « Commune du projet (Code INSEE) » gives the registry the same INSEE code both ways."""
    from ds_export import Geo, Tdc

    demarche = [t if t.stable_id != 1634714 else Tdc(1634714, "commune", "Commune du projet") for t in DEMARCHE]
    dossiers = week1()[:3]
    dossiers[0].champs[1634714] = Geo("Volvic", "63470", "63530", "63 – Puy-de-Dôme")
    dossiers[1].champs.pop(1634714)  # an intercommunality: no commune
    dossiers[2].champs[1634714] = Geo("Riom", "63300", "63200", "63 – Puy-de-Dôme")
    mapping = tmp_path / "commune.toml"
    text = (Path(__file__).parent.parent / "fitn_xl" / "forms" / "ds_default.toml").read_text(encoding="utf-8")
    mapping.write_text(text.replace('"Code INSEE ou SIREN" = "Code INSEE (commune) ou SIREN"',
                                    '"Code INSEE ou SIREN" = "Commune du projet (Code INSEE)"'), encoding="utf-8")
    got = {}
    for suffix in (".xlsx", ".ods"):
        export = write_export(tmp_path / f"export{suffix}", demarche, dossiers)
        reg = new_registry(tmp_path / f"par-export{suffix}.xlsx")
        assert main(["import", str(reg), export, "--correspondance", str(mapping)]) == 0
        got[suffix] = values(reg)
    by_api = new_registry(tmp_path / "par-api.xlsx")
    server = FakeDs(12345, "FITN7", demarche, dossiers, TOKEN, (INSTRUCTEUR,))
    with server.serve() as url:
        assert sync(by_api, url, mapping=mapping).ok
    got["api"] = values(by_api)
    codes = {a.dossier_id: a.insee_or_siren for a in got[".xlsx"]["apps"]}
    assert codes == {"DS-101": "63470", "DS-102": "", "DS-103": "63300"}
    assert got[".ods"] == got[".xlsx"] and got["api"] == got[".xlsx"]


def test_an_instance_that_moved_is_named_and_the_token_not_sent_there(tmp_path):
    """DS renamed itself (« Démarche numérique »): an old address answers with a redirection. The sync does not
    follow it (the token would go to another server, and the POST would become a GET): it names the new address."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked = []

    class Moved(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            asked.append(self.headers.get("Authorization"))
            self.send_response(308)
            self.send_header("Location", "https://demarche.numerique.gouv.fr/api/v2/graphql")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    registry = new_registry(tmp_path / "registre.xlsx")
    before = registry.read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Moved)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = sync(registry, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == 1
    assert ("l'API de Démarches Simplifiées a changé d'adresse" in result.text()
            and "relancez avec --instance https://demarche.numerique.gouv.fr" in result.text())
    assert asked == [f"Bearer {TOKEN}"]  # once, to the address given; never to the new one
    assert registry.read_bytes() == before


def test_decisions_are_not_sent_when_their_journal_rows_could_not_follow(tmp_path):
    """A decision sent to DS without its « Journal » row would be sent again by the next sync (as the DITP list
    was, before issue 12): the rows are tried first, and nothing goes to DS if they cannot be written."""
    import openpyxl

    server = fake()
    registry = new_registry(tmp_path / "registre.xlsx")
    with server.serve() as url:
        assert sync(registry, url).ok
        row = load_registry(registry).application_rows["DS-101"]
        edit_cells(registry, schema.SHEET_APPLICATIONS, {
            (row, "Statut"): "Lauréat", (row, "Date de décision"): datetime(2021, 5, 20),
            (row, "Montant accordé (€)"): 6000})
        wb = openpyxl.load_workbook(registry)
        wb.remove(wb[schema.SHEET_JOURNAL])
        wb.save(registry)
        before = registry.read_bytes()
        refused = sync(registry, url, publish=True, send=True)
        text = refused.text()
        assert refused.status == 1 and server.mutations == [] and registry.read_bytes() == before
        assert ("Erreur : les décisions publiées ne pourraient pas être consignées dans le journal du registre "
                "(la feuille « Journal » est absente du classeur)") in text, text
        assert "Rien n'est envoyé à Démarches Simplifiées" in text and "fitn-xl new" in text
