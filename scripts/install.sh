#!/usr/bin/env bash
# Idempotent developer/CI setup: Debian packages, .venv, editable install with test extras.
# Fast when everything is already present (dpkg checks + a stamp of the lock's hash).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEB_PACKAGES=(
    postgresql
    chromium
    poppler-utils
    zbar-tools
    libharfbuzz-subset0
    fonts-dejavu-core
    fonts-noto-cjk
    fontconfig
    gettext
    libpango-1.0-0
    libpangoft2-1.0-0
    redis-server
)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]})); then
    echo "install.sh: installing Debian packages: ${missing[*]}"
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        SUDO=(sudo)
    fi
    # policy-rc.d keeps Debian from starting the system postgres cluster/service on install;
    # the test harness runs its own throwaway cluster.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod +x "$policy"
        created_policy=1
        trap '"${SUDO[@]}" rm -f "$policy"' EXIT
    fi
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
    if ((created_policy)); then
        "${SUDO[@]}" rm -f "$policy"
        trap - EXIT
    fi
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "install.sh: creating .venv"
    python3 -m venv .venv
    rm -f .venv/.installed-setup-cfg
fi

# The test and demo environment comes from the lock (requirements/test.txt: exact versions
# with hashes), so a fresh machine gets what the suite last passed with. setup.cfg keeps
# ranges for shop owners; scripts/lock.sh refreshes the lock on purpose.
stamp=.venv/.installed-lock
want=$(cat setup.cfg requirements/test.txt | sha256sum | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [[ $want != "$have" ]]; then
    echo "install.sh: installing the locked test environment (requirements/test.txt)"
    .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/test.txt
    # The package itself, editable, with nothing more: its dependencies came from the lock,
    # and its build backend (setuptools, wheel) too, hence no build isolation.
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
    .venv/bin/python -m pip check
    printf '%s\n' "$want" >"$stamp"
fi
