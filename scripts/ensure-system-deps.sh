#!/usr/bin/env bash
# Install the Debian packages a fresh machine lacks: tesseract (printed text), and for the tests
# chromium (browser tests), redis-server (the Redis queue and rate-limit tests), and for the
# benchmarks wrk and pgbench (`bench`).
set -euo pipefail

need_pkgs=()
for what in "$@"; do
  case "$what" in
    tesseract) command -v tesseract >/dev/null 2>&1 || need_pkgs+=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-ind) ;;
    chromium) [ -x /usr/bin/chromium ] || need_pkgs+=(chromium) ;;
    redis) command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server) ;;
    bench) command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
           command -v pgbench >/dev/null 2>&1 || need_pkgs+=(postgresql-client) ;;
    *) echo "ensure-system-deps: unknown dependency '$what'" >&2; exit 2 ;;
  esac
done
[ ${#need_pkgs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "rekap-audit needs these Debian packages: ${need_pkgs[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${need_pkgs[*]}" >&2
  exit 1
fi
echo "Installing ${need_pkgs[*]} with apt-get ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
