#!/usr/bin/env bash
# Set everything up and run the example shop with demo data on http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m example_shop "$@"
