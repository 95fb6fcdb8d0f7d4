# Shared by scripts/demo and scripts/test: find Python ≥ 3.12 and prepare .venv.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

python_ok() {  # is "$1" a Python 3.12 or newer that can make a venv?
  "$@" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate version
  for candidate in python3.14 python3.13 python3.12 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  # pyenv keeps other versions out of PATH until selected; look there too.
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.[0-9]+' | sort -t. -k1,1n -k2,2n -k3,3n -r); do
      candidate="$(pyenv root)/versions/$version/bin/python3"
      if [ -x "$candidate" ] && python_ok "$candidate"; then
        echo "$candidate"; return 0
      fi
    done
  fi
  return 1
}

# prepare_venv EXTRAS — create .venv with Python ≥ 3.12 and install Khata (editable) with EXTRAS.
prepare_venv() {
  local extras="$1" python stamp wanted
  if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
    if ! python="$(find_python)"; then
      echo "Khata needs Python 3.12 or newer. Install it (e.g. 'apt-get install python3.12' or from python.org) and run this again." >&2
      exit 1
    fi
    echo "Using $("$python" --version) at $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  # Reinstall only when pyproject.toml or the extras changed.
  stamp="$VENV/.khata-installed"
  wanted="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-$extras"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing Khata and its dependencies into .venv …"
    if [ -n "$extras" ]; then
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$extras]"
    else
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT"
    fi
    echo "$wanted" > "$stamp"
  fi
}
