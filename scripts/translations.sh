#!/usr/bin/env bash
# The catalog workflow: extract -> update -> (translate) -> compile.
#   scripts/translations.sh extract   # write translations/flask_returns.pot from code and templates
#   scripts/translations.sh update    # extract, then merge new messages into every .po
#   scripts/translations.sh init xx   # start a catalog for a new language
#   scripts/translations.sh compile   # build the .mo files that ship in the wheel
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
POT=translations/flask_returns.pot
extract() {
  "$PYBABEL" extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
    --project flask-returns --copyright-holder "flask-returns authors" -o "$POT" .
}
case "${1:-}" in
  extract) extract ;;
  update) extract; "$PYBABEL" update -i "$POT" -d translations -D flask_returns --no-fuzzy-matching --ignore-obsolete ;;
  init) "$PYBABEL" init -i "$POT" -d translations -D flask_returns -l "${2:?language code}" ;;
  compile) "$PYBABEL" compile -d translations -D flask_returns --statistics ;;
  *) echo "usage: $0 extract|update|init LANG|compile" >&2; exit 2 ;;
esac
