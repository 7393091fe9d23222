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
	# The administrator holds no clinical key once the nurse has it: the
	# nurse's sign-on grants it to the provider and the HIM clerk.
	printf 'demo-nurse-password\n' | "$BIN" --db "$DB" --user nurse --password-stdin keys grant
	echo "Adding 3000 synthetic patients ..."
	printf 'demo-him-clerk-password\n' |
		"$BIN" --db "$DB" --user him --password-stdin demo --patients 3000 --seed 2026
	HIM() { printf 'demo-him-clerk-password\n' | "$BIN" --db "$DB" --user him --password-stdin "$@"; }
	ICD=../shared/data/icd10cm
	if [ -r "$ICD/icd10cm_order_2025.txt" ] && [ -r "$ICD/icd10cm_order_2026.txt" ]; then
		echo "Loading ICD-10-CM FY2025 and FY2026 from $ICD ..."
		HIM codes import icd10cm "$ICD/icd10cm_order_2025.txt" --version FY2025 --effective 2024-10-01 >/dev/null
		HIM codes import icd10cm "$ICD/icd10cm_order_2026.txt" --version FY2026 --effective 2025-10-01 >/dev/null
	else
		echo "Loading the ICD-10-CM sample in assets/codes (../shared/data is not here) ..."
		HIM codes import icd10cm assets/codes/icd10cm-sample.txt --version FY2026-sample --effective 2025-10-01 >/dev/null
	fi
	HIM codes import hcpcs assets/codes/hcpcs-sample.txt --version 2026-sample --effective 2025-01-01 >/dev/null
	# A few visits, so the chart and the coding queue have something in them.
	NURSE() { printf 'demo-nurse-password\n' | "$BIN" --db "$DB" --user nurse --password-stdin "$@"; }
	# Names and other PHI never go on a command line: the query and the
	# reason for visit are given on standard input after the password.
	for mrn in $(printf 'demo-frontdesk-password\nsmith\n' |
		"$BIN" --db "$DB" --user front --password-stdin patient find - 2>/dev/null | head -4 | cut -f1); do
		enc=$(printf 'demo-frontdesk-password\nvisit_reason\nfollow-up of blood pressure\n' |
			"$BIN" --db "$DB" --user front --password-stdin encounter add "$mrn" --type "office visit" \
			--provider prov --location "Room 2" --date 2025-11-03 --from - 2>/dev/null) || continue
		NURSE vitals add "$enc" --bp 134/86 --pulse 76 --temp 98.4 --weight 172 --height 68 >/dev/null 2>&1
		NURSE encounter close "$enc" >/dev/null 2>&1
	done
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
