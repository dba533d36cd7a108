"""The catalogues are complete, and no string a person reads escapes them.

Three nets: every string marked in the code is in the committed catalogue (makemessages over the tree in a scratch
directory, compared with locale/); the Russian catalogue has no untranslated or fuzzy entry; and the templates and
the Python code hold no text a person reads that is not marked (a scan of template text and of the places where
Python hands text to a person: validation and service errors, messages, labels, choices).
"""

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.template.base import Lexer, TokenType

from tests.languages import SAME_IN_BOTH, WORD, visible_text

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# The project's own apps (not the libraries'), wherever a new one is added.
APPS = [config.name for config in django_apps.get_app_configs() if Path(config.path).parent == ROOT]
SOURCES = [*APPS, "templates", "static"]
DOMAINS = ["django", "djangojs"]

needs_gettext = pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")


def catalogue(language: str, domain: str) -> polib.POFile:
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    return polib.pofile(str(path)) if path.exists() else polib.POFile()


def key(entry) -> tuple:
    return entry.msgctxt, entry.msgid, entry.msgid_plural


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_russian_catalogue_has_no_untranslated_or_fuzzy_entry(domain):
    entries = catalogue("ru", domain)
    assert [entry.msgid for entry in entries.untranslated_entries()] == []
    assert [entry.msgid for entry in entries.fuzzy_entries()] == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_english_catalogue_reads_as_the_source(domain):
    """English is the source language: an entry is empty or says what its msgid says, never a guess that
    `makemessages` left fuzzy (one such had "That time has already passed." read as another sentence)."""
    entries = catalogue("en", domain)
    assert [entry.msgid for entry in entries.fuzzy_entries()] == []
    for entry in entries.translated_entries():
        said = [entry.msgstr_plural[0], entry.msgstr_plural[1]] if entry.msgid_plural else [entry.msgstr]
        assert said == ([entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]), entry.msgid


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_russian_plural_entries_have_every_form(domain):
    entries = catalogue("ru", domain)
    for entry in entries:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.get(form) for form in range(3)), entry.msgid


@needs_gettext
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_catalogues_compile_with_matching_placeholders(language, tmp_path):
    for domain in DOMAINS:
        path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            result = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(path)],
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stderr


@needs_gettext
def test_every_marked_string_is_in_the_committed_catalogues(tmp_path):
    """A string marked in a template or in code but missing from locale/: someone forgot `make messages`."""
    for source in SOURCES:
        (tmp_path / source).symlink_to(ROOT / source)
    (tmp_path / "locale").mkdir()
    for domain in DOMAINS:
        subprocess.run([str(Path(shutil.which("django-admin") or ROOT / ".venv/bin/django-admin")),
                        "makemessages", "-l", "ru", "-d", domain, "--symlinks", "--no-wrap",
                        "--ignore=locale/*", "--ignore=static/vendor/*"],
                       cwd=tmp_path, check=True, capture_output=True,
                       env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"})
        extracted = tmp_path / "locale" / "ru" / "LC_MESSAGES" / f"{domain}.po"
        found = {key(entry) for entry in polib.pofile(str(extracted))} if extracted.exists() else set()
        committed = {key(entry) for entry in catalogue("ru", domain)}
        assert sorted(found - committed, key=str) == [], f"run `make messages` and translate ({domain})"


# --- Text a person reads that is not marked -------------------------------------------------------------

TRANSLATING_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans",
                      "comment": "endcomment", "verbatim": "endverbatim"}
# {% include "…" with label="Client name" %}: a capitalised literal handed to another template.
LITERAL_ARGUMENT = re.compile(r"""\b\w+=(["'])([A-Z][^"']*[a-z][^"']*)\1""")


