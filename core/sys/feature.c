#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/netlink/bpf.h"
#include "core/sys/feature.h"
#include "core/sys/netns.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "core/netlink/tc.h"

static const struct {
	const char *name, *kind, *config, *use;
} features[FEAT_COUNT] = {
	[FEAT_VETH] = { "veth", "veth", "CONFIG_VETH", "every link" },
	[FEAT_BRIDGE] = { "bridge", "bridge", "CONFIG_BRIDGE", "switches" },
	[FEAT_VXLAN] = { "vxlan", "vxlan", "CONFIG_VXLAN",
			 "links between machines" },
	[FEAT_MACVLAN] = { "macvlan", "macvlan", "CONFIG_MACVLAN",
			   "not used yet" },
	[FEAT_IFB] = { "ifb", "ifb", "CONFIG_IFB", "not used yet" },
	[FEAT_VLAN] = { "vlan", "vlan", "CONFIG_VLAN_8021Q", "not used yet" },
	[FEAT_DUMMY] = { "dummy", "dummy", "CONFIG_DUMMY", "not used" },
	[FEAT_VRF] = { "vrf", "vrf", "CONFIG_NET_VRF", "not used" },
	[FEAT_GRE] = { "gre", "gretap", "CONFIG_NET_IPGRE", "not used" },
	[FEAT_GENEVE] = { "geneve", "geneve", "CONFIG_GENEVE", "not used" },
	[FEAT_TBF] = { "tbf", "tbf", "CONFIG_NET_SCH_TBF", "link rate" },
	[FEAT_CLSACT] = { "clsact", "clsact", "CONFIG_NET_SCH_INGRESS",
			  "loss, corruption, duplication, delay" },
	[FEAT_TC_BPF] = { "tc-bpf", "bpf", "CONFIG_NET_CLS_BPF",
			  "loss, corruption, duplication, delay" },
	[FEAT_NETEM] = { "netem", "netem", "CONFIG_NET_SCH_NETEM",
			 "not used: lunet's own paths are seeded" },
};

static signed char cache[FEAT_COUNT]; /* 0 unknown, 1 has, 2 lacks */

const char *feature_name(enum feature f)
{
	return features[f].name;
}

const char *feature_config(enum feature f)
{
	return features[f].config;
}

const char *feature_use(enum feature f)
{
	return features[f].use;
}

static int told_missing(enum feature f)
{
	const char *list = getenv("LUNET_KERNEL_LACKS");
	size_t n = strlen(features[f].name);
	const char *p;

	for (p = list; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, features[f].name, n) &&
		    (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

/* Asks for one link of kind in the current (throwaway) namespace. */
static int ask(struct nl *nl, const char *kind)
{
	struct nl_batch *b = nl_batch_new(512);
	struct nlmsghdr *nlh;
	struct nl_fail fail;
	int rc;

	if (!b)
		return -ENOMEM;
	nlh = rtnl_link_new_kind(nl_batch_tail(b), nl_batch_room(b), "probe0",
				 kind);
	rc = nlh ? nl_batch_push(b, nlh, 0) : -ENOSPC;
	if (!rc)
		rc = nl_batch_send(nl, b, &fail);
	nl_batch_free(b);
	if (rc == -EOPNOTSUPP)
		return 0;
	if (rc && fail.tag == UINT32_MAX)
		return rc; /* the transport failed, not the request */
	return 1;
}

/* Asks for a qdisc of kind on the loopback (ifindex 1) of the current
 * (throwaway) namespace; for the BPF classifier, loads a program that
 * does nothing and attaches it to a clsact qdisc there. */
static int ask_tc(struct nl *nl, enum feature f)
{
	struct bpf_insn nop[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct nl_batch *b = nl_batch_new(512);
	struct nlmsghdr *nlh = NULL;
	struct nl_fail fail;
	int rc, prog = -1;

	if (!b)
		return -ENOMEM;
	if (f == FEAT_TC_BPF) {
		prog = bpf_prog_load_cls("lunet_probe", nop, 2, NULL, 0);
		if (prog < 0) {
			nl_batch_free(b);
			return 0;
		}
		nlh = tc_clsact_new(nl_batch_tail(b), nl_batch_room(b), 1);
		rc = nlh ? nl_batch_push(b, nlh, 0) : -ENOSPC;
		if (!rc)
			nlh = tc_bpf_new(nl_batch_tail(b), nl_batch_room(b), 1,
					 true, prog, "lunet_probe");
	} else if (f == FEAT_CLSACT) {
		nlh = tc_clsact_new(nl_batch_tail(b), nl_batch_room(b), 1);
	} else {
		nlh = tc_qdisc_kind_new(nl_batch_tail(b), nl_batch_room(b), 1,
					features[f].kind);
	}
	rc = nlh ? nl_batch_push(b, nlh, 1) : -ENOSPC;
	if (!rc)
		rc = nl_batch_send(nl, b, &fail);
	nl_batch_free(b);
	if (prog >= 0)
		close(prog);
	if (rc && fail.tag == UINT32_MAX)
		return rc;
	if (f == FEAT_TC_BPF || f == FEAT_CLSACT)
		return !rc;
	return rc != -ENOENT && rc != -EOPNOTSUPP;
}

static int probe(enum feature f)
{
	int home, rc;
	struct nl *nl;

	home = netns_open_self();
	if (home < 0)
		return home;
	if (unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
		close(home);
		return rc;
	}
	nl = nl_open();
	if (!nl)
		rc = -errno;
	else if (f >= FEAT_TBF)
		rc = ask_tc(nl, f);
	else
		rc = ask(nl, features[f].kind);
	nl_close(nl);
	/* The throwaway namespace, and whatever the probe made in it, goes
	 * away with our last reference when we leave. */
	if (netns_return(home) < 0)
		rc = -EBADF;
	close(home);
	return rc;
}

int feature_has(enum feature f)
{
	int rc;

	if (f >= FEAT_COUNT)
		return -EINVAL;
	if (told_missing(f))
		return 0;
	if (cache[f])
		return cache[f] == 1;
	rc = probe(f);
	if (rc >= 0)
		cache[f] = rc ? 1 : 2;
	return rc;
}
