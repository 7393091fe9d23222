#!/bin/sh
# The command line of the Foundation issue: init, exit codes, users, the
# audit chain against tampering, secrets absent from the file, layering.
. "$(dirname "$0")/lib.sh"
e2e_setup

# --- init refuses to overwrite, and leaves the file untouched -----------
sum_before=$(sha256sum "$DB" | cut -d' ' -f1)
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" init --db "$DB" --admin other --password-stdin 2>&1)
rc=$?
sum_after=$(sha256sum "$DB" | cut -d' ' -f1)
check "init on an existing file fails with exit 1" [ "$rc" -eq 1 ]
check "init on an existing file says it will not overwrite" \
	sh -c "printf '%s' \"\$1\" | grep -q 'will not overwrite'" _ "$out"
check "init on an existing file leaves it byte-for-byte unchanged" [ "$sum_before" = "$sum_after" ]

out=$(printf 'short\n' | "$BIN" init --db "$T/weak.db" --admin bob --password-stdin 2>&1)
rc=$?
check "init refuses a short password (exit 1)" [ "$rc" -eq 1 ]
check "init with a refused password leaves no file behind" [ ! -e "$T/weak.db" ]
out=$(printf 'password1234567\n' | "$BIN" init --db "$T/weak.db" --admin bob --password-stdin 2>&1)
check "init refuses a common password" sh -c "printf '%s' \"\$1\" | grep -q 'commonly used'" _ "$out"

# --- help, version, usage ----------------------------------------------
check "--version prints the version" sh -c "'$BIN' --version | grep -q '^chartroom [0-9]'"
check "--help lists the commands and exit codes" sh -c "'$BIN' --help | grep -q 'Exit codes'"
for sub in init user audit roles policy keys recover config; do
	check "$sub -h exits 0 with usage" sh -c "'$BIN' $sub -h | grep -q 'usage: chartroom'"
done
"$BIN" frobnicate >/dev/null 2>&1
check "an unknown command exits 2" [ $? -eq 2 ]
"$BIN" --db "$DB" user add >/dev/null 2>&1 </dev/null
check "user add without a name exits 2" [ $? -eq 2 ]
"$BIN" --db "$DB" audit list --since yesterday >/dev/null 2>&1 </dev/null
check "audit list with a bad date exits 2" [ $? -eq 2 ]

# --- exit codes: authentication, permission ----------------------------
out=$(cli admin wrong-password-entirely audit verify 2>&1)
check "wrong password exits 3" [ $? -eq 3 ]
check "wrong password says so without naming which part" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Sign-on failed. Check the user name and password'" _ "$out"
out=$(cli nobody "$PW_ADMIN" audit verify 2>&1)
check "unknown user exits 3 with the same message" \
	sh -c "[ \$? -eq 0 ] && printf '%s' \"\$1\" | grep -q 'Sign-on failed. Check the user name and password'" _ "$out"
out=$(printf '%s\n%s\n' "$PW_NURSE" 'a-new-password-for-x' | "$BIN" --db "$DB" --user nurse --password-stdin user add xavier --role nurse 2>&1)
check "a nurse adding a user exits 4" [ $? -eq 4 ]
check "the refusal says permission denied" sh -c "printf '%s' \"\$1\" | grep -qi 'permission denied'" _ "$out"
out=$(cli admin "$PW_ADMIN" audit list --by nurse)
check "the refusal is audited" sh -c "printf '%s' \"\$1\" | grep -q 'denied'" _ "$out"

# --- users and keys ----------------------------------------------------
wraps=$(sql "select group_concat(domain) from (select w.domain from key_wraps w join users u on u.id = w.holder where u.name = 'front' order by w.domain)")
check "a front-desk user's key wraps are audit and demo only (no clin)" [ "$wraps" = "audit,demo" ]
wraps=$(sql "select group_concat(domain) from (select w.domain from key_wraps w join users u on u.id = w.holder where u.name = 'nurse' order by w.domain)")
check "a nurse's key wraps include clin" [ "$wraps" = "audit,clin,demo" ]
out=$(cli admin "$PW_ADMIN" user list)
check "user list shows every role" sh -c "printf '%s' \"\$1\" | grep -q 'front	frontdesk	active' && printf '%s' \"\$1\" | grep -q 'priv	privacy'" _ "$out"

out=$(cli admin "$PW_ADMIN" user role front nurse 2>&1)
check "user role front nurse succeeds" [ $? -eq 0 ]
# The admin holds no clinical key (issue 10): a user who does grants it.
check "... and says the clin key waits for a holder's sign-on" \
	sh -c "printf '%s' \"\$1\" | grep -q 'clin key will be granted at the next sign-on'" _ "$out"
check "user list shows front waiting for clin" \
	sh -c "cli() { printf '%s\n' \"\$2\" | '$BIN' --db '$DB' --user \"\$1\" --password-stdin user list; }; cli admin '$PW_ADMIN' | grep -q '^front	nurse	.*	clin\$'"
