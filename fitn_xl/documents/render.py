"""Rendering Word templates: the Jinja environment, plain docxtpl, and the fast batch path.

Fast path: each template's XML parts (body, headers, footers) are prepared by docxtpl's own preprocessing and
compiled by Jinja once per process; each document then renders the compiled templates and writes the zip directly,
copying the other parts' compressed bytes unchanged. The body, header and footer XML is canonically identical to
what `DocxTemplate.render` + `save` produce. Templates using features the fast path does not cover (tags in
footnotes or document properties) are rendered with plain docxtpl.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

import jinja2
from babel.numbers import format_decimal, format_percent
from docxtpl import DocxTemplate
from lxml import etree

from .. import formatting
from ..files import atomic_write_bytes
from ..typography import french_docx, french_part, french_xml
from .properties import DocumentProperties, core_xml

# --- Jinja environment -------------------------------------------------------------------------------------------


def _note(value) -> str:
    """A score /20: '14,5'."""
    return "" if value is None else format_decimal(Decimal(value), format="#,##0.##", locale=formatting.LOCALE)


def _percent(value) -> str:
    """A fraction as '12,5 %'."""
    return "" if value is None else format_percent(Decimal(value), format="#,##0.#\u00a0%",
                                                   locale=formatting.LOCALE)


def _number(value) -> str:
    return "" if value is None else format_decimal(value, locale=formatting.LOCALE)


_LEADING_ARTICLE = re.compile(r"^(?:Le|La|Les)\s|^L['’]")


def in_sentence(text: str) -> str:
    """« Le préfet du Puy-de-Dôme » -> « le préfet du Puy-de-Dôme », for use inside a sentence (« représenté par
    … »); a name (« M. Martin, préfet ») is left as typed."""
    text = text or ""
    return text[:1].lower() + text[1:] if _LEADING_ARTICLE.match(text) else text


FILTERS: dict[str, Callable] = {
    "eur": formatting.format_eur,  # 12 345,00 €
    "en_lettres": formatting.amount_in_words,  # douze mille trois cent quarante-cinq euros
    "date_longue": formatting.long_date,  # 1er mars 2021
    "date_courte": formatting.short_date,  # 01/03/2021
    "ordinal": formatting.ordinal,  # 1er, 2e
    "note": _note,  # 14,5
    "pourcent": _percent,  # 12,5 %
    "nombre": _number,  # 12 345
    "dans_la_phrase": in_sentence,  # Le préfet du Puy-de-Dôme -> le préfet du Puy-de-Dôme
}


def make_environment() -> jinja2.Environment:
    """autoescape (values are XML-escaped, so `& < >` survive) and StrictUndefined (a missing field is an error)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    return env


class DocumentError(Exception):
    """A document cannot be produced; the message is French and names the dossier and the template."""


_UNDEFINED = re.compile(r"'(?:[^']*? object' has no attribute '([^']+)'|([^']+)' is undefined)")


def _french_error(exc: Exception, template: str, dossier_id: str) -> DocumentError:
    if isinstance(exc, jinja2.UndefinedError):
        m = _UNDEFINED.search(str(exc))
        name = (m.group(1) or m.group(2)) if m else str(exc)
        return DocumentError(f"Dossier {dossier_id} : le champ « {name} » utilisé dans le modèle « {template} » "
                             f"n'existe pas (voir word_templates/README.md pour la liste des champs)")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return DocumentError(f"Modèle « {template} » : balise mal formée ({exc.message}) ; vérifiez les "
                             f"{{{{ }}}} et {{% %}} du document")
    if isinstance(exc, jinja2.TemplateError):
        return DocumentError(f"Dossier {dossier_id} : le modèle « {template} » ne peut pas être rempli ({exc})")
    return DocumentError(f"Dossier {dossier_id} : le document « {template} » n'a pas pu être produit "
                         f"({type(exc).__name__} : {exc})")


# --- plain docxtpl -----------------------------------------------------------------------------------------------


def unbreakable_words(context: dict) -> tuple[str, ...]:
    """What must never break across lines in a document: its dossier number."""
    dossier_id = context.get("dossier_id")
    return (str(dossier_id),) if dossier_id else ()


def properties_of(context: dict) -> DocumentProperties | None:
    props = context.get("document_properties")
    if isinstance(props, DocumentProperties):
        return props
    return DocumentProperties(**props) if isinstance(props, dict) else None


def render_docxtpl(template: str | Path, context: dict, env: jinja2.Environment | None = None) -> bytes:
    """Render with a new `DocxTemplate` (the reference behaviour), then French typography (`fitn_xl.typography`)
    and the document's properties; returns the .docx bytes."""
    from .properties import apply

    tpl = DocxTemplate(str(template))
    tpl.render(context, env or make_environment())
    props = properties_of(context)
    if props is not None:
        apply(tpl.docx, props)
    buf = BytesIO()
    tpl.save(buf)
    return french_docx(buf.getvalue(), unbreakable_words(context))


