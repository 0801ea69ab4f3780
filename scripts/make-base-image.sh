#!/usr/bin/env bash
# Make the base image the Dockerfile's FROM names available locally.
#
# Real users never need this: `docker build` pulls the base from the ECR Public mirror of
# the official images. It exists for machines whose engine cannot reach that registry but
# can reach a Debian mirror: there the base is built with debootstrap and tagged with the
# exact FROM name, so the classic builder uses it without pulling and the same Dockerfile
# serves everybody.
#
# Idempotent: an image already present is kept.
#
# Usage: make-base-image.sh [--no-pull] [--force] [IMAGE]
#   --no-pull  do not try `docker pull` first (for hosts that must not contact registries)
#   --force    rebuild even when the image exists
# Environment: E2E_BASE_NO_PULL=1 is the same as --no-pull.
set -euo pipefail

image="public.ecr.aws/docker/library/debian:bookworm-slim"
suite="bookworm"
try_pull=1
force=0
[ "${E2E_BASE_NO_PULL:-0}" = 1 ] && try_pull=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pull) try_pull=0 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "make-base-image: unknown option $1" >&2; exit 2 ;;
    *) image="$1" ;;
  esac
  shift
done

log() { printf 'make-base-image: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

docker info >/dev/null 2>&1 || die "the Docker engine does not answer; run scripts/start-docker.sh first."

if [ "$force" = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image is present."
  exit 0
fi

if [ "$force" = 0 ] && [ "$try_pull" = 1 ]; then
  log "trying to pull $image ..."
  if timeout 120 docker pull -q "$image" >/dev/null 2>&1; then
    log "pulled $image."
    exit 0
  fi
  log "cannot pull $image; building it with debootstrap."
fi

# The mirror is the one this host's apt already uses: the same base works wherever the
# host's own package updates work, and no mirror name is baked into this script.
# Prints "URI SUITE" pairs from deb822 .sources files and one-line .list files.
apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no") { n = split(uris, u, " "); m = split(suites, s, " "); for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j] } types = uris = suites = ""; enabled = "" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; val = $0; sub(/^[ \t]+/, "", val)
        if (key == "types") types = val; else if (key == "uris") uris = val; else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val) }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
  done
}

sources="$(apt_sources)"
mirror="$(awk -v s="$suite" '$2 == s { print $1; exit }' <<<"$sources")"
security="$(awk -v s="$suite-security" '$2 == s { print $1; exit }' <<<"$sources")"
[ -n "$mirror" ] || die "no '$suite' suite found in this host's apt sources (/etc/apt/sources.list*); cannot pick a Debian mirror."
mirror="${mirror%/}"
# Debian publishes security updates beside the main archive on every official mirror host.
[ -n "$security" ] || security="${mirror}-security"
security="${security%/}"
log "Debian mirror: $mirror (security: $security)"

if ! command -v debootstrap >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "debootstrap is missing; install it (apt-get install debootstrap) or run as root."
  log "installing debootstrap ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
    || die "apt-get install debootstrap failed"
fi
[ "$(id -u)" = 0 ] || die "debootstrap needs root."

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/base-rootfs.XXXXXX")"
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

log "debootstrap --variant=minbase $suite (about 30 s) ..."
if ! debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
  tail -n 20 "$rootfs.log" >&2 || true
  rm -f "$rootfs.log"
  die "debootstrap failed"
fi
rm -f "$rootfs.log"

# The same apt sources as the official image: without bookworm-updates and
# bookworm-security the image would get older packages (an older Chromium).
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# What makes the official image "slim": no docs, man pages or translations from later
# installs, and apt caches cleaned after each install. Keeps the images built on it comparable.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
printf 'Acquire::Languages "none";\n' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
# The same trimming for what debootstrap already installed (copyright files stay, as in
# the official image).
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true

log "importing as $image ..."
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
log "built $image ($(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))."
