#!/usr/bin/env bash
# Set up everything this project needs on a Debian machine (as root), idempotently.
#
#   scripts/setup.sh                 Chromium, fonts, Node, the Python venv (.venv) and the Allure CLI
#   scripts/setup.sh --with-docker   also the Docker engine (started) and the image's base image
#
# Versions come from constraints.txt (Python) and runner/report/package-lock.json (Allure),
# the same files the Docker image installs from. A second run only checks and finishes in seconds.
set -euo pipefail

cd "$(dirname "$0")/.."
with_docker=0
for arg in "$@"; do
  case "$arg" in
    --with-docker) with_docker=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf 'setup: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- Debian packages ------------------------------------------------------------------
packages=(chromium fonts-noto-cjk fonts-liberation libatomic1 python3 python3-venv git ca-certificates)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
[ "$with_docker" = 1 ] && packages+=(docker.io debootstrap)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages (${missing[*]}); run as root or install them yourself."
  log "installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install failed"
fi

# --- Python virtual environment -------------------------------------------------------
stamp_of() { cat pyproject.toml constraints.txt | sha256sum | cut -c1-16; }
if [ ! -x .venv/bin/python ]; then
  log "creating .venv ..."
  python3 -m venv .venv || die "python3 -m venv failed (is python3-venv installed?)"
fi
if [ "$(cat .venv/.e2e-stamp 2>/dev/null)" != "$(stamp_of)" ]; then
  log "installing Python packages (pinned by constraints.txt) ..."
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]' \
    || die "pip install failed"
  stamp_of > .venv/.e2e-stamp
fi

# --- What pip cannot install: the pinned Allure report CLI (and Chromium, checked) ---------
# `e2e install` is the same command a team's repository uses; a second run only checks.
.venv/bin/e2e install || die "e2e install failed (see above)"

# --- Docker engine and the image's base (tests of the image) ----------------------------
if [ "$with_docker" = 1 ]; then
  bash scripts/start-docker.sh
  E2E_BASE_NO_PULL=1 bash scripts/make-base-image.sh
fi
log "ready: .venv/bin/e2e, .venv/bin/pytest"
