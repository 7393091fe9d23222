#!/bin/sh
# test_policy.sh - issue 10, "policy only from trusted places" and "least
# privilege in keys", through the real binary:
#   - the issue's reproduction (a user's config granting the nurse
#     user_manage, or the front desk view_confidential) through --config,
#     $CHARTROOM_CONFIG and ./chartroom.ini grants nothing, and each is
#     reported as ignored;
#   - an administrator's change in the database works and is audited; a
#     nurse's is refused;
#   - a sqlite3 edit of the policy table (value, added, deleted, seal,
#     replayed older copy, emptied) or of an account's role is exit 5; the
#     recovery key resets a damaged policy;
#   - the root-owned system file (the test build's path) sets policy, is
#     refused when others may write it or root does not own it, and the
#     database wins over it;
#   - the administrator holds no clinical key; clinical users grant it;
#   - configuration strictness: a key given twice, an unknown key or action.
. "$(dirname "$0")/lib.sh"
e2e_setup
unset CHARTROOM_CONFIG

ETC_BIN=$(dirname "$BIN")/chartroom-testetc
ETC_FILE=$(dirname "$BIN")/test-etc/chartroom.ini
rm -f "$ETC_FILE"

# has TEXT "$out": does the output contain TEXT (fixed string)?
has() { printf '%s' "$2" | grep -qF -- "$1"; }
users() { sql "select count(*) from users where name = '$1'"; }

# A confidential patient, imported by HIM (no PHI on the command line).
printf 'last_name,first_name,dob,sex,confidential\nHiddenpatient,Patricia,1970-01-02,F,yes\n' > "$T/conf.csv"
cli him "$PW_HIM" import patients "$T/conf.csv" >/dev/null 2>&1
MRN=$(find_q front "$PW_FRONT" hiddenpatient 2>/dev/null | cut -f1 | head -1)
check "a confidential patient to test with" [ -n "$MRN" ]

# --- the issue's reproduction, three ways -------------------------------
mkdir -p "$T/work"
printf '[roles]\nnurse = +user_manage\nfrontdesk = +view_confidential\n[security]\nlockout_after = 50\n' > "$T/work/e.ini"
cp "$T/work/e.ini" "$T/work/chartroom.ini"
chmod 0644 "$T/work/e.ini" "$T/work/chartroom.ini"
n=0
for how in config env cwd; do
	n=$((n + 1))
	run() { # the nurse's or the front desk's command, with the evil file chosen $how
		case $how in
		config) (cd "$T" && "$BIN" --config "$T/work/e.ini" --db "$DB" "$@") ;;
		env) (cd "$T" && CHARTROOM_CONFIG="$T/work/e.ini" "$BIN" --db "$DB" "$@") ;;
		cwd) (cd "$T/work" && "$BIN" --db "$DB" "$@") ;;
		esac
	}
	out=$(printf '%s\n%s\n' "$PW_NURSE" "evil-admin-password-$n" | run --user nurse --password-stdin user add "evil$n" --role admin 2>&1)
	rc=$?
	check "$how: nurse = +user_manage, then 'user add evil --role admin' exits 4" [ $rc -eq 4 ]
	check "$how: ... and creates no user" [ "$(users "evil$n")" = 0 ]
	check "$how: ... the [roles] section is reported as ignored" \
		has ".ini:roles: ignored: policy comes only from the database or /etc/chartroom/chartroom.ini" "$out"
	check "$how: ... and so is [security]" has ":security: ignored:" "$out"
	check "$how: ... the refusal is permission denied" has "Permission denied" "$out"
	out=$(printf '%s\n' "$PW_FRONT" | run --user front --password-stdin patient show "$MRN" 2>&1)
	rc=$?
	check "$how: frontdesk = +view_confidential, yet a confidential chart needs a reason (exit 4)" [ $rc -eq 4 ]
	check "$how: ... and nothing of it is shown" sh -c "! printf '%s' \"\$1\" | grep -q 'Hiddenpatient'" _ "$out"
done
check "no break-the-glass or chart open by the front desk came of it" \
	[ "$(sql "select count(*) from audit where user_name = 'front' and action in ('break_the_glass', 'chart_open', 'patient_open')")" = 0 ]
