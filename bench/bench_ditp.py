"""Monthly DITP list on a large registry: time of each step, measured side by side in one run.

    .venv/bin/python bench/bench_ditp.py [N_LAUREATES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fitn_xl.book.build import build_registry
from fitn_xl.core import Application, Provider, Registry, Report, parameters_for
from fitn_xl.ditp import build_monthly_list, monthly_rows
from fitn_xl.ditp.listing import ListMeta, Month
from fitn_xl.ditp.word import write_list_docx
from fitn_xl.ditp.xlsx import write_list_xlsx
from fitn_xl.workbook.read import load_registry


def registry(n: int) -> Registry:
    params = parameters_for("63", "Puy-de-Dôme", service="Bureau de la modernisation")
    apps = tuple(Application(f"63-2021-{i:04d}", received_on=date(2021, 3, 1), measure=("3a", "3b", "3c")[i % 3],
                             applicant=f"Commune {i}", applicant_type="Commune",
                             title=f"Projet numérique n° {i} & co", status="Lauréat",
                             decided_on=date(2021, 4, 1) + timedelta(days=i % 60), granted=Decimal(5000 + i),
                             planned_end=date(2022, 6, 30)) for i in range(n))
    providers = tuple(Provider(a.dossier_id, f"Société {j}", "", "63") for a in apps for j in range(2))
    reports = tuple(Report(a.dossier_id, date(2021, 6, 10), "En cours", Decimal("0.3")) for a in apps)
    return Registry(params, apps, providers=providers, reports=reports)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    reg = registry(n)
    with tempfile.TemporaryDirectory() as d:
        base = Path(d)
        path = base / "registre.xlsx"
        build_registry(path, reg.parameters, reg)
        month = Month(2021, 6)
        rows = monthly_rows(reg, month)
        meta = ListMeta("63", "Puy-de-Dôme", month, "Bureau")
        steps = {
            "lecture du registre": lambda: load_registry(path),
            "règles de la liste": lambda: monthly_rows(reg, month),
            "classeur .xlsx": lambda: write_list_xlsx(base / "l.xlsx", rows, meta),
            "document .docx": lambda: write_list_docx(base / "l.docx", rows, meta),
            "tout (build_monthly_list)": lambda: build_monthly_list(path, "2021-06", base / "out"),
        }
        times = {k: min(timed(f) for _ in range(3)) for k, f in steps.items()}
    whole = times["tout (build_monthly_list)"]
    print(f"{n} lauréats ({len(rows)} dans la liste de juin 2021), meilleur de 3 :")
    for k, t in times.items():
        print(f"  {k:28s} {t * 1000:8.1f} ms  ({t / whole:5.1%} du tout)")


if __name__ == "__main__":
    main()
