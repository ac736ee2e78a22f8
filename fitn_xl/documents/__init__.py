"""Word documents (conventions, notification letters) rendered from the registry with docxtpl."""

from .context import dossier_context
from .render import (
    CompiledTemplate,
    DocumentError,
    RenderJob,
    RenderResult,
    canonical_parts,
    make_environment,
    render_documents,
    render_docxtpl,
)

__all__ = [
    "CompiledTemplate", "DocumentError", "RenderJob", "RenderResult", "canonical_parts", "dossier_context",
    "make_environment", "render_docxtpl", "render_documents",
]
