# A build that fails halfway removes everything it made, and nothing it
# did not make.
. "$(dirname "$0")/lib.sh"
e=$(emu_name rb)
# A namespace that is not the emulation's, where the build will want h3's.
ip netns add "lunet-$e-h3"
at_exit "ip netns del lunet-$e-h3"
expect_fail "node h3: namespace .*lunet-$e-h3 already exists" \
	"$LUNET" run --name "$e" "$SRC/examples/demo.lua"
[ -e "/run/netns/lunet-$e-h3" ] || fail "the foreign namespace was removed"
left=$(ls /run/netns | grep -F "lunet-$e-" | grep -vx "lunet-$e-h3" || true)
[ -z "$left" ] || fail "left behind: $left"
[ -e "/run/lunet/$e" ] && fail "record left behind"
ip netns del "lunet-$e-h3"
true

