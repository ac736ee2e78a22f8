"""Benchmark: 1 000 conventions, fast batch path vs a naive docxtpl loop, measured side by side in one run.

Run: `.venv/bin/python bench/bench_documents.py [N]` (default N = 1000). Each measurement runs in a fresh
subprocess so peak RSS is its own. The naive loop (new DocxTemplate per document, same template and contexts) is
timed on a slice of the documents; throughputs are compared in documents per second.
Targets: throughput ratio ≥ 8 on 2 cores; peak RSS ≤ 250 MB; RSS(1 000 docs) ≤ 1.2 × RSS(100 docs).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "word_templates" / "convention.docx"


def _contexts(n: int) -> list[dict]:
    from fitn_xl.documents import dossier_context
    from fitn_xl.documents.sample import sample_loaded

    loaded, computation = sample_loaded(n)
    return [dossier_context(loaded, computation, d, today=date(2021, 7, 1)) for d in computation.results]


class _DescendantPeak:
    """Polls /proc for the peak RSS (VmHWM) of every descendant process (pool workers, forkserver)."""

    def __init__(self):
        import os
        import threading

        self.me, self.peaks, self.stop = os.getpid(), {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _status(self, pid: int) -> dict:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return {}
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def _run(self):
        while not self.stop.is_set():
            parents = {}
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    st = self._status(int(entry.name))
                    if st:
                        parents[int(entry.name)] = (int(st["PPid"]), st.get("VmHWM", "0 kB"))
            for pid, (ppid, hwm) in parents.items():
                p, seen = ppid, 0
                while p and p != self.me and p in parents and seen < 50:
                    p, seen = parents[p][0], seen + 1
                if p == self.me and pid != self.me:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(hwm.split()[0]) / 1024)
            self.stop.wait(0.1)

    def result(self) -> dict:
        self.stop.set()
        self.thread.join()
        return self.peaks


def _child(mode: str, n: int, workers: int) -> dict:
    contexts = _contexts(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    poller = _DescendantPeak()
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        if mode == "naive":
            from docxtpl import DocxTemplate

            from fitn_xl.documents import make_environment

            env = make_environment()
            for i, ctx in enumerate(contexts):
                tpl = DocxTemplate(str(TEMPLATE))
                tpl.render(ctx, env)
                tpl.save(f"{out}/{i}.docx")
        else:
            from fitn_xl.documents import RenderJob, render_documents

            jobs = [RenderJob(str(TEMPLATE), ctx, f"{i}.docx") for i, ctx in enumerate(contexts)]
            results = render_documents(jobs, out, workers=workers)
            assert all(r.path for r in results), [r.error for r in results if r.error][:3]
        seconds = time.perf_counter() - t0
        count = len(list(Path(out).glob("*.docx")))
    peaks = sorted(poller.result().values(), reverse=True)
    return {
        "mode": mode, "n": count, "seconds": seconds, "docs_per_s": count / seconds,
        "rss_inputs_mb": base,  # main process after building the registry and contexts, before rendering
        "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_worker_mb": peaks[0] if peaks else 0.0,
        "rss_all_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + sum(peaks),
    }


def measure(mode: str, n: int, workers: int = 2) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(n), str(workers)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    naive_n = max(50, n // 8)
    print(f"Conventions ({TEMPLATE.name}), varied dossiers; naive loop timed on {naive_n} documents.")
    runs = [
        measure("naive", naive_n),
        measure("fast", n, 2),
        measure("fast", n, 1),
        measure("fast", max(1, n // 10), 2),
        measure("naive", naive_n),
    ]
    for r in runs:
        print(f"  {r['mode']:5} n={r['n']:5}  {r['seconds']:7.2f} s  {r['docs_per_s']:7.1f} docs/s  "
              f"RSS main {r['rss_main_mb']:6.1f} MB (inputs {r['rss_inputs_mb']:5.1f}), largest worker "
              f"{r['rss_worker_mb']:6.1f} MB, all processes {r['rss_all_mb']:6.1f} MB")
    naive = sum(r["docs_per_s"] for r in (runs[0], runs[4])) / 2
    fast2, fast1, small = runs[1], runs[2], runs[3]
    peak, peak_small = fast2["rss_all_mb"], small["rss_all_mb"]
    print(f"throughput ratio, 2 processes / naive : {fast2['docs_per_s'] / naive:5.1f}  (target ≥ 8)")
    print(f"throughput ratio, 1 process  / naive : {fast1['docs_per_s'] / naive:5.1f}")
    print(f"peak RSS, {fast2['n']} docs (main + workers + forkserver): {peak:6.1f} MB  (target ≤ 250 MB)")
    print(f"RSS ratio {fast2['n']} docs / {small['n']} docs  : {peak / peak_small:5.2f}  (target ≤ 1.2)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
