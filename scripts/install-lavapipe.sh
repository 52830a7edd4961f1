#!/usr/bin/env bash
# Gives Dawn (the npm package `webgpu`) a Vulkan adapter on a machine without a GPU:
# Mesa's lavapipe, which runs shaders on the CPU. Debian 12's own mesa-vulkan-drivers
# (22.3) is refused by Dawn; the bookworm-backports build works. Needs root and apt.
# Does nothing when lavapipe is already installed. Correctness only, never speed.
set -euo pipefail

if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && dpkg -s libvulkan1 >/dev/null 2>&1; then
  echo "lavapipe: already installed"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "lavapipe: not installed, and this script needs root and apt-get to install it" >&2
  exit 1
fi

sources=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$sources" ]; then
  cat >"$sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq libvulkan1 >/dev/null
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
echo "lavapipe: installed $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
