#!/usr/bin/env bash
# Prepares a fresh Debian / Raspberry Pi OS machine to run or test the project:
# the Debian packages the code needs (sudo when not root), then .venv with the project.
#   scripts/setup.sh          runtime only (make demo)
#   scripts/setup.sh dev      plus test dependencies and browser/database packages (make test)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

runtime_pkgs=(libzbar0 mosquitto libgl1 libglib2.0-0 python3-venv fonts-wqy-microhei espeak-ng alsa-utils)
dev_pkgs=(mosquitto-clients chromium postgresql gcc linux-libc-dev)   # gcc, headers: evdev builds from source; the fake ID-card SDK in tests

missing=()
want=("${runtime_pkgs[@]}")
[ "$mode" = dev ] && want+=("${dev_pkgs[@]}")
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# python3-venv is only needed when the interpreter lacks ensurepip (Debian's own python3).
if [[ " ${missing[*]} " == *" python3-venv "* ]] && "$PYTHON" -c "import ensurepip" 2>/dev/null; then
    missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    # VENV_OPTS: e.g. --system-site-packages on a Pi, for Debian's gpiozero and lgpio.
    "$PYTHON" -m venv ${VENV_OPTS:-} "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi

extras=""
[ "$mode" = dev ] && extras="[dev]"
stamp="$VENV/.installed-$mode"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing the project into $VENV ($mode)"
    "$VENV/bin/pip" install -q -e ".$extras"
    touch "$stamp"
fi
