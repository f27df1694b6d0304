/*
 * feature: what this kernel can do, found by asking it.
 *
 * Each link kind is probed by requesting one in a throwaway network
 * namespace: "Unknown device type" (EOPNOTSUPP, after the kernel tried to
 * load the module) means the kernel lacks it; any other answer, success or
 * a complaint about missing attributes, means the kind exists.  Qdiscs
 * likewise, on the throwaway namespace's loopback ("Specified qdisc kind
 * is unknown", ENOENT); the tc BPF classifier by loading a program that
 * does nothing and attaching it.  Results are cached for the life of the
 * process.
 *
 * LUNET_KERNEL_LACKS (a comma-separated list of feature names) makes lunet
 * treat those features as missing: it lets tests exercise the refusal
 * paths on a kernel that has everything.
 */
#ifndef LUNET_FEATURE_H
#define LUNET_FEATURE_H

enum feature {
	FEAT_VETH,
	FEAT_BRIDGE,
	FEAT_VXLAN,
	FEAT_MACVLAN,
	FEAT_IFB,
	FEAT_VLAN,
	FEAT_DUMMY,
	FEAT_VRF,
	FEAT_GRE,
	FEAT_GENEVE,
	/* qdiscs and BPF, for link impairments (core/engine/impair.c) */
	FEAT_TBF,
	FEAT_CLSACT,
	FEAT_TC_BPF,
	FEAT_NETEM,
	FEAT_COUNT,
};

/* 1 when the kernel has f, 0 when it lacks it, -errno when the probe
 * itself failed (for example without root). */
int feature_has(enum feature f);

const char *feature_name(enum feature f);   /* "bridge" */
const char *feature_config(enum feature f); /* "CONFIG_BRIDGE" */
const char *feature_use(enum feature f);    /* what lunet uses it for */

#endif
