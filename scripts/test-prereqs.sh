#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Makes sure this machine has what `make test` needs beyond Go, before any test runs:
#
#   sshd        OpenSSH's server (Debian: openssh-server); the SSH tests start their own on loopback
#   pgrep       (procps) the SSH cancellation tests look for the remote process with it
#   useradd     (passwd) the SSH tests log in as an unprivileged user they create
#   node, npm   the PowerShell grammar check (scripts/psgrammar.sh) parses every script with them
#
# When something is missing and this runs as root with apt-get (a fresh Debian machine, CI), it installs it.
# Otherwise it stops at once with one line that says the exact command to run. A prerequisite named in
# AKSHYBRID_TEST_SKIP (sshd, psgrammar) is not needed: its tests are skipped knowingly.
#
# AKSHYBRID_SSHD_PATH (default /usr/sbin/sshd, where internal/testing/sshtest looks) and
# AKSHYBRID_PREREQ_NO_INSTALL=1 (report, never install) exist for the tests of this script.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

sshd=${AKSHYBRID_SSHD_PATH:-/usr/sbin/sshd}

skipped() {
	local item
	IFS=, read -r -a items <<<"${AKSHYBRID_TEST_SKIP:-}"
	for item in "${items[@]}"; do
		item=${item// /}
		[[ $item == "$1" || $item == all ]] && return 0
	done
	return 1
}

missing=() packages=()
need() { # need NAME PACKAGE: record a missing prerequisite and the Debian package that provides it
	missing+=("$1")
	packages+=("$2")
}

if ! skipped sshd; then
	[[ -x $sshd ]] || need sshd openssh-server
	command -v pgrep >/dev/null 2>&1 || need pgrep procps
	command -v useradd >/dev/null 2>&1 || need useradd passwd
fi
if ! skipped psgrammar; then
	command -v node >/dev/null 2>&1 || need node nodejs
	command -v npm >/dev/null 2>&1 || need npm npm
fi

if ((${#missing[@]} > 0)); then
	if [[ $EUID -eq 0 && ${AKSHYBRID_PREREQ_NO_INSTALL:-0} != 1 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "test-prereqs: installing ${packages[*]} (for ${missing[*]})"
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
		if ! skipped sshd && [[ ! -x $sshd ]]; then
			echo "test-prereqs: openssh-server is installed but $sshd is still missing" >&2
			exit 1
		fi
	else
		sudo=""
		[[ $EUID -eq 0 ]] || sudo="sudo "
		echo "make test needs ${missing[*]}: run '${sudo}apt-get update && ${sudo}apt-get install -y ${packages[*]}' (or skip their tests knowingly with AKSHYBRID_TEST_SKIP=sshd,psgrammar)" >&2
		exit 1
	fi
fi

# sshd refuses to start without its privilege-separation directory; a fresh install may not have created it.
if ! skipped sshd && [[ $EUID -eq 0 && ! -d /run/sshd ]]; then
	mkdir -p /run/sshd
	chmod 0755 /run/sshd
fi
