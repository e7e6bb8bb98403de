#!/usr/bin/env bash
# Turn `uketsuke help` (on standard input) into the uketsuke(1) manual page.
#   uketsuke help | manpage.sh VERSION
set -euo pipefail
version=$1
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/-/\\-/g'; }
cat <<HEAD
.TH UKETSUKE 1 "" "uketsuke $version" "User Commands"
.SH NAME
uketsuke \\- reception kiosk for Japanese clinics and pharmacies, and its tools
.SH SYNOPSIS
.B uketsuke
[\\fIcommand\\fR] [\\fB\\-\\-config\\fR \\fIFILE\\fR] [\\fB\\-\\-data\\-dir\\fR \\fIDIR\\fR] [\\fIargs\\fR]
.SH DESCRIPTION
Without a command, or with \\fBrun\\fR, uketsuke runs the kiosk screen.
Every command prints its options with \\fB\\-\\-help\\fR.
The configuration is /etc/uketsuke/config.toml; the README in
/usr/share/doc/uketsuke describes every key and the installation at a clinic.
.SH COMMANDS
HEAD
# the help lists "  name args" then "      summary"
sed -n '/^commands:/,$p' | tail -n +2 | while IFS= read -r line; do
  case "$line" in
    "      "*) printf '%s\n' "${line#      }" | esc ;;
    "  "*) printf '.TP\n.B %s\n' "$(printf '%s' "${line#  }" | esc)" ;;
  esac
done
cat <<'TAIL'
.SH FILES
.TP
.I /etc/uketsuke/config.toml
the configuration
.TP
.I /var/lib/uketsuke
the kiosk's database and backups (mode 0700, user uketsuke)
.TP
.I /var/lib/uketsuke-audit/audit.key
the audit chain's key
.SH EXIT STATUS
0 success; 1 failure (for doctor: a check failed); 2 usage error;
3 configuration error.
.SH SEE ALSO
.BR cage (1),
.BR pcscd (8),
.BR systemctl (1)
TAIL
