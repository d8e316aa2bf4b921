#!/usr/bin/env bash
# Real MTAs for the interop tests (issue 7, "Real MTAs in CI").
#
#   setup.sh install   apt-get the servers from Debian's mirror (root; idempotent)
#   setup.sh start     install if missing, then start a private Postfix instance, a
#                      Dovecot instance (SASL only) and an aiosmtpd LMTP server on
#                      loopback; everything lives in $SMTP_MTA_DIR; writes env.json
#   setup.sh stop      stop all three and remove $SMTP_MTA_DIR
#
# With SMTP_MTA_OWNER_PID set (the test runner's pid), `start` also leaves a reaper in
# its own session that runs `stop` once that process is gone: a runner killed before
# its teardown (turbo stopping every task when another fails, Ctrl-C, kill -9) still
# leaves nothing running and no run directory behind.
#
# Nothing here touches the machine's own mail setup: Postfix runs as a second
# instance (`postfix -c <dir>`) whose config, queue, data, log and mailboxes are all in
# the run directory, Dovecot reads only our dovecot.conf, and every listener is on
# 127.0.0.1. Any failure exits non-zero with the reason: the tests must never be
# silently skipped because a server did not come up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${SMTP_MTA_DIR:-/tmp/smtp-mta-$$}"
# Debian's python3-aiosmtpd lives in the system interpreter; a pyenv or venv
# `python3` earlier in PATH would not see it.
py=/usr/bin/python3

die() {
  echo "setup.sh: $*" >&2
  exit 1
}

packages=(postfix dovecot-core python3-aiosmtpd openssl ca-certificates)

missing_binaries() {
  local b
  for b in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/dovecot /usr/bin/openssl "$py"; do
    [ -x "$b" ] || echo "$b"
  done
  if [ -x "$py" ] && ! "$py" -c 'import aiosmtpd.lmtp' 2>/dev/null; then
    echo "python3-aiosmtpd"
  fi
}

cmd_install() {
  [ "$(id -u)" = 0 ] || die "install must run as root (apt-get)"
  # Installing must not configure or start the machine's own mail system: Postfix
  # gets "No configuration" (no /etc/postfix/main.cf, no daemon on port 25) and,
  # while apt runs, no package may start a service (policy-rc.d exit 101, the
  # Debian mechanism for exactly this). An existing policy-rc.d is left alone.
  if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'install ok installed'; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  fi
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from smtp tooling/mta/setup.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local status=0
  {
    apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
  } || status=$?
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
  [ "$status" = 0 ] || die "apt-get failed (exit $status)"
  local still
  still="$(missing_binaries)"
  [ -z "$still" ] || die "installed, but still missing: $still"
}

# Three distinct free TCP ports on 127.0.0.1 (held together while chosen).
free_ports() {
  "$py" -c 'import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))'
}

wait_for_port() { # port what
  local i
  for i in $(seq 1 600); do
    # bash's /dev/tcp: a connect, no extra process per try. (On the implicit-TLS port
    # Postfix logs it as "SSL_accept error ... lost connection": that is this probe.)
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "$2 did not listen on 127.0.0.1:$1"
}

