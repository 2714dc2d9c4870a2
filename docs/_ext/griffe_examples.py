"""A griffe extension for the docs build: read ``Example:`` sections as ``Examples:``.

STYLE.md asks for "a short ``Example``" and the Google style guide (and Sphinx's napoleon)
accept both spellings. griffe's Google parser only treats the plural as an examples section and
renders the singular as an admonition of Markdown text, where ``>>>`` lines turn into nested
block quotes and ``[...]`` in outputs into broken cross-references. Renaming the section header
in the docstring before it is parsed gives every example a highlighted ``pycon`` block.
"""

from __future__ import annotations

import re

import griffe

_SINGULAR = re.compile(r"^Example:[ \t]*$", re.MULTILINE)


class SingularExampleSection(griffe.Extension):
    """Rewrites a top-level ``Example:`` section header to ``Examples:``."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        docstring = obj.docstring
        if docstring is not None and "Example:" in docstring.value:
            docstring.value = _SINGULAR.sub("Examples:", docstring.value)
