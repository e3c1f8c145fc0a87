#!/usr/bin/env bash
# Refresh requirements/test.txt, the lock that scripts/install.sh installs: the newest
# releases that setup.cfg's ranges allow (plus the build backend and uv), with hashes.
#
#   ./scripts/lock.sh                 newest versions of everything
#   ./scripts/lock.sh -P babel        move one package only (uv's --upgrade-package)
#
# Then run ./scripts/test.sh on the refreshed lock and commit it alone, once the suite passes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install.sh
args=(--upgrade)
if (($#)); then
    args=("$@")
fi
.venv/bin/uv pip compile setup.cfg requirements/tools.in \
    --extra test \
    --generate-hashes \
    --python-version 3.11 \
    --universal \
    --custom-compile-command ./scripts/lock.sh \
    --output-file requirements/test.txt \
    "${args[@]}"
bash scripts/install.sh
