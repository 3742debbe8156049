#!/usr/bin/env bash
# What npm run test:browsers needs beyond npm packages: the three engines from Debian's packages (never a
# browser download) and a virtual display for WebKitGTK's MiniBrowser, then the built web app.
# Installs what is missing when it can (root with apt-get); otherwise stops with one line naming the command.
set -euo pipefail

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)        # Blink
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)  # Gecko
[ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver) # WebKit (brings MiniBrowser with libwebkit2gtk-4.1)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)     # MiniBrowser has no headless mode

if [ "${#missing[@]}" -gt 0 ]; then
  if ! can_apt; then echo "browsers-setup: missing ${missing[*]}: run 'sudo apt-get update && sudo apt-get install -y ${missing[*]}'" >&2; exit 1; fi
  echo "browsers-setup: installing ${missing[*]} (Debian packages)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

minibrowser=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
if [ ! -x "$minibrowser" ]; then
  echo "browsers-setup: $minibrowser is missing (find it with 'dpkg -L libwebkit2gtk-4.1-0 | grep MiniBrowser')" >&2
  exit 1
fi

# The web app the scenario opens.
npm run --silent build:web
