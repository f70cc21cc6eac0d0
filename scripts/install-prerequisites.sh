#!/usr/bin/env bash
# Installs the system tools the local stack needs when they are missing (Debian/Ubuntu, as root).
# Node, Go, Java and Maven come with this machine's image; unzip may not.
set -euo pipefail

missing=()
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# A Kafka client that is not ours: the end-to-end test of alert subscription reads with it.
command -v kcat >/dev/null 2>&1 || missing+=(kcat)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing tools: ${missing[*]}. Install them with your package manager, then run again." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} with apt-get"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go 1.26.5 or newer is needed to build Loki for the local stack (go.dev/doc/install)." >&2
  exit 1
fi