out=$(cd "$T/work" && "$BIN" --config e.ini roles 2>/dev/null)
check "roles with the evil file: nurse still has no user_manage" \
	sh -c "printf '%s\n' \"\$1\" | grep '^user_manage' | awk '{print \$3}' | grep -qx -- -" _ "$out"

# --- the database's policy: an administrator's change, audited ----------
out=$(cli nurse "$PW_NURSE" roles grant nurse user_manage 2>&1)
check "a nurse may not change the matrix (exit 4)" [ $? -eq 4 ]
out=$(cli admin "$PW_ADMIN" roles grant frontdesk view_confidential 2>&1)
check "the admin grants the front desk view_confidential in the database" [ $? -eq 0 ]
check "... audited in the same transaction (policy_set roles.frontdesk by admin)" \
	[ "$(sql "select count(*) from audit where action = 'policy_set' and target = 'roles.frontdesk' and user_name = 'admin'")" = 1 ]
out=$(cli front "$PW_FRONT" patient show "$MRN" 2>&1)
check "... now the front desk opens the confidential chart without a reason" \
	sh -c "[ $? -eq 0 ] && printf '%s' \"\$1\" | grep -q Hiddenpatient" _ "$out"
out=$(cli front "$PW_FRONT" roles 2>/dev/null)
check "roles says where the front desk's rule came from (database, who, when)" \
	sh -c "printf '%s\n' \"\$1\" | grep -Eq '^frontdesk +database \(set by admin at 20'" _ "$out"
