"""The documentation site: builds warning-free, lists every page, documents every public name.

The build itself needs the ``docs`` extra (``pip install -e ".[docs]"``) and is skipped without
it; the other checks need nothing beyond the test dependencies.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")


def _load_generator():
    path = os.path.join(DOCS, "_ext", "gen_api.py")
    spec = importlib.util.spec_from_file_location("_eagergrad_gen_api", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages() -> list[str]:
    pages = []
    for root, dirs, files in os.walk(DOCS):
        dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
        pages += [
            os.path.relpath(os.path.join(root, f), DOCS).replace(os.sep, "/")
            for f in files
            if f.endswith(".md")
        ]
    return sorted(pages)


def _directives(page: str) -> list[str]:
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        return re.findall(r"^::: (\S+)", f.read(), flags=re.MULTILINE)


def test_nav_lists_every_page():
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        config = f.read()
    in_nav = set(re.findall(r"^\s*- (?:[^:\n]+: )?(\S+\.md)\s*$", config, flags=re.MULTILINE))
    missing = [p for p in _pages() if p not in in_nav]
    assert not missing, f"pages missing from the nav in mkdocs.yml: {missing}"
    absent = sorted(p for p in in_nav if not os.path.exists(os.path.join(DOCS, p)))
    assert not absent, f"nav entries in mkdocs.yml without a page: {absent}"


def test_api_reference_documents_every_public_name():
    gen = _load_generator()
    present = {d for page in _pages() if page.startswith("api/") for d in _directives(page)}
    expected = set()
    for _title, _intro, sources in gen.PAGES.values():
        for namespace, modules, skip in sources:
            expected |= {path for path, _ in gen.documented_objects(namespace, modules, skip)}
    missing = sorted(expected - present)
    assert not missing, (
        "public objects missing from docs/api/ (run `python docs/_ext/gen_api.py`): "
        + ", ".join(missing)
    )


def test_api_reference_paths_exist():
    """Every ``::: path`` names an object that exists (mkdocstrings would stop the build)."""
    unknown = []
    for page in _pages():
        for path in _directives(page):
            module_name, obj = path, None
            parts = path.split(".")
            for i in range(len(parts), 0, -1):
                try:
                    obj = importlib.import_module(".".join(parts[:i]))
                except ImportError:
                    continue
                for attr in parts[i:]:
                    obj = getattr(obj, attr, None)
                break
            if obj is None:
                unknown.append(f"docs/{page}: {module_name}")
    assert not unknown, f"API reference entries that do not exist: {unknown}"


def test_mkdocs_build_is_warning_free(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("mkdocstrings_handlers.python")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    assert "WARNING" not in log, log
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "api" / "nn" / "index.html").exists()
