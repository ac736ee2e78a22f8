"""The `fitn-xl` command line (SPEC §4): English subcommands, French help and messages.

Exit codes: 0 success, 1 data errors blocking the job (or the job failed), 2 bad usage. Each subcommand is
`fitn_xl.commands.<module>.run(args) -> int`, imported only when that subcommand runs: it calls the job of
`fitn_xl.app` and prints its report.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from . import __version__
from .app.result import EXIT_DATA, EXIT_USAGE, os_error_message
from .files import readable


class FrenchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French help and usage errors (exit 2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")

    def error(self, message: str):
        translations = {
            "the following arguments are required": "arguments obligatoires manquants",
            "unrecognized arguments": "arguments non reconnus",
            "invalid choice": "choix invalide",
            "choose from": "au choix",
            "invalid int value": "nombre entier invalide",
            "expected one argument": "une valeur est attendue",
            "argument command: ": "",
        }
        for en, fr in translations.items():
            message = message.replace(en, fr)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur : {message}\n")


def _month(value: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"« {value} » n'est pas un mois au format AAAA-MM")
    return value


# (subcommand, module in fitn_xl.commands, French help, argument adder)
def _demo(p):
    p.add_argument("dossier", nargs="?", default="demo", metavar="DOSSIER",
                   help="dossier de sortie (par défaut : ./demo)")


def _new(p):
    p.add_argument("registre", metavar="REGISTRE.xlsx", help="registre à créer")
    p.add_argument("--departement", required=True, metavar="CODE", help="code du département, ex. 63")
    p.add_argument("--nom-departement", metavar="NOM", help="nom du département (par défaut : d'après le code)")
    p.add_argument("--force", action="store_true", help="remplacer un fichier existant")


def _registry(p):
    p.add_argument("registre", metavar="REGISTRE.xlsx", help="le registre")


def _check(p):
    _registry(p)
    p.add_argument("--json", action="store_true", help="sortie JSON lisible par une machine")
    p.epilog = ("Code de sortie : 1 dès qu'une saisie est en erreur, même une erreur qui ne bloque pas les autres "
                "commandes (ligne de dépense d'un N° dossier inconnu, N° dossier en double…) ; 0 sinon.")


def _writes(p):
    p.add_argument("--force", action="store_true",
                   help="écrire même si le fichier semble ouvert dans Excel ou LibreOffice")


def _recalc(p):
    _registry(p)
    _writes(p)
    p.epilog = ("Code de sortie : 1 seulement pour une erreur bloquante (paramètre, tableau ou colonne absents ou "
                "invalides) ; une ligne en erreur est signalée (colonne Alertes, fitn-xl check) et le recalcul se "
                "fait.")


def _out(p, required=True):
    p.add_argument("-o", "--sortie", dest="output", required=required, metavar="DOSSIER",
                   help="dossier où écrire les fichiers")


def _conventions(p):
    _registry(p)
    _out(p)
    p.add_argument("--dossier", dest="dossiers", action="append", metavar="N",
                   help="seulement ce N° dossier (option répétable)")
    _writes(p)


def _letters(p):
    _registry(p)
    _out(p)
    p.add_argument("--dossier", dest="dossiers", action="append", metavar="N",
                   help="seulement ce N° dossier (option répétable)")
    _writes(p)


def _ditp(p):
    _registry(p)
    p.add_argument("--mois", required=True, type=_month, metavar="AAAA-MM", help="mois de la liste, ex. 2021-06")
    _out(p)
    p.add_argument("--send", action="store_true", help="envoyer le courriel par SMTP (réglages : variables "
                                                       "d'environnement FITN_SMTP_*)")
    _writes(p)


def _committee(p):
    _registry(p)
    _out(p)


def _scoring(p):
    _registry(p)
    p.add_argument("--evaluateur", dest="evaluators", action="append", required=True, metavar="NOM",
                   help="évaluateur à qui préparer des lignes de notation (option répétable)")
    _writes(p)


def _relances(p):
    _registry(p)
    _out(p)


def _consolidate(p):
    p.add_argument("listes", nargs="+", metavar="LISTE.xlsx",
                   help="listes mensuelles DITP ou registres des départements")
    p.add_argument("-o", "--sortie", dest="output", required=True, metavar="CONSOLIDATION.xlsx",
                   help="classeur de consolidation à écrire")


def _serve(p):
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (par défaut : 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (par défaut : 8000)")
    p.add_argument("--certfile", metavar="CERT.pem", help="certificat HTTPS (Office.js exige HTTPS)")
    p.add_argument("--keyfile", metavar="CLE.pem", help="clé privée du certificat HTTPS")
    p.add_argument("--jetons", metavar="FICHIER", help="jetons d'accès, une ligne « nom:jeton » par agent "
                                                       "(obligatoire hors 127.0.0.1, sauf Entra ID)")
    p.add_argument("--url", metavar="URL",
                   help="adresse du serveur telle que les postes l'appellent, pour le manifeste et les liens de "
                        "téléchargement ; seule adresse (avec 127.0.0.1 et localhost) à laquelle il répond (par "
                        "défaut : http(s)://HÔTE:PORT)")
    p.add_argument("--telechargements", metavar="DOSSIER",
                   help="dossier des fichiers produits par les boutons, supprimés après 7 jours (par défaut : "
                        "~/.fitn-xl/telechargements)")


def _forms(p):
    _out(p)
    p.add_argument("--departement", metavar="CODE", help="code du département (par défaut : celui du registre)")
    p.add_argument("--registre", metavar="REGISTRE.xlsx",
                   help="prendre la préfecture et l'échéance dans les paramètres de ce registre")


def _upgrade(p):
    _registry(p)
    p.add_argument("--force", action="store_true",
                   help="abandonner les colonnes et feuilles propres au fichier, que la mise à jour ne reprend pas ; "
                        "écrire même si le fichier semble ouvert")
    p.epilog = ("Reconstruit un registre créé par une version précédente de fitn-xl avec les feuilles, tableaux et "
                "colonnes de cette version : toutes les saisies et le Journal sont repris, la version précédente est "
                "gardée à côté (REGISTRE.precedent.xlsx). Refusé tant qu'une saisie est en erreur (fitn-xl check).")


def _import(p):
    _registry(p)
    p.add_argument("fichiers", nargs="+", metavar="FICHIER",
                   help="formulaires remplis (.docx) ou exports Démarches Simplifiées (.xlsx, .ods ou .csv), "
                        "importés dans l'ordre donné")
    p.add_argument("--correspondance", metavar="FICHIER.toml",
                   help="correspondance des colonnes DS (par défaut : ds_default.toml fourni, pour la démarche de "
                        "docs/demarche-ds.md)")
    p.add_argument("--date-reception", metavar="JJ/MM/AAAA", help="date de réception (par défaut : aujourd'hui)")
    _ds_decisions(p)
    _writes(p)


def _ds_decisions(p):
    p.add_argument("--decisions-ds", dest="take_decisions", action="store_true",
                   help="reprendre les décisions de Démarches Simplifiées : un dossier Accepté, Refusé ou Classé sans "
                        "suite dans DS prend le Statut Lauréat, Refusé ou Sans suite, et « Traité le » devient sa "
                        "Date de décision, s'il est encore Reçu, En instruction ou Éligible dans le registre (une "
                        "décision du registre n'est jamais écrasée). Sans cette option, la décision de DS est "
                        "gardée dans « État DS » et « Décision DS le », et un désaccord avec le Statut est signalé "
                        "dans les Alertes")


def _payments(p):
    _registry(p)
    p.add_argument("--dossier", required=True, metavar="N", help="N° dossier du lauréat")
    _out(p)
    p.add_argument("--force", action="store_true",
                   help="préparer de nouveau une demande déjà consignée au journal ; écrire même si le registre "
                        "semble ouvert dans Excel ou LibreOffice")


def _opendata(p):
    _registry(p)
    p.add_argument("-o", "--sortie", dest="output", required=True, metavar="FICHIER.csv",
                   help="fichier CSV à écrire (format SCDL subventions 2.1.1)")
    p.add_argument("--seuil", type=_amount, default=None, metavar="MONTANT",
                   help="seulement les subventions de plus de MONTANT euros (par défaut : 23000, seuil du décret "
                        "n° 2017-779 ; 0 : toutes)")
    p.add_argument("--force", action="store_true",
                   help="écrire le fichier même s'il ne respecte pas le schéma (les problèmes sont affichés)")


def _amount(value: str) -> str:
    from .values import CellError, parse_amount

    try:
        amount = parse_amount(value)
    except CellError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if amount is None:
        raise argparse.ArgumentTypeError("un montant est attendu")
    return str(amount)


def _ds_sync(p):
    _registry(p)
    p.add_argument("--demarche", required=True, type=int, metavar="NUMERO",
                   help="numéro de la démarche (dans son adresse : …/procedures/NUMERO)")
    p.add_argument("--instance", metavar="URL", help="adresse de Démarches Simplifiées (par défaut : "
                                                     "https://www.demarches-simplifiees.fr)")
    p.add_argument("--correspondance", metavar="FICHIER.toml",
                   help="correspondance des champs DS (par défaut : ds_default.toml fourni)")
    _ds_decisions(p)
    p.add_argument("--publier-decisions", dest="publish", action="store_true",
                   help="lister les décisions du registre (Lauréat, Refusé, Sans suite avec une Date de décision) "
                        "à reporter dans DS pour les dossiers encore en construction ou en instruction")
    p.add_argument("--envoyer", dest="send", action="store_true",
                   help="avec --publier-decisions : les envoyer (acceptation, refus motivé, classement sans suite), "
                        "chacune une seule fois")
    p.add_argument("--instructeur", metavar="COURRIEL",
                   help="instructeur au nom de qui les décisions sont publiées (par défaut : variable "
                        "FITN_DS_INSTRUCTEUR, sinon l'instructeur qui suit le dossier)")
    _writes(p)
    p.epilog = ("Le jeton d'accès à l'API est lu dans la variable d'environnement FITN_DS_TOKEN (jamais dans le "
                "classeur). La première synchronisation lit tous les dossiers ; les suivantes, ceux modifiés "
                "depuis. Jeton refusé, serveur injoignable ou erreur de DS : message, code de sortie 1, registre "
                "inchangé.")


COMMANDS: list[tuple[str, str, str, object]] = [
    ("demo", "demo", "crée un registre fictif réaliste et tous les documents dans DOSSIER", _demo),
    ("new", "new", "crée un registre vierge avec les paramètres par défaut", _new),
    ("check", "check", "vérifie toutes les saisies et affiche les résultats calculés", _check),
    ("recalc", "recalc", "réécrit les colonnes calculées et le tableau de bord, sans toucher aux saisies", _recalc),
    ("conventions", "conventions", "une convention Word par lauréat en mode Convention", _conventions),
    ("letters", "letters", "courriers de notification : attribution ou refus", _letters),
    ("ditp", "ditp", "liste mensuelle des lauréats pour la DITP (.xlsx, .docx, .eml)", _ditp),
    ("relances", "relances", "un courriel de relance par lauréat sans état des lieux depuis plus d'un trimestre",
     _relances),
    ("consolidate", "consolidate", "regroupe les lauréats de plusieurs départements (listes DITP ou registres) dans "
                                   "un classeur",
     _consolidate),
    ("committee", "committee", "dossier du comité de sélection (Word) : classement par enveloppe, fiches "
                               "d'instruction", _committee),
    ("scoring", "scoring", "prépare les lignes de notation vides des évaluateurs pour les dossiers éligibles en "
                           "attente", _scoring),
    ("serve", "serve", "serveur du complément Excel (xlwings Server)", _serve),
    ("forms", "forms", "formulaires Word vierges de demande de financement (annexes 1 et 2)", _forms),
    ("import", "importer", "importe des formulaires remplis ou un export Démarches Simplifiées", _import),
    ("upgrade", "upgrade", "met à jour un registre créé par une version précédente de fitn-xl", _upgrade),
    ("payments", "payments", "demande de mise en paiement (Word) de la prochaine échéance d'un lauréat", _payments),
    ("opendata", "opendata", "fichier des subventions attribuées au format SCDL (données ouvertes), vérifié",
     _opendata),
    ("ds-sync", "ds_sync", "synchronise le registre avec une démarche Démarches Simplifiées (API GraphQL), et publie "
                           "ses décisions", _ds_sync),
]


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="fitn-xl",
        description="Registre Excel du guichet territorial FITN7 axe 3 (France Relance) : instruction, "
                    "forfaits, notation, conventions et liste mensuelle DITP.",
        epilog="Codes de sortie : 0 succès, 1 données en erreur bloquant le travail, 2 mauvaise utilisation.",
    )
    parser.add_argument("--version", action="version", version=f"fitn-xl {__version__}",
                        help="affiche la version et quitte")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchArgumentParser,
                                title="commandes")
    sub.required = True
    for name, module, help_text, add_arguments in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
        add_arguments(p)
        p.set_defaults(module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        command = importlib.import_module(f"fitn_xl.commands.{args.module}")
        return int(command.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except OSError as exc:
        print(readable(os_error_message(exc)), file=sys.stderr)
        return EXIT_DATA
    except Exception as exc:  # a user never sees a traceback; FITN_XL_DEBUG=1 shows it
        if os.environ.get("FITN_XL_DEBUG"):
            raise
        print(f"Erreur inattendue ({type(exc).__name__}) : {exc}", file=sys.stderr)
        print("Relancez avec FITN_XL_DEBUG=1 pour le détail technique.", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
