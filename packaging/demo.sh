#!/bin/sh
# demo.sh BIN - create demo/chartroom.db (unless it exists) with one user per
# role and known demo passwords, then open the full-screen app on it.
# Demo passwords are for this demo database only.
set -eu
BIN=${1:-build/chartroom}
DIR=demo
DB=$DIR/chartroom.db
mkdir -p "$DIR"
USERS="admin:admin:demo-admin-password
front:frontdesk:demo-frontdesk-password
nurse:nurse:demo-nurse-password
prov:provider:demo-provider-password
him:him:demo-him-clerk-password
priv:privacy:demo-privacy-password"

show_users() {
	echo "Demo users (user / role / password):"
	echo "$USERS" | while IFS=: read -r u r p; do printf '  %-6s %-10s %s\n' "$u" "$r" "$p"; done
}

if [ ! -f "$DB" ]; then
	echo "Creating $DB ..."
	printf '%s\n' demo-admin-password |
		"$BIN" init --db "$DB" --admin admin --clinic "Harbor Family Clinic (demo)" \
			--password-stdin > "$DIR/recovery-key.txt"
	chmod 600 "$DIR/recovery-key.txt"
	echo "$USERS" | while IFS=: read -r u r p; do
		[ "$u" = admin ] && continue
		printf 'demo-admin-password\n%s\n' "$p" |
			"$BIN" --db "$DB" --user admin --password-stdin user add "$u" --role "$r"
	done
	echo "Adding 3000 synthetic patients ..."
	printf 'demo-him-clerk-password\n' |
		"$BIN" --db "$DB" --user him --password-stdin demo --patients 3000 --seed 2026
	echo "(The recovery key is in $DIR/recovery-key.txt: in a real clinic it is printed and locked away.)"
fi
show_users
if [ -t 0 ] && [ -t 1 ]; then
	printf 'Press Enter to open Chartroom on %s ... ' "$DB"
	read -r _
	exec "$BIN" --db "$DB"
else
	echo "Not on a terminal: open it with  $BIN --db $DB"
fi
