"""Routes added by fitn-xl to the xlwings Server app: downloads of produced files, their list."""

from fitn_xl.addin.downloads import router  # noqa: F401