cli nurse "$PW_NURSE" audit list >/dev/null 2>&1
check "a nurse's sign-on leaves a sealed grant of clin for front" \
	[ "$(sql "select count(*) from key_grants g join users u on u.id = g.user_id where u.name = 'front' and g.domain = 'clin'")" = 1 ]
check "... audited with both names" \
	[ "$(sql "select count(*) from audit where action = 'key_grant' and user_name = 'nurse' and target = 'front'")" = 1 ]
printf '%s\n' "$PW_FRONT" | "$BIN" --db "$DB" --user front --password-stdin roles >/dev/null 2>&1
# signing on converts the grant into a wrap
printf '%s\n' "$PW_FRONT" | "$BIN" --db "$DB" --user front --password-stdin audit verify >/dev/null 2>&1
check "after sign-on the grant became a clin wrap" \
	[ "$(sql "select count(*) from key_wraps w join users u on u.id = w.holder where u.name = 'front' and w.domain = 'clin'")" = 1 ]
cli admin "$PW_ADMIN" user role front frontdesk >/dev/null 2>&1
check "changing back to frontdesk removes the clin wrap" \
	[ "$(sql "select count(*) from key_wraps w join users u on u.id = w.holder where u.name = 'front' and w.domain = 'clin'")" = 0 ]

# lockout after 3 failures (test config), then unlock
for i in 1 2 3; do cli him not-the-password audit verify >/dev/null 2>&1; done
out=$(cli him "$PW_HIM" audit verify 2>&1)
check "after 3 failures even the right password is refused (exit 3)" [ $? -eq 3 ]
check "the refusal of a locked account is the wrong-password answer" sh -c "printf '%s' \"\$1\" | grep -q 'Sign-on failed. Check the user name and password' && ! printf '%s' \"\$1\" | grep -qi 'locked'" _ "$out"
cli admin "$PW_ADMIN" user unlock him >/dev/null 2>&1
check "user unlock clears the lockout" [ "$(sql "select locked from users where name = 'him'")" = 0 ]
out=$(cli admin "$PW_ADMIN" audit list --by him)
check "the lockout is in the audit trail" sh -c "printf '%s' \"\$1\" | grep -q 'account_locked'" _ "$out"

cli admin "$PW_ADMIN" user disable priv >/dev/null 2>&1
check "disable removes every key wrap of the user" \
	[ "$(sql "select count(*) from key_wraps w join users u on u.id = w.holder where u.name = 'priv'")" = 0 ]
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "a disabled user cannot sign on (exit 3)" [ $? -eq 3 ]
check "... told only what a wrong password is told" sh -c "printf '%s' \"\$1\" | grep -q 'Sign-on failed. Check the user name and password' && ! printf '%s' \"\$1\" | grep -qi 'disabled'" _ "$out"
cli admin "$PW_ADMIN" user disable admin >/dev/null 2>&1
check "an admin cannot disable their own account" [ $? -ne 0 ]

# passwd: old stops working, new works
printf '%s\n%s\n' "$PW_PROV" 'provider-second-password' | "$BIN" --db "$DB" --user prov --password-stdin user passwd prov >/dev/null 2>&1
check "a user changes their own password" [ $? -eq 0 ]
cli prov "$PW_PROV" audit verify >/dev/null 2>&1
check "the old password no longer works" [ $? -eq 3 ]
cli prov 'provider-second-password' audit verify >/dev/null 2>&1
check "the new password works (provider may not verify: exit 4, not 3)" [ $? -eq 4 ]

# --- the audit chain ---------------------------------------------------
out=$(cli admin "$PW_ADMIN" audit verify)
check "audit verify reports the chain OK" sh -c "printf '%s' \"\$1\" | grep -q '^audit chain OK: [0-9]* entries$'" _ "$out"
anchor=$(cli admin "$PW_ADMIN" audit anchor)
check "audit anchor prints SEQ:MAC" sh -c "printf '%s' \"\$1\" | grep -Eq '^[0-9]+:[0-9a-f]{64}$'" _ "$anchor"
cli admin "$PW_ADMIN" audit verify --anchor "$anchor" >/dev/null
check "verify against a fresh anchor passes" [ $? -eq 0 ]

