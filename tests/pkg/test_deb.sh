#!/bin/sh
# test_deb.sh - the Debian package, installed (run as root by .ci/run after
# make check and make asan; not part of make check, which must stay quick
# and must not install packages system-wide):
#   make deb, lintian --fail-on error,warning, dpkg -i; owners and modes
#   (binary root:chartroom 2755 through dpkg-statoverride, data directory
#   root:chartroom 2770, /etc/chartroom/chartroom.ini a root 0644 conffile),
#   man pages, completion and docs in place; staff accounts in a staff group
#   (not in chartroom) use the installed program over an "SSH" environment:
#   sign-on with --password-stdin, patient find, audit verify, the SSH
#   client in the audit trail, the database closed to them; a backup with
#   backup --out, checked with --verify, and the installed nightly backup
#   script and units (not enabled); then dpkg -r and dpkg --purge keep the
#   database and remove the configuration.
# Whatever happens, the package, the accounts and groups it made and the
# test database are removed at the end (trap). TAP output.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'
	return 0
}
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (installs a package)"
	exit 0
fi
DATA=/var/lib/chartroom
if dpkg-query -W -f='${Status}' chartroom 2>/dev/null | grep -q "ok installed" ||
	{ [ -d "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; }; then
	echo "1..0 # SKIP chartroom is installed or $DATA holds files: not touching a real install"
	exit 0
fi

STAFF_GROUP=chartroom-staff
FRONT=crtestfront
PRIV=crtestpriv
made_group=0
made_staff_group=0
made_users=""
getent group chartroom >/dev/null || made_group=1
T=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-pkg.XXXXXX")
chmod 0755 "$T"

cleanup() {
	dpkg --purge chartroom >/dev/null 2>&1
	for u in $made_users; do userdel -r "$u" >/dev/null 2>&1; done
	[ "$made_staff_group" -eq 1 ] && groupdel "$STAFF_GROUP" >/dev/null 2>&1
	# Only what this test made: its database, then the directory if empty.
	rm -f "$DATA/chartroom.db" "$DATA/chartroom.db-wal" "$DATA/chartroom.db-shm" \
		"$DATA/chartroom.db.audit-journal"
	[ -d "$DATA" ] && rmdir "$DATA" 2>/dev/null
	[ "$made_group" -eq 1 ] && getent group chartroom >/dev/null && groupdel chartroom >/dev/null 2>&1
	rm -rf "$T"
}
finish() {
	cleanup
	echo "1..$N"
	[ "$FAILED" -eq 0 ]
	exit $?
}
trap 'finish' EXIT
trap 'exit 1' INT TERM HUP
bail() { not_ok "$1" "${2:-}"; echo "Bail out! $1"; exit 1; }

# -- build and lint
VERSION=$(sed -n 's/^VERSION := *//p' "$ROOT/Makefile")
ARCH=$(dpkg --print-architecture)
DEB="$ROOT/build/chartroom_${VERSION}_${ARCH}.deb"
if (cd "$ROOT" && make deb) > "$T/build.log" 2>&1 && [ -f "$DEB" ]; then
	ok "make deb builds build/chartroom_${VERSION}_${ARCH}.deb"
else
	bail "make deb" "$(tail -30 "$T/build.log")"
fi
check "built with the hardening flags (fortify, relro, bindnow)" \
	sh -c "grep -q -- '-D_FORTIFY_SOURCE=2' '$T/build.log' && grep -q -- '-Wl,-z,relro' '$T/build.log' && grep -q -- '-Wl,-z,now' '$T/build.log'"
lintian --allow-root --fail-on error,warning --display-info "$DEB" > "$T/lintian.log" 2>&1
rc=$?
sed 's/^/# lintian: /' "$T/lintian.log"
if [ $rc -eq 0 ]; then ok "lintian --fail-on error,warning passes"; else not_ok "lintian --fail-on error,warning passes"; fi
check "dependencies come from shlibs (libsodium, libsqlite3, ncurses)" \
	sh -c "dpkg-deb -f '$DEB' Depends | grep -q libsodium && dpkg-deb -f '$DEB' Depends | grep -q libsqlite3 && dpkg-deb -f '$DEB' Depends | grep -q libncursesw"

# -- install
if dpkg -i "$DEB" > "$T/install.log" 2>&1; then
	ok "dpkg -i installs it"
else
	bail "dpkg -i" "$(cat "$T/install.log")"
fi
sed 's/^/# postinst: /' "$T/install.log" | grep -v "^# postinst: \(Selecting\|(Reading\|Preparing\|Unpacking\|Setting up\|Processing\)"
check "the program says the package's version" test "$(/usr/bin/chartroom --version)" = "chartroom $VERSION"
check "the system group chartroom exists (a system gid)" \
	sh -c 'g=$(getent group chartroom | cut -d: -f3) && [ -n "$g" ] && [ "$g" -lt 1000 ]'
check "/usr/bin/chartroom is root:chartroom 2755" test "$(stat -c '%U:%G %a' /usr/bin/chartroom)" = "root:chartroom 2755"
check "... through dpkg-statoverride" sh -c "dpkg-statoverride --list /usr/bin/chartroom | grep -qx 'root chartroom 2755 /usr/bin/chartroom'"
check "$DATA is root:chartroom 2770" test "$(stat -c '%U:%G %a' "$DATA")" = "root:chartroom 2770"
check "/etc/chartroom/chartroom.ini is root:root 0644" test "$(stat -c '%U:%G %a' /etc/chartroom/chartroom.ini)" = "root:root 644"
check "... and a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' chartroom | grep -q '/etc/chartroom/chartroom.ini'"
check "man chartroom, man chartroom.ini, man 7 chartroom-server are installed" \
	sh -c "man -w chartroom >/dev/null && man -w 5 chartroom.ini >/dev/null && man -w 7 chartroom-server >/dev/null"
out=$(for p in chartroom 5\ chartroom.ini 7\ chartroom-server; do
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 $p 2>&1 >/dev/null; done)
if [ -z "$out" ]; then ok "the installed man pages render without warnings"; else not_ok "the installed man pages render without warnings" "$out"; fi
check "bash completion installed" test -f /usr/share/bash-completion/completions/chartroom
check "docs: README, SSH guide, sshd example" sh -c '
	d=/usr/share/doc/chartroom; [ -f $d/README.md.gz ] && [ -f $d/ssh-guide.md.gz ] &&
	[ -f $d/examples/sshd_config-chartroom.conf ] && [ -f $d/copyright ]'
check "the nightly backup: its script and systemd units, the service running the script" sh -c '
	[ -x /usr/libexec/chartroom/chartroom-backup.sh ] &&
	[ -f /lib/systemd/system/chartroom-backup.service ] && [ -f /lib/systemd/system/chartroom-backup.timer ] &&
	grep -q "^ExecStart=/usr/libexec/chartroom/chartroom-backup.sh " /lib/systemd/system/chartroom-backup.service'
check "... not enabled by the package" test ! -e /etc/systemd/system/timers.target.wants/chartroom-backup.timer

# -- a clinic: the database (as root) and staff accounts
PW_ADMIN='package-test-admin-password'
PW_FRONT='package-test-frontdesk-password'
PW_PRIV='package-test-privacy-password'
PW_HIM='package-test-him-clerk-password'
cd /
if printf '%s\n' "$PW_ADMIN" | chartroom init --db chartroom.db --admin cradmin --clinic "Package Test Clinic" \
	--password-stdin > "$T/init.out" 2> "$T/init.err"; then
	ok "chartroom init as root creates $DATA/chartroom.db"
else
	bail "chartroom init as root" "$(cat "$T/init.err")"
fi
check "the database is root:chartroom 0660" test "$(stat -c '%U:%G %a' "$DATA/chartroom.db")" = "root:chartroom 660"
check "init printed a recovery key" grep -q "RECOVERY KEY" "$T/init.out"
add_user() { # NAME ROLE PASSWORD
	printf '%s\n%s\n' "$PW_ADMIN" "$3" | chartroom --user cradmin --password-stdin user add "$1" --role "$2"
}
if add_user $FRONT frontdesk "$PW_FRONT" 2>>"$T/add.err" && add_user $PRIV privacy "$PW_PRIV" 2>>"$T/add.err" &&
	add_user crtesthim him "$PW_HIM" 2>>"$T/add.err"; then
	ok "the administrator adds users (frontdesk, privacy, him)"
else
	not_ok "the administrator adds users" "$(cat "$T/add.err")"
fi
printf 'last_name,first_name,dob,sex\nPackagetest,Alice,1970-01-02,F\nPackagetest,Bob,1971-03-04,M\n' > "$T/p.csv"
check "an HIM clerk imports two patients" \
	sh -c "printf '%s\n' '$PW_HIM' | chartroom --user crtesthim --password-stdin import patients '$T/p.csv' 2>/dev/null | grep -qx 2"

if ! getent group "$STAFF_GROUP" >/dev/null; then groupadd "$STAFF_GROUP" && made_staff_group=1; fi
for u in $FRONT $PRIV; do
	if id "$u" >/dev/null 2>&1; then bail "a user $u already exists on this machine"; fi
	useradd -m -g "$STAFF_GROUP" -s /bin/sh "$u" && made_users="$made_users $u"
done
check "staff accounts are in $STAFF_GROUP, not in chartroom" \
	sh -c "id -nG $FRONT | tr ' ' '\n' | grep -qx '$STAFF_GROUP' && ! id -nG $FRONT | tr ' ' '\n' | grep -qx chartroom && ! id -nG $PRIV | tr ' ' '\n' | grep -qx chartroom"

SSHC="198.51.100.23 40022 192.0.2.10 22"
# as USER CMD...: run CMD as a staff account with a login-like environment
# (what sshd's ForceCommand session gives), SSH_CONNECTION included.
as() {
	u=$1; shift
	runuser -u "$u" -- env -i PATH=/usr/bin:/bin HOME="/home/$u" USER="$u" LOGNAME="$u" \
		TERM=xterm SSH_CONNECTION="$SSHC" "$@"
}
# The query is PHI: on standard input after the password, never an argument.
out=$(printf '%s\n%s\n' "$PW_FRONT" packagetest | as $FRONT chartroom --password-stdin patient find - 2>"$T/find.err")
check "staff (frontdesk, as their Unix user): sign-on and patient find" \
	sh -c "[ \"\$(printf '%s\n' \"\$1\" | grep -c '	Packagetest	')\" -eq 2 ]" - "$out"
[ -s "$T/find.err" ] && sed 's/^/# find: /' "$T/find.err"
printf '%s\n' "$PW_FRONT" | as $FRONT chartroom --password-stdin audit verify >/dev/null 2>&1
check "frontdesk may not verify the audit chain (exit 4)" test $? -eq 4
out=$(printf '%s\n' "$PW_PRIV" | as $PRIV chartroom --password-stdin audit verify 2>&1)
check "staff (privacy officer): audit verify" sh -c "printf '%s\n' \"\$1\" | grep -q 'audit chain OK'" - "$out"
out=$(printf '%s\n' "$PW_PRIV" | as $PRIV chartroom --password-stdin audit list --user $FRONT 2>/dev/null)
check "the staff sign-on's source in the audit is the SSH client" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '	198.51.100.23	login	'" - "$out"
as $FRONT chartroom </dev/null >/dev/null 2>"$T/notty.err"
check "without a terminal the full-screen app is refused (exit 1)" \
	sh -c "[ $? -eq 1 ] && grep -q 'needs a terminal' '$T/notty.err'"
check "staff cannot read the database directly" sh -c "! runuser -u $FRONT -- cat '$DATA/chartroom.db' >/dev/null 2>&1"
check "staff cannot list the data directory" sh -c "! runuser -u $FRONT -- ls '$DATA' >/dev/null 2>&1"
# -- backups: the command, a check of the copy, the nightly script
anchor=$(printf '%s\n' "$PW_ADMIN" | chartroom --user cradmin --password-stdin backup --out "$T/backup.db" 2>"$T/backup.err")
if [ $? -eq 0 ] && printf '%s' "$anchor" | grep -Eq '^[0-9]+:[0-9a-f]{64}$'; then
	ok "backup --out as root: a checked copy, its anchor printed"
else
	not_ok "backup --out as root" "$anchor $(cat "$T/backup.err")"
fi
check "... the copy is mode 0600, with its manifest" \
	sh -c "[ \"\$(stat -c %a '$T/backup.db')\" = 600 ] && [ -f '$T/backup.db.manifest' ]"
out=$(printf '%s\n' "$PW_PRIV" | chartroom --user $PRIV --password-stdin backup --verify "$T/backup.db" --anchor "$anchor" 2>&1)
check "backup --verify (privacy officer): it holds its anchor, integrity and chain OK" \
	sh -c "printf '%s\n' \"\$1\" | grep -qx '$anchor'" - "$out"
printf '%s\n' "$PW_ADMIN" > "$T/backup.password"
chmod 0600 "$T/backup.password"
/usr/libexec/chartroom/chartroom-backup.sh --dir "$T/nightly" --user cradmin \
	--password-file "$T/backup.password" --keep 30 > "$T/nightly.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && ls "$T/nightly"/chartroom-*.db >/dev/null 2>&1 &&
	grep -Eq ' [0-9]+:[0-9a-f]{64}$' "$T/nightly/anchors.log"; then
	ok "the installed nightly script takes a dated backup and logs its anchor"
else
	not_ok "the installed nightly script" "rc=$rc $(cat "$T/nightly.out")"
fi

# -- remove, then purge: the database stays, the configuration goes
if dpkg -r chartroom > "$T/remove.log" 2>&1; then ok "dpkg -r removes it"; else not_ok "dpkg -r" "$(cat "$T/remove.log")"; fi
check "after remove: the program is gone" test ! -e /usr/bin/chartroom
check "after remove: the database is still there" test -f "$DATA/chartroom.db"
if dpkg --purge chartroom > "$T/purge.log" 2>&1; then ok "dpkg --purge purges it"; else not_ok "dpkg --purge" "$(cat "$T/purge.log")"; fi
check "after purge: the database is still there, unchanged owner and mode" \
	test "$(stat -c '%U:%G %a' "$DATA/chartroom.db" 2>&1)" = "root:chartroom 660"
check "after purge: the configuration is gone" test ! -e /etc/chartroom
check "after purge: the statoverride is gone" sh -c "! dpkg-statoverride --list /usr/bin/chartroom >/dev/null"
check "after purge: the package is not known to dpkg" sh -c "! dpkg-query -W -f='\${Status}' chartroom 2>/dev/null | grep -q installed"
