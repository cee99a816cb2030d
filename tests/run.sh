#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then runs pytest.
#   - Python packages from requirements.txt (pinned)
#   - Debian's Chromium (browser tests and PNG export; never a browser downloaded by Playwright)
#   - axe-core from the npm registry (accessibility tests)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi liberation; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
  fi
fi

python -m pip install -q --disable-pip-version-check -r requirements.txt

if [ -f package.json ] && [ ! -d node_modules/axe-core ]; then
  npm ci --no-audit --no-fund --silent
fi

ruff check .
ruff format --check .  # the tree is formatted; grouped keyword blocks say `# fmt: skip`
python -m pytest -q "$@"
