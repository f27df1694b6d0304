# Two emulations of one topology run side by side, each on its own.
. "$(dirname "$0")/lib.sh"
a=$(emu_name a)
b=$(emu_name b)
expect_ok "$LUNET" up --name "$a" "$SRC/examples/demo.lua"
expect_ok "$LUNET" up --name "$b" "$SRC/examples/demo.lua"
expect_ok "$LUNET" exec "$a" h1 ping -c1 -W2 10.0.1.2
expect_ok "$LUNET" exec "$b" h1 ping -c1 -W2 10.0.1.2
# Taking one down leaves the other whole.
expect_ok "$LUNET" down "$a"
assert_clean "$a"
expect_ok "$LUNET" exec "$b" h4 ping -c1 -W2 10.0.0.1
expect_ok "$LUNET" down "$b"
assert_clean "$b"