# --- fast path ---------------------------------------------------------------------------------------------------

_XML_DECL = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_PARA = re.compile(r"<w:p([ >])")
_NL_PARA = re.compile(r"\n<w:p([ >])")
_BODY_MARK = "__FITN_XL_BODY__"
_CORE = "docProps/core.xml"
_DOCPR = etree.XPath("//wp:docPr", namespaces={
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"})


@dataclass
class _Entry:
    """One member of the template's zip: its raw (compressed) bytes, ready to copy."""

    name: bytes
    method: int
    crc: int
    compressed: bytes
    size: int
    dostime: int
    dosdate: int


def _raw_entries(path: Path) -> list[_Entry]:
    import zipfile

    out = []
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            fh.seek(info.header_offset)
            header = fh.read(30)
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            data = fh.read(info.compress_size)
            y, mo, d, h, mi, s = info.date_time
            out.append(_Entry(info.filename.encode("utf-8"), info.compress_type, info.CRC, data, info.file_size,
                              (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d))
    return out


def _deflate(name: bytes, data: bytes, like: _Entry) -> _Entry:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = c.compress(data) + c.flush()
    return _Entry(name, 8, zlib.crc32(data), packed, len(data), like.dostime, like.dosdate)


def _zip_bytes(entries: Iterable[_Entry]) -> bytes:
    """A plain zip (no zip64: documents are far below 4 GB)."""
    out, central, offset = [], [], 0
    for e in entries:
        flags = 0x800 if any(b > 127 for b in e.name) else 0
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, e.method, e.dostime, e.dosdate, e.crc,
                            len(e.compressed), e.size, len(e.name), 0) + e.name
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, e.method, e.dostime,
                                   e.dosdate, e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0, 0,
                                   offset) + e.name)
        out += (local, e.compressed)
        offset += len(local) + len(e.compressed)
    cd = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(cd), offset, 0)
    return b"".join(out) + cd + end


