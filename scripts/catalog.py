"""Translator's tool for the flask_returns catalogs.

    python scripts/catalog.py todo LANG > todo.json    # messages still to translate
    python scripts/catalog.py fill LANG done.json      # write translations back
    python scripts/catalog.py check [LANG ...]         # list gaps; exit 1 if any
    python scripts/catalog.py plurals [LANG ...]       # move catalogs to Babel's plural rules

``todo`` writes a JSON list of {"id", "plural", "forms", "context"} items, where
``forms`` is how many plural forms the language has. ``fill`` takes a JSON object
mapping each msgid to its translation: a string, or a list of strings (one per
plural form) for plural messages. Placeholders such as ``%(rma)s`` must be kept.
"""

from __future__ import annotations

import gettext
import json
import re
import sys
from collections import Counter
from pathlib import Path

from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def po_path(lang: str) -> Path:
    return ROOT / lang / "LC_MESSAGES" / "flask_returns.po"


def load(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def save(lang: str, catalog) -> None:
    with po_path(lang).open("wb") as fh:
        write_po(fh, catalog, width=76, omit_header=False)


def _ids(message) -> tuple[str, str | None]:
    if isinstance(message.id, tuple):
        return message.id[0], message.id[1]
    return message.id, None


def _translations(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def gaps(lang: str) -> list[str]:
    """Every problem in one catalog, in words."""
    catalog = load(lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        singular, plural = _ids(message)
        strings = _translations(message)
        if message.fuzzy:
            problems.append(f"{lang}: fuzzy: {singular!r}")
        if not all(strings):
            problems.append(f"{lang}: untranslated: {singular!r}")
            continue
        if plural is not None and len(strings) != catalog.num_plurals:
            problems.append(
                f"{lang}: {len(strings)} plural forms, needs {catalog.num_plurals}: {singular!r}"
            )
        wanted = set(PLACEHOLDER.findall(singular)) | set(PLACEHOLDER.findall(plural or ""))
        for text in strings:
            found = set(PLACEHOLDER.findall(text))
            # A plural form for "one" may drop the count, as many languages do.
            missing = wanted - found - ({"%(num)d"} if plural else set())
            if missing or found - wanted:
                problems.append(
                    f"{lang}: placeholders {sorted(found)} vs {sorted(wanted)}: {singular!r}"
                )
    return problems


def todo(lang: str) -> list[dict]:
    catalog = load(lang)
    items = []
    for message in catalog:
        if not message.id:
            continue
        singular, plural = _ids(message)
        if message.fuzzy or not all(_translations(message)):
            items.append(
                {
                    "id": singular,
                    "plural": plural,
                    "forms": catalog.num_plurals if plural else 1,
                    "context": message.context,
                }
            )
    return items


def fill(lang: str, done: dict) -> int:
    catalog = load(lang)
    written = 0
    for message in catalog:
        if not message.id:
            continue
        singular, plural = _ids(message)
        if singular not in done:
            continue
        value = done[singular]
        if plural is not None:
            if isinstance(value, str):
                value = [value] * catalog.num_plurals
            message.string = tuple(value)
        else:
            message.string = value
        message.flags.discard("fuzzy")
        written += 1
    save(lang, catalog)
    return written


# Numbers on which two plural rules are compared: every count a page shows in practice,
# and the large round numbers where CLDR's "many" forms (es, fr, it, pt) begin.
SAMPLE_NUMBERS = [*range(1001), 10_000, 100_000, 1_000_000, 1_000_001, 2_000_000, 10**9]


def plural_choices(plural_expr: str) -> list[int]:
    """What a gettext plural expression chooses for each of SAMPLE_NUMBERS."""
    choose = gettext.c2py(plural_expr)
    return [choose(n) for n in SAMPLE_NUMBERS]


def move_to_current_plurals(lang: str) -> list[str]:
    """Rewrite one catalog's Plural-Forms to the installed Babel's, keeping translations.

    Each new form takes the old form that most of its numbers used to select, so a rule
    written differently but doing the same keeps every string where it was. Returns the
    new forms that no old form matched exactly: a translator must write those.
    """
    catalog = load(lang)
    current = get_plural(Locale.parse(lang))
    old_choices = plural_choices(catalog.plural_expr)
    new_choices = plural_choices(current.plural_expr)
    if catalog.num_plurals == current.num_plurals and old_choices == new_choices:
        return []
    votes: dict[int, Counter] = {form: Counter() for form in range(current.num_plurals)}
    for old, new in zip(old_choices, new_choices, strict=True):
        votes[new][old] += 1
    source = {new: counts.most_common(1)[0][0] for new, counts in votes.items()}
    unsure = [
        f"{lang}: form {new} was {sorted(counts)}"
        for new, counts in votes.items()
        if len(counts) > 1 or list(source.values()).count(source[new]) > 1
    ]
    for message in catalog:
        if message.id and isinstance(message.id, tuple):
            strings = _translations(message)
            message.string = tuple(strings[source[new]] for new in range(current.num_plurals))
    rule = f"nplurals={current.num_plurals}; plural={current.plural_expr};"
    catalog.mime_headers = [
        (name, rule if name.lower() == "plural-forms" else value)
        for name, value in catalog.mime_headers
    ]
    save(lang, catalog)
    return unsure


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in {"todo", "fill", "check", "plurals"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "todo":
        json.dump(todo(args[0]), sys.stdout, ensure_ascii=False, indent=1)
        return 0
    if command == "fill":
        done = json.loads(Path(args[1]).read_text(encoding="utf-8"))
        print(f"{fill(args[0], done)} messages written")
        return 0
    langs = args or sorted(p.name for p in ROOT.iterdir() if po_path(p.name).exists())
    if command == "plurals":
        unsure = [line for lang in langs for line in move_to_current_plurals(lang)]
        print("\n".join(unsure) or "every form kept its strings")
        return 0
    problems = [p for lang in langs for p in gaps(lang)]
    print("\n".join(problems) or "no gaps")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