check "... and the others' (default)" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^nurse +default$'" _ "$out"
out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null | grep policy_set | grep roles.frontdesk)
check "the audit entry says what was added" has "added: view_confidential" "$out"
cli admin "$PW_ADMIN" roles revoke frontdesk view_confidential >/dev/null 2>&1
out=$(cli front "$PW_FRONT" patient show "$MRN" 2>&1)
check "revoked: a reason is needed again (exit 4)" [ $? -eq 4 ]
out=$(cli admin "$PW_ADMIN" policy set security.lockout_after 4 2>&1)
check "policy set security.lockout_after 4" [ $? -eq 0 ]
check "... audited" [ "$(sql "select count(*) from audit where action = 'policy_set' and target = 'security.lockout_after'")" = 2 ]
out=$(cli priv "$PW_PRIV" policy show 2>/dev/null)
check "policy show: the value and its source" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^security.lockout_after	4	database (set by admin at 20'" _ "$out"
out=$(cli admin "$PW_ADMIN" policy set security.journal_sync sometimes 2>&1)
check "journal_sync: a value not full or normal is refused, saying which are allowed" \
	sh -c "[ $? -ne 0 ] && printf '%s' \"\$1\" | grep -q 'full' && printf '%s' \"\$1\" | grep -q 'normal'" _ "$out"
out=$(cli admin "$PW_ADMIN" policy set security.journal_sync normal 2>&1)
check "policy set security.journal_sync normal" [ $? -eq 0 ]
out=$(cli priv "$PW_PRIV" policy show 2>/dev/null)
check "policy show: journal_sync normal, from the database" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^security.journal_sync	normal	database'" _ "$out"
n0=$(audited patient_search front)
out=$(find_q front "$PW_FRONT" zzzjournal 2>&1)
check "a search under journal_sync = normal is recorded, once" \
	[ "$(audited patient_search front)" -eq $((n0 + 1)) ]
cli admin "$PW_ADMIN" policy unset security.journal_sync >/dev/null 2>&1
out=$(cli admin "$PW_ADMIN" roles revoke admin user_manage 2>&1)
check "no change that leaves nobody to manage users" sh -c "[ $? -eq 1 ] && printf '%s' \"\$1\" | grep -q 'nobody could administer'" _ "$out"

# --- tampering with the policy table: exit 5, for everyone --------------
cp "$DB" "$T/good.db"
tampered() { # description: every role's sign-on is refused with exit 5
	ok5=1
	for u in "admin $PW_ADMIN" "nurse $PW_NURSE" "front $PW_FRONT"; do
		set -- $u
		out=$(cli "$1" "$2" roles 2>&1)
		rc=$?
		if [ $rc -ne 5 ] || ! has "policy" "$out"; then
			ok5=0
			echo "# $1: rc=$rc: $out"
		fi
	done
	check "$1" [ $ok5 -eq 1 ]
	cp "$T/good.db" "$DB"
}
sql "update policy set value = 'patient_search, patient_view, user_manage' where key = 'roles.frontdesk'"
tampered "a sqlite3 edit of a policy value: exit 5 for every user"
sql "update policy set set_by = 'priv' where key = 'security.lockout_after'"
tampered "an edit of who set it: exit 5"
sql "insert into policy select 'roles.nurse', 'user_manage', set_by, set_at, mac from policy where key = 'roles.frontdesk'"
tampered "a policy row added with another row's MAC: exit 5"
sql "delete from policy where key = 'security.lockout_after'"
tampered "a policy row deleted: exit 5"
sql "delete from policy where key = '*'"
tampered "the seal deleted: exit 5"
sql "delete from policy"
tampered "the policy table emptied: exit 5"
# Replay: keep the policy as it is, change it, put the older copy back.
sql "create table old_policy as select * from policy"
cp "$DB" "$T/good.db"
cli admin "$PW_ADMIN" policy set security.lockout_after 5 >/dev/null 2>&1
cp "$DB" "$T/good.db"
sql "delete from policy; insert into policy select * from old_policy"
tampered "an older copy of the whole policy table put back: exit 5"
out=$(cli nurse "$PW_NURSE" audit verify 2>&1)
check "the untouched database still signs on (the nurse may not verify: exit 4, not 5)" [ $? -eq 4 ]

# The recovery key repairs a damaged policy (nobody can sign on otherwise).
sql "update policy set value = '3' where key = 'security.lockout_after'"
out=$(cli admin "$PW_ADMIN" roles 2>&1)
check "damaged again: exit 5" [ $? -eq 5 ]
out=$(printf '%s\n' "$RECOVERY" | "$BIN" --db "$DB" --password-stdin policy reset --admin admin 2>&1)
check "policy reset with the recovery key" sh -c "[ $? -eq 0 ] && printf '%s' \"\$1\" | grep -q 'policy was reset'" _ "$out"
out=$(cli admin "$PW_ADMIN" policy show 2>/dev/null)
check "... sign-on works again, the defaults apply" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^security.lockout_after	10	default'" _ "$out"
check "... and the reset is audited, listing what was removed" \
	[ "$(sql "select count(*) from audit where action = 'policy_set' and target = '*'")" = 1 ]
out=$(printf 'not-the-recovery-key\n' | "$BIN" --db "$DB" --password-stdin policy reset --admin admin 2>&1)
check "a wrong recovery key resets nothing" [ $? -ne 0 ]
cli admin "$PW_ADMIN" policy set security.lockout_after 3 >/dev/null 2>&1
cp "$DB" "$T/good.db"

# --- an account's role edited with sqlite3 ------------------------------
sql "update users set role = 'admin' where name = 'nurse'"
out=$(printf '%s\n%s\n' "$PW_NURSE" 'evil-admin-password-9' | "$BIN" --db "$DB" --user nurse --password-stdin user add evil9 --role admin 2>&1)
check "a nurse whose role row says admin: sign-on refused, exit 5" [ $? -eq 5 ]
check "... naming the account" has "account record of nurse" "$out"
check "... and no user was added" [ "$(users evil9)" = 0 ]
out=$(cli admin "$PW_ADMIN" user list 2>/dev/null)
check "user list marks the account damaged" sh -c "printf '%s\n' \"\$1\" | grep -q '^nurse	admin	damaged'" _ "$out"
out=$(printf '%s\n%s\n' "$PW_ADMIN" 'a-new-password-for-nurse' | "$BIN" --db "$DB" --user admin --password-stdin user passwd nurse 2>&1)
check "an administrator's change to the damaged account is refused (exit 5)" [ $? -eq 5 ]
cp "$T/good.db" "$DB"
cli admin "$PW_ADMIN" user disable priv >/dev/null 2>&1
sql "update users set disabled = 0 where name = 'priv'"
cli priv "$PW_PRIV" roles >/dev/null 2>&1
check "a disabled account re-enabled with sqlite3: exit 5" [ $? -eq 5 ]
cp "$T/good.db" "$DB"
sql "update users set public_key = (select public_key from users where name = 'front') where name = 'him'"
cli him "$PW_HIM" roles >/dev/null 2>&1
check "a public key swapped in: exit 5" [ $? -eq 5 ]
cp "$T/good.db" "$DB"

# --- keys: the administrator holds no clinical key ----------------------
wraps() { sql "select group_concat(domain) from (select w.domain from key_wraps w join users u on u.id = w.holder where u.name = '$1' order by w.domain)"; }
check "the admin's wraps are audit and demo, no clin" [ "$(wraps admin)" = "audit,demo" ]
check "the admin's clinical key was removed when the nurse got it, audited" \
	[ "$(sql "select count(*) from audit where action = 'key_drop' and target = 'admin'")" = 1 ]
check "the nurse granted prov and him the clinical key, audited with both names" \
	[ "$(sql "select count(*) from audit where action = 'key_grant' and user_name = 'nurse' and target in ('prov', 'him')")" = 2 ]
out=$(cli admin "$PW_ADMIN" chart show "$MRN" 2>&1)
check "the admin cannot open a chart (exit 4)" [ $? -eq 4 ]
out=$(printf '%s\n%s\n' "$PW_ADMIN" 'newnurse-password-for-tests' | "$BIN" --db "$DB" --user admin --password-stdin user add nurse2 --role nurse 2>&1)
check "a nurse added by the admin waits for the clinical key" has "clin key will be granted" "$out"
check "... holding audit and demo only" [ "$(wraps nurse2)" = "audit,demo" ]
out=$(cli admin "$PW_ADMIN" keys waiting 2>/dev/null)
check "keys waiting lists her" sh -c "printf '%s\n' \"\$1\" | grep -q '^nurse2	nurse	clin$'" _ "$out"
out=$(cli nurse "$PW_NURSE" keys waiting 2>"$T/kw.err"); rc=$?
check "keys waiting by a role without user_manage: exit 4, saying why, nothing listed" \
	sh -c '[ $1 -eq 4 ] && [ -z "$2" ] && grep -qi "permission denied" "$3"' _ $rc "$out" "$T/kw.err"
cli prov "$PW_PROV" audit list >/dev/null 2>&1
check "a provider's sign-on grants it (sealed to her public key)" \
	[ "$(sql "select count(*) from key_grants g join users u on u.id = g.user_id where u.name = 'nurse2' and g.domain = 'clin'")" = 1 ]
printf '%s\n' newnurse-password-for-tests | "$BIN" --db "$DB" --user nurse2 --password-stdin keys grant >/dev/null 2>&1
check "... which becomes her own wrap at her sign-on" [ "$(wraps nurse2)" = "audit,clin,demo" ]

# --- the system file (the test build's path; root-owned, not writable) --
if [ ! -x "$ETC_BIN" ]; then
	not_ok "the test build $ETC_BIN exists (make builds it for make check)"
else
	mkdir -p "$(dirname "$ETC_FILE")"
	chmod 0755 "$(dirname "$ETC_FILE")"
	printf '[roles]\nfrontdesk = +view_confidential\n[security]\nlockout_after = 5\n' > "$ETC_FILE"
	chmod 0644 "$ETC_FILE"
	etc() { u=$1; p=$2; shift 2; printf '%s\n' "$p" | "$ETC_BIN" --db "$DB" --user "$u" --password-stdin "$@"; }
	out=$(etc front "$PW_FRONT" patient show "$MRN" 2>&1)
	check "system file: frontdesk = +view_confidential applies" sh -c "[ $? -eq 0 ] && printf '%s' \"\$1\" | grep -q Hiddenpatient" _ "$out"
	out=$(etc front "$PW_FRONT" roles 2>/dev/null)
	check "roles names the system file as the front desk's source" \
		sh -c "printf '%s\n' \"\$1\" | grep -q '^frontdesk  system file $ETC_FILE'" _ "$out"
	out=$(etc admin "$PW_ADMIN" policy show 2>/dev/null)
	check "the database's setting wins over the system file's" \
		sh -c "printf '%s\n' \"\$1\" | grep -q '^security.lockout_after	3	database'" _ "$out"
	cli admin "$PW_ADMIN" policy unset security.lockout_after >/dev/null 2>&1
	out=$(etc admin "$PW_ADMIN" policy show 2>/dev/null)
	check "unset in the database: the system file's value applies" \
		sh -c "printf '%s\n' \"\$1\" | grep -q '^security.lockout_after	5	system file'" _ "$out"
	etc admin "$PW_ADMIN" roles revoke frontdesk view_confidential >/dev/null 2>&1
	out=$(etc front "$PW_FRONT" patient show "$MRN" 2>&1)
	check "the database's revoke wins over the system file's grant (exit 4)" [ $? -eq 4 ]
	printf '[ui]\ncolor = never\n[roles]\nnurse = +user_manage\n' > "$T/mine.ini"
	out=$("$ETC_BIN" --config "$T/mine.ini" config check 2>/dev/null)
	check "config check lists the system file" has "system file (policy and preferences): $ETC_FILE" "$out"
	check "... the user's file, for preferences" has "your file (preferences: [ui], [database]): $T/mine.ini" "$out"
	check "... and the section ignored" has "ignored: $T/mine.ini:roles: ignored" "$out"
	chmod 0664 "$ETC_FILE"
	out=$(etc front "$PW_FRONT" roles 2>&1)
	check "a group-writable system file is refused (exit 1), never skipped" \
		sh -c "[ $? -eq 1 ] && printf '%s' \"\$1\" | grep -q 'group or others may write'" _ "$out"
	chmod 0644 "$ETC_FILE"
	if [ "$(id -u)" = 0 ]; then
		chown 65534 "$ETC_FILE"
		out=$(etc front "$PW_FRONT" roles 2>&1)
		check "a system file root does not own is refused (exit 1)" \
			sh -c "[ $? -eq 1 ] && printf '%s' \"\$1\" | grep -q 'not root'" _ "$out"
		chown 0 "$ETC_FILE"
	fi
	rm -f "$ETC_FILE"
	out=$("$BIN" config check 2>/dev/null)
	check "the installed build reads $(printf '/etc/chartroom/chartroom.ini'), not the test path" \
		sh -c "printf '%s' \"\$1\" | grep -q '/etc/chartroom/chartroom.ini'" _ "$out"
fi

# --- configuration strictness -------------------------------------------
strict() { # description, expected text, ini text
	printf "$3" > "$T/s.ini"
	out=$("$BIN" --config "$T/s.ini" config check 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && has "$2" "$out"; then ok "$1"; else not_ok "$1" "exit $rc: $out"; fi
}
strict "a key given twice is an error naming both lines" "s.ini:ui:color: given twice (lines 2 and 3)" '[ui]\ncolor = never\ncolor = always\n'
strict "key.quit = F99 is an error" "s.ini:ui:key.quit: 'F99' is not a key" '[ui]\nkey.quit = F99\n'
strict "key.nosuchaction = Q is an error" "s.ini:ui:key.nosuchaction: no such action" '[ui]\nkey.nosuchaction = Q\n'
# What stops the full-screen app at start fails the check too: a key bound
# to two actions (each binding is fine on its own).
strict "a key bound to two actions fails config check, naming the setting, the key and both actions" \
	"s.ini:ui:key.add: key 'q' is bound to both quit and add" '[ui]\nkey.add = q\n'
strict "two settings binding one key fail config check" \
	"s.ini:ui:key.unlock: key 'F7' is bound to both role and unlock" '[ui]\nkey.role = F7\nkey.unlock = F7\n'
printf '[ui]\nkey.quit = Q\nkey.add = q\n' > "$T/s.ini"
out=$("$BIN" --config "$T/s.ini" config check 2>&1)
check "a key moved away from its action is free for another: config check OK" \
	sh -c "[ $? -eq 0 ] && printf '%s' \"\$1\" | grep -q '^configuration OK'" _ "$out"
strict "a key given twice in an ignored section is still an error" "s.ini:roles:nurse: given twice" '[roles]\nnurse = +a\nnurse = +b\n'
e2e_done
