# make install and uninstall; the man page says what the binary does; the
# bash completion completes commands, options, emulations, nodes and
# generators.
. "$(dirname "$0")/lib.sh"
command -v groff >/dev/null || fail "no groff (tools/deps installs groff-base)"
command -v man >/dev/null || fail "no man (tools/deps installs man-db)"

# sorted WORD...: the words sorted, on one line.
sorted() {
	printf '%s\n' "$@" | grep . | sort | tr '\n' ' '
}

# The commands 'lunet help' lists.
help_commands() {
	"$LUNET" help | awk '/^Commands:/ { on = 1; next } on && NF { print $1 } on && !NF { exit }'
}

# --- make install / uninstall -------------------------------------------
# Into a staging directory, built in a directory of its own: the build
# under test (build/san) and the source tree are left as they are.  The
# make that runs this test must not lend it its jobserver or variables.
stage=$TMP/stage
files="usr/bin/lunet usr/share/man/man1/lunet.1 usr/share/bash-completion/completions/lunet"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SRC" BUILD="$TMP/build" \
	install DESTDIR="$stage" PREFIX=/usr >"$TMP/make.out" 2>&1 ||
	{ cat "$TMP/make.out"; fail "make install failed"; }
for f in $files; do
	[ -f "$stage/$f" ] || fail "make install did not install /$f"
done
[ -x "$stage/usr/bin/lunet" ] || fail "the installed lunet is not executable"
"$stage/usr/bin/lunet" version | grep -q '^lunet [0-9]' ||
	fail "the installed lunet does not run"
installed=$(cd "$stage" && find . -type f -o -type l | sed 's|^\./||' | sort | tr '\n' ' ')
# shellcheck disable=SC2086
[ "$installed" = "$(sorted $files)" ] ||
	fail "make install installed: $installed"
man=$stage/usr/share/man/man1/lunet.1
comp=$stage/usr/share/bash-completion/completions/lunet
cp "$man" "$comp" "$TMP/"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SRC" BUILD="$TMP/build" \
	uninstall DESTDIR="$stage" PREFIX=/usr >"$TMP/make.out" 2>&1 ||
	{ cat "$TMP/make.out"; fail "make uninstall failed"; }
left=$(find "$stage" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
man=$TMP/lunet.1
comp=$TMP/lunet

# --- The man page -------------------------------------------------------
groff -man -Tutf8 -ww -z "$man" 2>"$TMP/groff.err"
[ -s "$TMP/groff.err" ] && { cat "$TMP/groff.err"; fail "groff warns about lunet.1"; }
MANWIDTH=80 man -l "$man" >"$TMP/man.txt" 2>"$TMP/man.err" || fail "man -l lunet.1 failed"
[ -s "$TMP/man.err" ] && { cat "$TMP/man.err"; fail "man -l lunet.1 warns"; }
for s in NAME SYNOPSIS DESCRIPTION COMMANDS FILES ENVIRONMENT "SEE ALSO"; do
	grep -qx "$s" "$TMP/man.txt" || fail "lunet.1 has no $s"
done
for c in $(help_commands); do
	grep -Eq "^   lunet $c( |$)" "$TMP/man.txt" || fail "lunet.1 has no section for $c"
done
# docs/cli.md, of which the man page is made, has every command and option
# of 'lunet help' and 'lunet COMMAND --help', and nothing else; and every
# option of the getopt tables in tools/.
python3 "$SRC/tools/clidoc" check "$SRC/docs/cli.md" "$LUNET" "$SRC" ||
	fail "docs/cli.md and the binary disagree"

# --- The bash completion ------------------------------------------------
# complete WORD...: what the completion offers for the last WORD of
# "lunet WORD...", sorted, on one line.  In a bash of its own, as a fresh
# interactive shell would source it.
complete_words() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_lunet "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$LUNET" "$@" |
		{ mapfile -t got; sorted "${got[@]}"; }
}
# expect_completion "WANT" WORD...: the completion offers exactly WANT.
expect_completion() {
	local want got
	# shellcheck disable=SC2086
	want=$(sorted $1)
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] || fail "lunet $* <TAB>: got '$got', want '$want'"
}

bash --norc --noprofile -c '. "$1" && complete -p lunet' _ "$comp" |
	grep -q -- "-F _lunet lunet" || fail "the completion does not register for lunet"
expect_completion "$(help_commands)" ""
expect_completion "doctor down" d
expect_completion "--help --version" --
# Options come from the binary's help.
expect_completion "--name --quiet --topo --machines --push --events --help" run --
expect_completion "--write" capture manchk --w
expect_completion "--json" stats x --js
# Generators and their options, as lua/lib/topo.lua has them.
gens=$(sed -n 's/^function topo\.\([a-z_]*\)(.*/\1/p' "$SRC/lua/lib/topo.lua")
[ -n "$gens" ] || fail "no generators found in lua/lib/topo.lua"
expect_completion "$gens" run --topo ""
expect_completion "$gens" console -t ""
for g in $gens; do
	# The positional names: options(o, "GEN", { "a", "b" }, types).
	keys=$(sed -n "s/.*options(o, \"$g\", { \([^}]*\) }.*/\1/p" "$SRC/lua/lib/topo.lua" |
		tr -d '",' )
	want=$(for k in $keys; do echo "$g,$k="; done)
	expect_completion "$want" up --topo "$g,"
done
# Files for FILE.
expect_completion "$SRC/examples/demo.lua" run "$SRC/examples/dem"
expect_completion "$SRC/examples/demo.lua" graph "$SRC/examples/dem"
expect_completion "svg png dot" graph -T ""
expect_completion "" web x --addr ""

# Emulations and their nodes, from a running one.
e=$(emu_name comp)
expect_ok "$LUNET" up -q --name "$e" "$SRC/examples/demo.lua"
for c in down stats clean impair capture exec graph web; do
	expect_completion "$e" "$c" "$RUN_ID"
done
expect_completion "$e" console --attach "$RUN_ID"
expect_completion "$e" down other "$RUN_ID"
expect_completion "h1 h2 h3 h4 r1 s1 s2" exec "$e" ""
expect_completion "h1 h2 h3 h4" exec -q "$e" h
expect_completion "r1" impair "$e" s1 r
expect_completion "s1" impair "$e" s1 r1 --from s1
expect_completion "h1 h2 h3 h4 r1 s1 s2" capture "$e" h1:eth0 ""
expect_completion "eth0 lo" capture "$e" h1 : ""
expect_completion "br0 eth0 eth1 eth2 lo" capture "$e" s1 :
expect_completion "" exec "$e" nosuch-node-x
expect_completion "" exec "${RUN_ID}_nosuch" ""
expect_ok "$LUNET" down "$e"
expect_completion "" down "$e"
assert_clean "$e"
