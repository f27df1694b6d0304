# lunet doctor's answers agree with what the kernel really does: each link
# kind is tried with ip(8), each qdisc with tc(8), in a throwaway
# namespace, and compared.
. "$(dirname "$0")/lib.sh"
expect_ok "$LUNET" doctor
for kind in veth:veth bridge:bridge vxlan:"vxlan id 1" macvlan:"macvlan" \
	dummy:dummy vrf:"vrf table 10" vlan:"vlan id 5" gre:gretap geneve:"geneve id 1 remote 127.0.0.2"; do
	name=${kind%%:*}
	spec=${kind#*:}
	case $name in
	macvlan|vlan) spec="link p0 type $spec" ;;
	*) spec="type $spec" ;;
	esac
	# shellcheck disable=SC2086
	if unshare -n sh -c "ip link add p0 type veth peer p1 2>/dev/null; ip link add x0 $spec" >/dev/null 2>&1; then
		want=yes
	else
		want=missing
	fi
	got=$(awk -v n="$name" '$1 == n {print $2}' "$TMP/out")
	[ "$got" = "$want" ] || fail "doctor says $name is '$got', the kernel says '$want'"
done
# The qdiscs too, against tc(8).
for q in tbf:"tbf rate 1mbit burst 10k latency 50ms" netem:netem clsact:clsact; do
	name=${q%%:*}
	spec=${q#*:}
	case $name in clsact) where="" ;; *) where="root" ;; esac
	# shellcheck disable=SC2086
	if unshare -n sh -c "ip link set lo up; tc qdisc add dev lo $where $spec" >/dev/null 2>&1; then
		want=yes
	else
		want=missing
	fi
	got=$(awk -v n="$name" '$1 == n {print $2}' "$TMP/out")
	[ "$got" = "$want" ] || fail "doctor says $name is '$got', tc says '$want'"
done
# Every impairment has a path, or a reason it is refused.
for p in delay jitter loss corrupt duplicate reorder rate; do
	grep -qE "^$p +[a-z]" "$TMP/out" || fail "doctor has no path for $p"
done
LUNET_KERNEL_LACKS=bridge "$LUNET" doctor >"$TMP/o" 2>&1 && fail "doctor exits 0 without bridges"
grep -qE "^bridge +missing" "$TMP/o" || fail "doctor does not report bridge missing"
true
