#!/usr/bin/env bash
# Start a Docker engine that creates no bridge network and touches no firewall rules.
#
# Idempotent: when `docker info` already answers, nothing is done. The engine runs with
# --bridge=none, so every container and build must use `--network host`; that keeps all
# container traffic on the host's own interfaces (no private bridge range, no NAT rules).
#
# Environment:
#   DOCKERD_LOG      where the engine logs (default: /var/log/dockerd.log, or /tmp when not writable)
#   DOCKERD_TIMEOUT  seconds to wait for the engine to answer (default: 60)
set -euo pipefail

log() { printf 'start-docker: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if docker info >/dev/null 2>&1; then
  log "Docker engine already running."
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "dockerd is not installed and apt-get is unavailable: install a Docker engine (package docker.io)."
  [ "$(id -u)" = 0 ] || die "dockerd is not installed; run as root (or install docker.io yourself)."
  log "Installing docker.io ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null || die "apt-get install docker.io failed"
fi

[ "$(id -u)" = 0 ] || die "starting dockerd needs root."

log_file="${DOCKERD_LOG:-/var/log/dockerd.log}"
if ! touch "$log_file" 2>/dev/null; then
  log_file="/tmp/dockerd.log"
fi
timeout_s="${DOCKERD_TIMEOUT:-60}"

# A socket left by an engine that died would make the client report a confusing error.
if [ -S /var/run/docker.sock ] && ! pgrep -x dockerd >/dev/null 2>&1; then
  rm -f /var/run/docker.sock
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "Starting dockerd (log: $log_file) ..."
  nohup dockerd --bridge=none --iptables=false --ip-masq=false >>"$log_file" 2>&1 </dev/null &
  echo $! >/var/run/e2e-dockerd.pid 2>/dev/null || true
fi

deadline=$((SECONDS + timeout_s))
until docker info >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "last lines of $log_file:"
    tail -n 20 "$log_file" >&2 || true
    die "the Docker engine did not answer within ${timeout_s}s."
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "last lines of $log_file:"
    tail -n 20 "$log_file" >&2 || true
    die "dockerd exited during start-up."
  fi
  sleep 0.5
done
log "Docker engine ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown))."
