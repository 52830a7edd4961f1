#!/usr/bin/env bash
# Installs Debian's own Chromium for the headless browser tests, which drive it with
# puppeteer-core. Puppeteer's usual browser download is not used: CI machines cannot
# fetch it, and the distribution build gets security updates through apt.
# Does nothing (but print the version) when a chromium or chromium-browser is already
# on PATH. Otherwise needs root and apt-get; meant for a fresh Debian 12 (bookworm).
set -euo pipefail

for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null; then
    echo "chromium: already installed: $("$name" --version)"
    exit 0
  fi
done
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "chromium: not installed, and this script needs root and apt-get to install it" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the recommends (upower, udev, notification-daemon,
# system-config-printer, ...) are desktop services; with them apt pulls in ~130
# packages, systemd among them. Headless Chromium runs without them, and it renders
# WebGL on its bundled SwiftShader, so Mesa (also only recommended) is not needed.
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: installed $(chromium --version)"
