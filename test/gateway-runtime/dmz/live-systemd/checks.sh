#!/bin/sh
# Runs inside the booted Debian root file system, as dmz-check.service (test/gateway-runtime/dmz/
# live-systemd.test.ts puts it there): the runbook of gateway-runtime/README.md ("Running in your DMZ"),
# whose commands the test wrote as written into runbook.sh, then what the runbook promises of the running
# service. One line per check goes to `results` ("ok NAME: detail" or "not ok NAME: detail"), every command
# with its output to `transcript`. It ends the container with `systemctl exit` (0: every check passed).
# The working directory holds what the operator and "your CA" hand over (see the test).
set -u
cd /root/dmz-test || exit 1
: >results
: >transcript
failed=0
SERVICE=gateway-runtime
URL=https://dmz.acme.example
CLIENT="--cacert dmz-ca.pem --cert gateway-client.crt --key gateway-client.key"

log() { printf '%s\n' "$*" >>transcript; }
ok() { printf 'ok %s: %s\n' "$1" "$2" >>results; }
not_ok() {
  printf 'not ok %s: %s\n' "$1" "$2" | tr '\n' ' ' >>results
  printf '\n' >>results
  failed=1
}
finish() {
  log "== the service's journal"
  journalctl -u "$SERVICE" --no-pager -o short-monotonic >>transcript 2>&1
  log "== done, failed=$failed"
  systemctl --no-block exit "$failed"
  exit 0
}
# poll SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds or SECONDS have passed.
poll() {
  limit=$(($1 * 10))
  shift
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -ge "$limit" ] && return 1
    sleep 0.1
  done
}

# step LINE: one command of the runbook, as written; the rest needs it, so a failure ends the run.
step() {
  log "\$ $1"
  out=$(sh -c "$1" 2>&1)
  code=$?
  log "$out" "(exit $code)"
  if [ "$code" -ne 0 ]; then
    not_ok runbook "\`$1\` exited $code: $out"
    finish
  fi
}

# step_foreground LINE: the runbook's foreground run, until it listens; then Ctrl-C (SIGINT), exit 0.
step_foreground() {
  log "\$ $1    (until it listens, then Ctrl-C)"
  sh -c "exec $1" >foreground.log 2>&1 &
  pid=$!
  poll 30 grep -q '"msg":"listening"' foreground.log
  kill -INT "$pid"
  wait "$pid"
  code=$?
  log "$(cat foreground.log)" "(exit $code)"
  if ! grep -q '"msg":"listening"' foreground.log || [ "$code" -ne 0 ]; then
    not_ok runbook "\`$1\` did not listen and stop on Ctrl-C (exit $code): $(tail -c 2000 foreground.log)"
    finish
  fi
}

# step_follow LINE: `journalctl -f` follows forever: its first two seconds.
step_follow() {
  log "\$ $1    (for two seconds)"
  out=$(timeout 2 sh -c "$1" 2>&1)
  code=$?
  log "$out" "(exit $code)"
  [ "$code" -eq 124 ] || not_ok runbook "\`$1\` exited $code instead of following: $out"
}

# check_curl NAME EXIT TEXT LINE: a check command of the runbook; it must exit EXIT and print TEXT.
check_curl() {
  log "\$ $4"
  out=$(sh -c "$4" 2>&1)
  code=$?
  log "$out" "(exit $code)"
  case "$out" in
    *"$3"*) [ "$code" -eq "$2" ] && ok "$1" "\`$4\`: exit $code, $(printf '%s' "$out" | tail -n 1)" && return ;;
  esac
  not_ok "$1" "\`$4\`: expected exit $2 and \"$3\", got exit $code: $out"
}

# ca_signs SERIAL: "your CA" signs server.csr (the runbook's request) as server.crt.
ca_signs() {
  log "\$ (your CA) openssl x509 -req -in server.csr ... -set_serial $1 -out server.crt"
  out=$(openssl x509 -req -in server.csr -CA dmz-ca.pem -CAkey dmz-ca.key -set_serial "$1" -days 30 \
    -extfile server.ext -out server.crt 2>&1) || {
    not_ok runbook "the CA could not sign server.csr: $out"
    finish
  }
}

serves() { [ "$(served_serial)" = "$1" ]; }
# journal_has TEXT: the unit's journal holds TEXT (serve writes its log lines every 100 ms, and journald takes
# them in a moment later: poll for a line rather than read the journal once).
journal_has() { journalctl -u "$SERVICE" --no-pager | grep -q "$1"; }
served_serial() {
  openssl s_client -connect dmz.acme.example:443 -servername dmz.acme.example -CAfile dmz-ca.pem \
    -cert gateway-client.crt -key gateway-client.key </dev/null 2>/dev/null | openssl x509 -noout -serial
}

# The backend of the runbook's configuration (orders.acme.internal:8080, digest), a stand-in.
systemctl start orders-backend.service
poll 30 sh -c '[ "$(curl -s -o /dev/null -w %{http_code} http://orders.acme.internal:8080/)" = 401 ]' || {
  not_ok backend "the stand-in backend does not answer on orders.acme.internal:8080"
  finish
}

# 1. The runbook, as written.
. ./runbook.sh

# 2. The service is active, started once.
if [ "$(systemctl is-active "$SERVICE")" = active ] && [ "$(systemctl show -p NRestarts --value "$SERVICE")" = 0 ]; then
  ok active "$(systemctl show -p ActiveState,SubState,NRestarts,MainPID "$SERVICE" | tr '\n' ' ')"