def _postprocess(tpl: DocxTemplate, xml: str) -> str:
    """What docxtpl's `render_xml_part` does after Jinja."""
    xml = _NL_PARA.sub(r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return tpl.resolve_listing(xml)


class CompiledTemplate:
    """A template prepared once; `render(context)` returns the .docx bytes."""

    def __init__(self, path: str | Path, env: jinja2.Environment | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self.env = env or make_environment()
        self._tpl = tpl = DocxTemplate(str(self.path))
        tpl.init_docx()
        self.fallback_reason = self._unsupported(tpl)
        if self.fallback_reason:
            return
        try:
            body_src = tpl.patch_xml(tpl.get_xml())
            self._body = self.env.from_string(_PARA.sub(r"\n<w:p\1", body_src))
            self._parts: dict[str, jinja2.Template] = {}
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                for _, part in tpl.get_headers_footers(uri):
                    src = tpl.patch_xml(tpl.get_part_xml(part))
                    self._parts[str(part.partname).lstrip("/")] = self.env.from_string(_PARA.sub(r"\n<w:p\1", src))
        except jinja2.TemplateError as exc:
            raise _french_error(exc, self.name, "—") from None
        main = str(tpl.docx.part.partname).lstrip("/")
        self._main = main
        self._entries = _raw_entries(self.path)
        names = {e.name.decode("utf-8") for e in self._entries}
        missing = ({main} | set(self._parts)) - names
        if missing:
            self.fallback_reason = f"parties introuvables dans le zip : {sorted(missing)}"
            return
        root = etree.fromstring(next(zlib.decompress(e.compressed, -15) if e.method == 8 else e.compressed
                                     for e in self._entries if e.name.decode() == main))
        body = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body")
        marker = etree.Element("marker")
        marker.text = _BODY_MARK
        root.replace(body, marker)
        text = etree.tostring(root, encoding="unicode")
        self._prefix, self._suffix = text.split(f"<marker>{_BODY_MARK}</marker>")

    @staticmethod
    def _unsupported(tpl: DocxTemplate) -> str:
        props = tpl.docx.core_properties
        for prop in ("author", "comments", "identifier", "language", "subject", "title"):
            if "{" in (getattr(props, prop) or ""):
                return "balises dans les propriétés du document"
        for part in tpl.docx.part.package.parts:
            if part.content_type.endswith("footnotes+xml") and b"{" in part.blob:
                return "balises dans les notes de bas de page"
        return ""

    @property
    def fast(self) -> bool:
        return not self.fallback_reason

    def render(self, context: dict) -> bytes:
        dossier_id = str(context.get("dossier_id", "?"))
        try:
            if not self.fast:
                return render_docxtpl(self.path, context, self.env)
            tpl = self._tpl
            words = unbreakable_words(context)
            body = _postprocess(tpl, self._body.render(context))
            tree = tpl.fix_tables(body)
            for i, elt in enumerate(_DOCPR(tree), start=1001):
                elt.attrib["id"] = str(i)
            french_xml(tree, words)
            rendered = {self._main: (_XML_DECL + self._prefix + etree.tostring(tree, encoding="unicode")
                                     + self._suffix).encode("utf-8")}
            for name, template in self._parts.items():
                rendered[name] = french_part(_XML_DECL + _postprocess(tpl, template.render(context)), words)
            props = properties_of(context)
            if props is not None:
                rendered[_CORE] = core_xml(props)
        except DocumentError:
            raise
        except Exception as exc:
            raise _french_error(exc, self.name, dossier_id) from None
        return _zip_bytes(
            _deflate(e.name, rendered[key], e) if (key := e.name.decode("utf-8")) in rendered else e
            for e in self._entries
        )


@cache
def _compiled(path: str, mtime: float) -> CompiledTemplate:
    return CompiledTemplate(path)


def compiled_template(path: str | Path) -> CompiledTemplate:
    """The per-process compiled template (recompiled when the file changes)."""
    path = str(Path(path).resolve())
    return _compiled(path, os.stat(path).st_mtime)


# --- batches ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderJob:
    """One document to write: `template` (.docx path), the Jinja `context`, the output `filename` (no folder)."""

    template: str
    context: dict
    filename: str


@dataclass(frozen=True)
class RenderResult:
    job_index: int
    path: Path | None  # None when the document failed
    sha256: str = ""
    error: str = ""  # French message when failed


def _render_one(index: int, job: RenderJob, out_dir: Path) -> RenderResult:
    try:
        data = compiled_template(job.template).render(job.context)
        path = out_dir / job.filename
        atomic_write_bytes(path, data)
        return RenderResult(index, path, hashlib.sha256(data).hexdigest())
    except DocumentError as exc:
        return RenderResult(index, None, error=str(exc))
    except OSError as exc:
        return RenderResult(index, None, error=f"{job.filename} : écriture impossible ({exc.strerror or exc})")


def _render_chunk(args: tuple[list[tuple[int, RenderJob]], str]) -> list[RenderResult]:
    chunk, out_dir = args
    return [_render_one(i, job, Path(out_dir)) for i, job in chunk]


def _chunks(jobs: list[RenderJob], size: int) -> Iterator[list[tuple[int, RenderJob]]]:
    for start in range(0, len(jobs), size):
        yield [(i, jobs[i]) for i in range(start, min(start + size, len(jobs)))]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def render_documents(jobs: Iterable[RenderJob], out_dir: str | Path, workers: int | None = None,
                     progress: Callable[[int], None] | None = None) -> list[RenderResult]:
    """Render every job into `out_dir` (created if needed), in `workers` processes (default: one per core, 1 for
    small batches). Returns one result per job, in order; a failed document has `path=None` and a French `error`.
    `progress(n)` is called after each group of n documents."""
    jobs = list(jobs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workers = default_workers() if workers is None else max(1, workers)
    if len(jobs) < 16:
        workers = 1
    results: list[RenderResult] = []
    if workers == 1:
        for i, job in enumerate(jobs):
            results.append(_render_one(i, job, out))
            if progress:
                progress(1)
        return results
    size = max(1, min(25, len(jobs) // (workers * 4) or 1))
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])  # workers start with docxtpl and this module already imported
    else:
        ctx = multiprocessing.get_context("spawn")
    chunks = _chunks(jobs, size)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        # a bounded number of chunks in flight: memory stays flat however many documents
        pending = {}
        for n, chunk in enumerate(chunks):
            pending[pool.submit(_render_chunk, (chunk, str(out)))] = n
            if len(pending) >= workers * 3:
                _collect(pending, results, progress)
        while pending:
            _collect(pending, results, progress)
    return sorted(results, key=lambda r: r.job_index)


def _collect(pending: dict, results: list, progress) -> None:
    """Wait for at least one chunk; move its results to `results`."""
    from concurrent.futures import FIRST_COMPLETED, wait

    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
    for future in finished:
        pending.pop(future)
        chunk_results = future.result()
        results.extend(chunk_results)
        if progress:
            progress(len(chunk_results))


def canonical_parts(docx: bytes | str | Path) -> dict[str, bytes]:
    """Body, header and footer XML of a .docx, canonicalised (C14N): {part name: bytes}. Parses strictly."""
    import zipfile

    src = BytesIO(docx) if isinstance(docx, bytes) else docx
    out = {}
    with zipfile.ZipFile(src) as zf:
        for name in zf.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                tree = etree.fromstring(zf.read(name), etree.XMLParser(recover=False, resolve_entities=False))
                out[name] = etree.tostring(tree, method="c14n")
    return out


__all__ = [
    "FILTERS", "CompiledTemplate", "DocumentError", "RenderJob", "RenderResult", "canonical_parts",
    "compiled_template", "make_environment", "render_docxtpl", "render_documents",
]
