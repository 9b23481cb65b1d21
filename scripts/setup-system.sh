#!/usr/bin/env bash
# System setup for building, testing and running Citizen DB on Debian 12:
# installs the apt packages the Tauri app and its tests need, and the
# PostgreSQL 15 server binaries, but only what is missing. With everything
# present it makes no network call and takes a fraction of a second.
set -euo pipefail

# Tauri 2 / WebKitGTK build and run, the headless window tests (Xvfb, xauth,
# WebKitWebDriver, screenshots with ImageMagick's `import`, `xwininfo`, and
# xdotool to answer the native file dialogs in the end-to-end tests), a
# font with Hebrew glyphs, and openssl (tests/tls.rs makes its certificates).
PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver
  imagemagick x11-utils xdotool fonts-dejavu-core openssl
)

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for package in "${PACKAGES[@]}"; do
  if ! grep -qE "^${package} ii" <<<"$installed"; then
    missing+=("$package")
  fi
done

# PostgreSQL server binaries (initdb, pg_ctl, postgres); the program starts its own clusters.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql-15)
fi

if ((${#missing[@]} > 0)); then
  echo "setup: installing missing system packages: ${missing[*]}"
  if ((EUID != 0)); then
    if command -v sudo >/dev/null; then
      SUDO=(sudo)
    else
      echo "setup: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  else
    SUDO=()
  fi
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
    install -y --no-install-recommends "${missing[@]}"
  # Debian's package creates and starts a "main" cluster; the program runs its
  # own clusters, so stop that one rather than leave a server on port 5432.
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v pg_ctlcluster >/dev/null; then
    "${SUDO[@]}" pg_ctlcluster 15 main stop 2>/dev/null || true
  fi
fi

# Toolchains this script does not install: say clearly what is missing.
for tool in cargo npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "setup: '$tool' is not on PATH; install the Rust toolchain (rustup) and Node.js 20.19+ with npm" >&2
    exit 1
  fi
done