else
  not_ok active "$(systemctl show -p ActiveState,SubState,Result,NRestarts,ExecMainStatus "$SERVICE" | tr '\n' ' ')"
  finish
fi
pid=$(systemctl show -p MainPID --value "$SERVICE")
status=/proc/$pid/status
log "== $status" "$(cat "$status")" "== /run/systemd/dynamic-uid" "$(ls -l /run/systemd/dynamic-uid 2>&1)"
field() { awk -v key="$1:" '$1 == key { $1 = ""; sub(/^ /, ""); print }' "$status"; }

# 3. A dynamic user (systemd's range 61184-65519), not root, named by the unit, in the TLS group.
uid=$(field Uid | awk '{ print $1 }')
user=$(systemctl show -p User --value "$SERVICE")
allocated=$(readlink "/run/systemd/dynamic-uid/direct:$user" 2>/dev/null)
if [ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] && [ "$allocated" = "$uid" ] && [ "$(field Uid)" = "$uid $uid $uid $uid" ]; then
  ok dynamic-user "uid $uid, allocated to User=$user"
else
  not_ok dynamic-user "Uid: $(field Uid); User=$user; /run/systemd/dynamic-uid/direct:$user -> $allocated"
fi
group=$(getent group gateway-runtime | cut -d: -f3)
case " $(field Groups) " in
  *" $group "*) ok tls-group "Groups: $(field Groups) holds gateway-runtime ($group)" ;;
  *) not_ok tls-group "Groups: $(field Groups) lacks gateway-runtime ($group)" ;;
esac

# 4. The sandbox: only CAP_NET_BIND_SERVICE (bit 10; ambient, so inheritable too), no new privileges, a
# seccomp filter.
caps="CapInh=$(field CapInh) CapPrm=$(field CapPrm) CapEff=$(field CapEff) CapBnd=$(field CapBnd) CapAmb=$(field CapAmb)"
if [ "$caps" = "CapInh=0000000000000400 CapPrm=0000000000000400 CapEff=0000000000000400 CapBnd=0000000000000400 CapAmb=0000000000000400" ]; then
  ok capabilities "$caps"
else
  not_ok capabilities "$caps"
fi
if [ "$(field NoNewPrivs)" = 1 ] && [ "$(field Seccomp)" = 2 ]; then
  ok no-new-privileges "NoNewPrivs: 1, Seccomp: 2 (filter)"
else
  not_ok no-new-privileges "NoNewPrivs: $(field NoNewPrivs), Seccomp: $(field Seccomp)"
fi

# 5. Through the proxy to the backend: the gateway's certificate gets the backend's answer.
answer=$(curl -sS $CLIENT --data-binary 'order 7' -H 'content-type: text/plain' -w ' %{http_code}' "$URL/orders/7" 2>&1)
if [ "$answer" = "order 7 200" ]; then
  ok proxied "POST /orders/7 echoed by the backend through digest: $answer"
else
  not_ok proxied "POST /orders/7: $answer"
fi

# 6. Rotation: a new certificate installed as the runbook does, `systemctl reload`, served at once.
before=$(served_serial)
ca_signs 0x2002
step "$INSTALL_TLS"
systemctl reload "$SERVICE"
poll 5 serves serial=2002
after=$(served_serial)
health=$(curl -sS $CLIENT "$URL/healthz" 2>&1)
if [ "$before" = serial=1001 ] && [ "$after" = serial=2002 ] && [ "$health" = '{"status":"ok"}' ] &&
  [ "$(systemctl show -p MainPID --value "$SERVICE")" = "$pid" ] &&
  poll 5 journal_has 'SIGHUP: re-reading the TLS material'; then
  ok reload "served $before, then $after after systemctl reload, same process $pid, health $health"
else
  not_ok reload "served $before, then $after; MainPID $(systemctl show -p MainPID --value "$SERVICE") (was $pid); health $health; $(journal_has 'SIGHUP: re-reading the TLS material' && echo 'SIGHUP logged' || echo 'no SIGHUP line in the journal')"
fi

# 7. Stop drains: a request in flight when `systemctl stop` comes is answered, then the exit is 0.
rm -f upload.fifo upload.trace
mkfifo upload.fifo
curl -sS $CLIENT -T upload.fifo -H 'Expect:' --trace-ascii upload.trace -o drained.body -w '%{http_code}' \
  "$URL/orders/drain" >drained.code 2>drained.err &
upload=$!
exec 3>upload.fifo
printf 'first half, ' >&3
poll 10 grep -q '^=> Send data' upload.trace
systemctl stop --no-block "$SERVICE"
poll 10 sh -c "journalctl -u $SERVICE --no-pager | grep -q 'SIGTERM: shutting down'"
during=$(systemctl is-active "$SERVICE")
printf 'second half' >&3
exec 3>&-
wait "$upload"
poll 30 sh -c "[ \"\$(systemctl is-active $SERVICE)\" = inactive ]"
shown=$(systemctl show -p ActiveState,Result,ExecMainCode,ExecMainStatus "$SERVICE" | sort | tr '\n' ' ')
drained="$(cat drained.code) $(cat drained.body)"
if [ "$during" = deactivating ] && [ "$drained" = "200 first half, second half" ] &&
  [ "$shown" = "ActiveState=inactive ExecMainCode=1 ExecMainStatus=0 Result=success " ]; then
  ok stop "in flight while $during: $drained; then $shown"
else
  not_ok stop "while stopping: $during; the request in flight: $drained $(cat drained.err); then $shown"
fi

finish