def _template_leaks(source: str) -> list[str]:
    skeleton, arguments, closing = [], [], None
    for token in Lexer(source).tokenize():
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            skeleton.append(" ")
            continue
        if token.token_type == TokenType.TEXT:
            skeleton.append(token.contents)
            continue
        skeleton.append(" ")
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            closing = TRANSLATING_BLOCKS.get(name)
            if token.contents.split()[1:2] == ["body_class"]:  # a CSS class, not a text
                closing = "endblock"
            if name not in {"translate", "trans"}:
                arguments += [match.group(2) for match in LITERAL_ARGUMENT.finditer(token.contents)
                              if " " in match.group(2) or not re.search(r"[-_]", match.group(2))]
    words = WORD.findall(visible_text("".join(skeleton)))
    return sorted({word for word in words if word not in SAME_IN_BOTH and len(word) > 1} | set(arguments))


def test_no_template_shows_text_that_is_not_marked_for_translation():
    leaks = {}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in {".html", ".txt"}:
            found = _template_leaks(path.read_text())
            if found:
                leaks[str(path.relative_to(ROOT))] = found
    assert leaks == {}


TEXT_EXCEPTIONS = {"ValidationError", "BookingConflict", "StaleBooking", "TransitionRefused", "BatchRefused",
                   "EmployeeActionRefused", "SignInRefused", "ErasureRefused", "RateLimited", "ApiError"}
MESSAGE_CALLS = {"success", "error", "info", "warning", "add_message"}
LABEL_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "description",
                  "short_description", "placeholder", "message"}

API_SCHEMA_CALLS = {"Field", "Query", "Path", "Body", "Header", "get", "post", "put", "patch", "delete", "StudioAPI"}


def _is_text(node) -> bool:
    """A literal a person would read: words with a space or a capital, not an identifier or a path."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}", node.value)) and (" " in node.value or node.value[:1].isupper())
    if isinstance(node, ast.Dict):
        return any(_is_text(value) for value in node.values)
    if isinstance(node, ast.List | ast.Tuple):
        return any(_is_text(item) for item in node.elts)
    if isinstance(node, ast.BinOp):
        # gettext("… %(name)s …") % {...}: the text is the translated left side, whatever fills it in.
        return _is_text(node.left) if isinstance(node.op, ast.Mod) else _is_text(node.left) or _is_text(node.right)
    return False


def _call_name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


class _Unmarked(ast.NodeVisitor):
    def __init__(self):
        self.found: list[int] = []

    def visit_Call(self, node):
        if self._hands_text(node):
            self.found.append(node.lineno)
        if _call_name(node) in API_SCHEMA_CALLS:  # the OpenAPI document is written for developers, in English
            self.generic_visit(node)
            return
        for keyword in node.keywords:
            if keyword.arg in LABEL_KEYWORDS and _is_text(keyword.value):
                self.found.append(keyword.value.lineno)
        self.generic_visit(node)

    @staticmethod
    def _hands_text(node) -> bool:
        """``raise ValidationError("…")``, ``messages.error(request, "…")``, ``form.add_error(field, "…")``."""
        name, arguments = _call_name(node), node.args
        if name in TEXT_EXCEPTIONS:
            return bool(arguments) and _is_text(arguments[0])
        if name in MESSAGE_CALLS and getattr(getattr(node.func, "value", None), "id", "") == "messages":
            return len(arguments) > 1 and _is_text(arguments[1])
        return name == "add_error" and len(arguments) > 1 and _is_text(arguments[1])

    def visit_ClassDef(self, node):
        bases = {getattr(base, "attr", getattr(base, "id", "")) for base in node.bases}
        if bases & {"TextChoices", "IntegerChoices", "Choices"}:
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple) \
                        and _is_text(statement.value.elts[-1]):
                    self.found.append(statement.lineno)
        self.generic_visit(node)


def test_no_python_hands_a_person_text_that_is_not_marked():
    leaks = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "settings.py":
                continue
            visitor = _Unmarked()
            visitor.visit(ast.parse(path.read_text()))
            if visitor.found:
                leaks[str(path.relative_to(ROOT))] = visitor.found
    assert leaks == {}
