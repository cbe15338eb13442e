#!/usr/bin/env bash
# Installs what the interoperability tests need from Debian: Dovecot (without
# starting the system service), openssl, curl, Python, and the mail clients
# run against our servers (isync's mbsync, getmail6).
set -euo pipefail
have() { command -v "$1" >/dev/null; }
if have dovecot && have openssl && have curl && have python3 && have mbsync && have getmail && [ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/pop3 ]; then
    exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
$sudo chmod 755 /usr/sbin/policy-rc.d
trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dovecot-core dovecot-imapd dovecot-pop3d openssl curl python3 isync getmail6 >/dev/null