# flip_hex HEX: the same bytes with the lowest bit of the first one flipped
flip_hex() {
	first=$(printf '%s' "$1" | cut -c1-2)
	printf '%02X%s' $((0x$first ^ 1)) "$(printf '%s' "$1" | cut -c3-)"
}
cp "$DB" "$T/pristine.db"
n=$(sql "select max(seq) from audit")
tamper_ok=1
tampered=0
# flip a byte in each column of a spread of rows; verify must name that row
for seq in 2 5 9 $((n / 2)) $((n - 1)); do
	for col in ts user_name action target outcome source os_user; do
		cp "$T/pristine.db" "$DB"
		sql "update audit set $col = substr($col, 1, length($col) - 1) || char(unicode(substr($col, -1)) # 1) where seq = $seq" 2>/dev/null ||
			sql "update audit set $col = $col || 'x' where seq = $seq"
		[ "$(sql "select length($col) from audit where seq = $seq")" -gt 0 ] || sql "update audit set $col = 'x' where seq = $seq"
		out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
		rc=$?
		tampered=$((tampered + 1))
		if [ $rc -ne 5 ] || ! printf '%s' "$out" | grep -q "sequence $seq:"; then
			tamper_ok=0
			echo "# row $seq column $col: rc=$rc: $out"
		fi
	done
	cp "$T/pristine.db" "$DB"
	sql "update audit set mac = x'$(flip_hex "$(sql "select hex(mac) from audit where seq = $seq")")' where seq = $seq"
	out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
	rc=$?
	tampered=$((tampered + 1))
	if [ $rc -ne 5 ] || ! printf '%s' "$out" | grep -q "sequence $seq:"; then
		tamper_ok=0
		echo "# row $seq mac: rc=$rc: $out"
	fi
done
check "flipping a byte in any column of any row: exit 5 naming that row ($tampered cases)" [ $tamper_ok -eq 1 ]

cp "$T/pristine.db" "$DB"
sql "update audit set detail = x'$(flip_hex "$(sql "select hex(detail) from audit where seq = 1")")' where seq = 1"
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "a flipped byte in an encrypted detail is caught at row 1" sh -c "[ $? -eq 5 ] && printf '%s' \"\$1\" | grep -q 'sequence 1:'" _ "$out"

cp "$T/pristine.db" "$DB"
sql "delete from audit where seq = 4"
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "a deleted row is named (sequence 4)" sh -c "printf '%s' \"\$1\" | grep -q 'sequence 4:'" _ "$out"

cp "$T/pristine.db" "$DB"
sql "delete from audit where seq >= ${anchor%%:*}"
cli admin "$PW_ADMIN" audit verify >/dev/null 2>&1
check "a truncated chain still verifies on its own (that is what anchors are for)" [ $? -eq 0 ]
out=$(cli admin "$PW_ADMIN" audit verify --anchor "$anchor" 2>&1)
check "verify against the saved anchor detects the truncation (exit 5)" \
	sh -c "[ $? -eq 5 ] && printf '%s' \"\$1\" | grep -q 'anchor'" _ "$out"
cp "$T/pristine.db" "$DB"

# --- secrets never in the file -----------------------------------------
for pw in "$PW_ADMIN" "$PW_FRONT" "$PW_NURSE" "$PW_HIM" "$PW_PRIV" provider-second-password; do
	if strings -n 8 "$DB" "$DB-wal" 2>/dev/null | grep -qF "$pw"; then
		not_ok "no password appears in the database or WAL ($pw)"
	else
		ok "no password appears in the database or WAL"
	fi
done

# --- configuration errors ----------------------------------------------
out=$(cli admin "$PW_ADMIN" policy set security.password_min_length 6 2>&1)
check "a database policy value below a security floor is refused" \
	sh -c "[ $? -eq 1 ] && printf '%s' \"\$1\" | grep -q 'security:password_min_length: .*security floor'" _ "$out"
printf '[ui]\ncolor = never\n' > "$T/open.ini"
chmod 0666 "$T/open.ini"
out=$("$BIN" --config "$T/open.ini" roles 2>&1)
check "a config file others may write is refused" \
	sh -c "[ $? -ne 0 ] && printf '%s' \"\$1\" | grep -q 'others may write'" _ "$out"
printf '[ui]\ncolr = never\n' > "$T/typo.ini"
out=$("$BIN" --config "$T/typo.ini" roles 2>&1)
check "a misspelt key is refused as unknown" \
	sh -c "printf '%s' \"\$1\" | grep -q 'typo.ini:ui:colr: unknown setting'" _ "$out"
printf '[roles]\nnurse = +encounter_checkin\n' > "$T/roles.ini"
check "a [roles] section in --config changes nothing" \
	sh -c "'$BIN' --config '$T/roles.ini' roles 2>/dev/null | grep '^encounter_checkin' | awk '{print \$3}' | grep -q -- -"
check "... and is reported as ignored" \
	sh -c "'$BIN' --config '$T/roles.ini' roles 2>&1 >/dev/null | grep -q 'roles.ini:roles: ignored: policy comes only from the database or'"

# --- layering ----------------------------------------------------------
cd "$ROOT"
check "no curses in src/core or src/db" sh -c "! grep -rn curses src/core src/db src/base"
check "no SQL text in src/ui or src/core" \
	sh -c "! grep -rnE '\"[^\"]*\\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE TABLE)\\b' src/ui src/core"

e2e_done
