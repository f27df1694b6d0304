# Kubernetes: "lunet k8s manifests" validated against the Kubernetes API's
# schemas (tests/k8s/validate.mjs, kubernetes-models), and the k8s:
# transport exercised for real with a stand-in kubectl (tests/k8s/bin)
# that maps "kubectl exec -i -n NS POD --" onto simulated pods: a network
# namespace and a mount namespace with a private /run each, on a pod
# network bridge, as a cluster's pods are.  There is no cluster here.
. "$(dirname "$0")/lib.sh"

[ -d "$SRC/tests/k8s/node_modules/kubernetes-models" ] ||
	fail "the validator is not installed: run 'make deps'"

# The manifests: valid, and the validator does catch what is wrong.
"$LUNET" k8s manifests --workers 3 --namespace lab --image registry.example/lunet:1 >"$TMP/m.yaml" ||
	fail "lunet k8s manifests failed"
cat "$TMP/m.yaml"
node "$SRC/tests/k8s/validate.mjs" "$TMP/m.yaml" >"$TMP/v" 2>&1 || { cat "$TMP/v"; fail "manifests invalid"; }
cat "$TMP/v"
[ "$(grep -c '^valid: ' "$TMP/v")" = 3 ] || fail "expected 3 valid documents"
grep -q "replicas: 3" "$TMP/m.yaml" || fail "not 3 replicas"
grep -q "namespace: lab" "$TMP/m.yaml" || fail "not in namespace lab"
grep -q "privileged: true" "$TMP/m.yaml" || fail "workers not privileged"
grep -q "fieldPath: status.podIP" "$TMP/m.yaml" || fail "no POD_IP for the worker"
sed 's/replicas: 3/replicas: three/' "$TMP/m.yaml" >"$TMP/bad.yaml"
node "$SRC/tests/k8s/validate.mjs" "$TMP/bad.yaml" >"$TMP/v" 2>&1 && fail "the validator took a bad manifest"
grep -q "replicas must be integer" "$TMP/v" || { cat "$TMP/v"; fail "the validator's reason"; }
expect_fail "not a Kubernetes name" "$LUNET" k8s manifests --namespace Lab
expect_fail "from 1 to 1024" "$LUNET" k8s manifests --workers 0

# Two simulated pods of the StatefulSet lab/lunet-worker on a pod network.
pods="$TMP/pods"
mkdir -p "$pods/lab"
net="lunet-${RUN_ID}-podnet"
ip netns add "$net" || fail "cannot make the pod network"
at_exit "ip netns del $net"
ip -n "$net" link add br0 type bridge
ip -n "$net" link set br0 up
for k in 0 1; do
	pod=lunet-worker-$k
	ns="lunet-${RUN_ID}-pod$k"
	ip netns add "$ns" || fail "cannot make pod $k"
	at_exit "ip netns del $ns"
	ip link add "p${RUN_ID}$k" netns "$net" type veth peer name eth0 netns "$ns"
	ip -n "$net" link set "p${RUN_ID}$k" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "198.18.64.$((k + 10))/24" dev eth0
	echo "198.18.64.$((k + 10))" >"$pods/lab/$pod.ip"
	# The pod's holder: its namespaces live as long as it does.
	ip netns exec "$ns" unshare --mount --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && exec sleep 100000' &
	echo $! >"$pods/lab/$pod.pid"
	at_exit "kill -9 $!"
done
sleep 0.5
export LUNET_K8S_PODS=$pods
# kubectl is the stand-in; lunet in the pods is this one.
bindir=$(cd "$(dirname "$LUNET")" && pwd)
[ -x "$bindir/lunet" ] || fail "no 'lunet' beside $LUNET for the pods"
export PATH="$(cd "$SRC" && pwd)/tests/k8s/bin:$bindir:$PATH"

e=$(emu_name k8s)
expect_ok "$LUNET" run --name "$e" --machines k8s:lab/lunet-worker:2 --topo fattree,k=4
grep -q "up on k8s:lab/lunet-worker:2: 36 nodes" "$TMP/out" || fail "not built on the two pods"
grep -q "pingall: 240/240 pairs reachable" "$TMP/out" || fail "pingall across pods failed"

# Left up: the nodes are in the pods, joined by VXLAN between pod IPs.
expect_ok "$LUNET" up --name "$e" --machines k8s:lab/lunet-worker:2 --topo fattree,k=4
expect_ok "$LUNET" exec "$e" core1 ip -d -o link show
grep -q "vxlan id [0-9]* remote 198.18.64.1[01] local 198.18.64.1[01]" "$TMP/out" ||
	fail "no VXLAN between the pods' addresses"
ls /run/netns | grep -F "lunet-$e-" && fail "node namespaces on the host, not in the pods"
expect_ok "$LUNET" down "$e"
assert_clean "$e"
for k in 0 1; do
	left=$(nsenter -t "$(cat "$pods/lab/lunet-worker-$k.pid")" -m -n ls /run/netns 2>/dev/null | grep -F "lunet-$e-" || true)
	[ -z "$left" ] || fail "pod $k keeps: $left"
done

# A pod that is not there is named.
expect_fail "lunet-worker-2" "$LUNET" run --name "$e" --machines k8s:lab/lunet-worker:3 --topo fattree,k=4
assert_clean "$e"
echo "ok: k8s"
