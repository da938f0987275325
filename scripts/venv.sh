# Sourced by scripts/demo and scripts/test: make .venv (Python >= 3.11) and install callcenter.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CALLCENTER_VENV:-$ROOT/.venv}"

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "callcenter needs Python 3.11 or newer on PATH" >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PYTHON="$(find_python)"
  echo "creating virtualenv $VENV with $PYTHON" >&2
  if ! "$PYTHON" -m venv "$VENV"; then
    echo "could not create a virtualenv: on Debian/Ubuntu, 'apt-get install python3-venv'" >&2
    exit 1
  fi
fi

# Reinstall only when the project's dependencies changed.
STAMP="$VENV/.callcenter-installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
  echo "installing callcenter and its dependencies into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev]"
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
