# Usage, --help for every command, exit statuses.
. "$(dirname "$0")/lib.sh"
"$LUNET" >"$TMP/o" 2>&1 && fail "lunet alone must exit 1"
grep -q "usage: lunet" "$TMP/o" || fail "lunet alone prints no usage"
for c in run up down exec ls clean help version; do
	"$LUNET" "$c" --help >"$TMP/o" 2>&1 || [ "$c" = version ] || fail "$c --help failed"
	[ "$c" = version ] || grep -q "usage: lunet $c" "$TMP/o" || fail "$c --help"
done
expect_fail "unknown command 'frobnicate'" "$LUNET" frobnicate
expect_fail "usage: lunet down" "$LUNET" down
expect_fail "usage: lunet exec" "$LUNET" exec onlyname
expect_ok "$LUNET" version