show_logs() {
  local f
  for f in "$run"/*.log; do
    [ -s "$f" ] || continue
    echo "---- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
}

cmd_start() {
  [ "$(id -u)" = 0 ] || die "start must run as root (Postfix and Dovecot drop privileges themselves)"
  local missing
  missing="$(missing_binaries)"
  if [ -n "$missing" ]; then
    echo "setup.sh: missing $(echo "$missing" | tr '\n' ' ')- installing" >&2
    cmd_install
  fi
  [ ! -e "$run/env.json" ] || die "$run already holds a running setup (stop it first)"
  # A start that fails half-way stops what it started and removes the run dir, so a
  # failed run leaves nothing behind either; the logs are shown first.
  trap 'status=$?; if [ "$status" != 0 ]; then show_logs; cmd_stop || true; fi' EXIT

  local p1 p2 p3
  read -r p1 p2 p3 < <(free_ports)
  local smtp_port="${SMTP_MTA_SMTP_PORT:-$p1}"
  local smtps_port="${SMTP_MTA_SMTPS_PORT:-$p2}"
  local lmtp_port="${SMTP_MTA_LMTP_PORT:-$p3}"

  # Postfix daemons (user postfix) must traverse into the run dir.
  mkdir -p "$run"
  chmod 755 "$run"
  if [ -n "${SMTP_MTA_OWNER_PID:-}" ]; then
    SMTP_MTA_DIR="$run" setsid bash "$here/setup.sh" reap "$SMTP_MTA_OWNER_PID" \
      </dev/null >/dev/null 2>&1 &
  fi
  mkdir -p "$run/tls" "$run/postfix/etc" "$run/postfix/queue" "$run/postfix/data" \
    "$run/mail" "$run/dovecot/run" "$run/dovecot/state" "$run/lmtp/mail"

  # Throwaway certificate for localhost and 127.0.0.1 (the tests trust it as their CA).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$run/tls/key.pem" -out "$run/tls/cert.pem" 2>"$run/openssl.log" ||
    die "openssl could not make the test certificate"
  chmod 644 "$run/tls/cert.pem"
  chmod 600 "$run/tls/key.pem"

  # ---- Dovecot: SASL server only (no IMAP/POP3/LMTP), socket for Postfix's smtpd.
  local user="tester" password="pässwörd mit space"
  printf '%s:{PLAIN}%s::::::\n' "$user" "$password" >"$run/dovecot/passwd"
  chown root:dovecot "$run/dovecot/passwd"
  chmod 640 "$run/dovecot/passwd"
  cat >"$run/dovecot/dovecot.conf" <<EOF
# Private instance for the smtp interop tests; nothing from /etc/dovecot is read.
protocols =
listen = 127.0.0.1
base_dir = $run/dovecot/run
state_dir = $run/dovecot/state
instance_name = smtp-mta-test
log_path = $run/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-256
auth_verbose = yes
# A wrong password is answered at once (the default 2 s only slows the tests).
auth_failure_delay = 0
auth_debug = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $run/dovecot/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$run/mail/%u
}
service auth {
  unix_listener auth-postfix {
    path = $run/dovecot/auth-postfix
    mode = 0660
    user = postfix
    group = postfix
  }
}
# No auth penalty (Dovecot delays answers, up to 15 s, after failures from one IP):
# the tests fail passwords on purpose, all from 127.0.0.1. Without this socket the
# auth process finds no penalty service and skips the delay.
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
  /usr/sbin/dovecot -c "$run/dovecot/dovecot.conf" >>"$run/dovecot-start.log" 2>&1 </dev/null ||
    die "dovecot did not start"

  # ---- Postfix: a second instance entirely inside the run dir.
  local pf="$run/postfix/etc"
  # Mailboxes: virtual maildirs owned by nobody (virtual(8) refuses root).
  chown nobody:nogroup "$run/mail"
  cat >"$pf/vmailbox" <<EOF
alice@example.test example.test/alice/
bob@example.test example.test/bob/
sender@example.test example.test/sender/
tempfail@example.test example.test/tempfail/
jürgen@example.test example.test/juergen/
EOF
  cat >"$pf/rcpt_access" <<EOF
tempfail@example.test 450 4.2.0 Mailbox temporarily unavailable (test)
EOF
  cat >"$pf/main.cf" <<EOF
# Private Postfix instance for the smtp interop tests (tooling/mta/setup.sh).
compatibility_level = 3.6
config_directory = $pf
queue_directory = $run/postfix/queue
data_directory = $run/postfix/data
maillog_file = $run/postfix.log
maillog_file_prefixes = $run
myhostname = mta.example.test
mydomain = example.test
myorigin = example.test
mydestination =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:outbound mail is disabled in the test instance
relay_transport = error:outbound mail is disabled in the test instance
biff = no

# Final destination: maildirs in the run dir, so a test can read what landed.
virtual_mailbox_domains = example.test
virtual_mailbox_base = $run/mail
virtual_mailbox_maps = texthash:$pf/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
virtual_minimum_uid = 1
recipient_delimiter = +
# Loopback clients count as remote: Postfix then adds only trace headers
# (Return-Path, X-Original-To, Delivered-To, Received), never Date, Message-ID or
# From, and rewrites no address in the headers, so the tests can compare the rest
# of a stored message byte for byte.
local_header_rewrite_clients =
always_add_missing_headers = no

# Extensions the tests exercise (Postfix has all of them; stated for the reader).
smtputf8_enable = yes
smtpd_discard_ehlo_keywords =
disable_mime_output_conversion = yes
message_size_limit = 1048576
mailbox_size_limit = 0
virtual_mailbox_limit = 0
smtpd_recipient_restrictions =
  check_recipient_access texthash:$pf/rcpt_access,
  permit_sasl_authenticated,
  reject_unauth_destination
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_reject_unlisted_recipient = yes
# No delays and no DNS: the tests are on loopback and want prompt answers.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_rate_limit = 0
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s

# SASL through Dovecot; only after TLS (a submission server's policy).
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $run/dovecot/auth-postfix
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_tls_auth_only = yes
# The Received header then names the SASL user: a stored message proves its AUTH.
smtpd_sasl_authenticated_header = yes

# TLS with the throwaway certificate.
smtpd_tls_cert_file = $run/tls/cert.pem
smtpd_tls_key_file = $run/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =
tls_random_source = dev:/dev/urandom
EOF
  cat >"$pf/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$smtp_port inet n - n - - smtpd
127.0.0.1:$smtps_port inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  touch "$run/postfix.log"
  chown postfix "$run/postfix/data"
  # postfix(1) prints its fatal errors only to a terminal (else to the log it could
  # not open yet), so `check` runs under script(1) to catch them in a file.
  script -qec "/usr/sbin/postfix -c '$pf' check" /dev/null >"$run/postfix-check.log" 2>&1 </dev/null ||
    die "postfix check failed"
  # `check` above did what `start` would repeat (create-missing, check-fatal/-warn).
  touch "$run/postfix/queue/quick-start"
  /usr/sbin/postfix -c "$pf" start >"$run/postfix-start.log" 2>&1 </dev/null ||
    die "postfix did not start"

  # ---- aiosmtpd as an LMTP server, storing each message per recipient.
  "$py" "$here/lmtp_server.py" --port "$lmtp_port" --dir "$run/lmtp/mail" \
    --pid-file "$run/lmtp/pid" >"$run/lmtp.log" 2>&1 </dev/null &
  disown || true

  wait_for_port "$smtp_port" "postfix (smtp+starttls)"
  wait_for_port "$smtps_port" "postfix (implicit tls)"
  wait_for_port "$lmtp_port" "aiosmtpd (lmtp)"
  [ -S "$run/dovecot/auth-postfix" ] || die "dovecot's auth socket is missing (see $run/dovecot.log)"

  # JSON by python so paths with odd characters stay valid.
  RUN="$run" SMTP="$smtp_port" SMTPS="$smtps_port" LMTP="$lmtp_port" USER_="$user" PASS="$password" \
    "$py" - <<'EOF'
import json, os
run = os.environ["RUN"]
env = {
    "dir": run,
    "host": "127.0.0.1",
    "smtpPort": int(os.environ["SMTP"]),
    "smtpsPort": int(os.environ["SMTPS"]),
    "lmtpPort": int(os.environ["LMTP"]),
    "caFile": f"{run}/tls/cert.pem",
    "domain": "example.test",
    "maildir": f"{run}/mail/example.test",
    "lmtpMaildir": f"{run}/lmtp/mail",
    "user": os.environ["USER_"],
    "password": os.environ["PASS"],
    "messageSizeLimit": 1048576,
    "logs": {
        "postfix": f"{run}/postfix.log",
        "dovecot": f"{run}/dovecot.log",
        "lmtp": f"{run}/lmtp.log",
    },
}
with open(f"{run}/env.json.tmp", "w", encoding="utf-8") as f:
    json.dump(env, f, ensure_ascii=False, indent=2)
os.rename(f"{run}/env.json.tmp", f"{run}/env.json")
EOF
  echo "$run/env.json"
}

cmd_reap() { # owner-pid
  local owner="$1"
  echo $$ >"$run/reaper.pid"
  while kill -0 "$owner" 2>/dev/null && [ -d "$run" ]; do sleep 1; done
  if [ -d "$run" ]; then
    echo "setup.sh: the test runner ($owner) is gone; stopping the MTAs in $run" >&2
    cmd_stop
  fi
}

cmd_stop() {
  [ -d "$run" ] || return 0
  local status=0
  local reaper=""
  [ -f "$run/reaper.pid" ] && reaper="$(cat "$run/reaper.pid")"
  # The three stop in parallel (each takes a second or two to wind down).
  local jobs=()
  if [ -f "$run/postfix/etc/main.cf" ] && [ -f "$run/postfix/queue/pid/master.pid" ]; then
    /usr/sbin/postfix -c "$run/postfix/etc" stop >/dev/null 2>&1 &
    jobs+=($!)
  fi
  if [ -f "$run/dovecot/run/master.pid" ]; then
    /usr/sbin/dovecot -c "$run/dovecot/dovecot.conf" stop >/dev/null 2>&1 &
    jobs+=($!)
  fi
  if [ -f "$run/lmtp/pid" ]; then
    kill "$(cat "$run/lmtp/pid")" 2>/dev/null || true
  fi
  local job
  for job in "${jobs[@]}"; do wait "$job" || status=1; done
  # Wait until the processes are gone before removing the files they hold.
  local i pid pids
  for i in $(seq 1 100); do
    pids=""
    for pid in $(cat "$run/postfix/queue/pid/master.pid" "$run/dovecot/run/master.pid" "$run/lmtp/pid" 2>/dev/null); do
      if kill -0 "$pid" 2>/dev/null; then pids="$pids $pid"; fi
    done
    [ -n "$pids" ] || break
    sleep 0.1
  done
  if [ -n "$pids" ]; then
    echo "setup.sh: still running after stop:$pids" >&2
    status=1
  fi
  rm -rf "$run"
  # The reaper has nothing left to guard (unless it is the one stopping).
  if [ -n "$reaper" ] && [ "$reaper" != "$$" ]; then kill "$reaper" 2>/dev/null || true; fi
  return $status
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
reap) cmd_reap "${2:?owner pid}" ;;
*) die "usage: setup.sh install|start|stop  (run dir: \$SMTP_MTA_DIR)" ;;
esac
