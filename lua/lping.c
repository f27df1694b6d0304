/* net:ping() and net:pingall(), through lunet's own prober. */
#include <errno.h>
#include <ev.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine/engine.h"
#include "core/sys/netns.h"
#include "core/observe/probe.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "topo/topo.h"

struct job {
	char **srcs;        /* namespace path per source */
	uint32_t *src_node; /* node index per source */
	uint32_t *dst_node; /* node index per pair */
	struct probe_pair *pairs;
	size_t nsrcs, npairs;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void job_free(struct job *j)
{
	size_t i;

	for (i = 0; i < j->nsrcs; i++)
		free(j->srcs[i]);
	free(j->srcs);
	free(j->src_node);
	free(j->dst_node);
	free(j->pairs);
}

/* Sources are numbered by node: src_of[node] is the node's source index,
 * allocated the first time a pair leaves from it. */
static int add_pair(struct job *j, struct lnet *n, uint32_t *src_of,
		    uint32_t a, uint32_t b)
{
	char path[NETNS_PATHSIZ];
	struct probe_pair *p = &j->pairs[j->npairs];

	if (src_of[a] == TOPO_NONE) {
		emu_nspath(n->emu, a, path, sizeof(path));
		j->srcs[j->nsrcs] = strdup(path);
		if (!j->srcs[j->nsrcs])
			return -1;
		j->src_node[j->nsrcs] = a;
		src_of[a] = j->nsrcs++;
	}
	memset(p, 0, sizeof(*p));
	p->src = src_of[a];
	p->dst_ip = topo_node_ip(n->topo, b);
	j->dst_node[j->npairs++] = b;
	return 0;
}

static int job_alloc(struct job *j, size_t nnodes, size_t npairs)
{
	memset(j, 0, sizeof(*j));
	j->srcs = calloc(nnodes + 1, sizeof(*j->srcs));
	j->src_node = calloc(nnodes + 1, sizeof(*j->src_node));
	j->dst_node = calloc(npairs + 1, sizeof(*j->dst_node));
	j->pairs = calloc(npairs + 1, sizeof(*j->pairs));
	return j->srcs && j->src_node && j->dst_node && j->pairs ? 0 : -1;
}

/* Across machines: each pair probed by the machine of its source (no
 * round-trip times come back). */
static int job_run_remote(lua_State *L, struct job *j, struct lnet *n)
{
	uint32_t *src = malloc((j->npairs + 1) * sizeof(*src));
	uint32_t *dst = malloc((j->npairs + 1) * sizeof(*dst));
	int *ok = calloc(j->npairs + 1, sizeof(*ok));
	struct err err;
	size_t i;
	int rc = -ENOMEM;

	err_clear(&err);
	if (src && dst && ok) {
		for (i = 0; i < j->npairs; i++) {
			src[i] = j->src_node[j->pairs[i].src];
			dst[i] = j->pairs[i].dst_ip;
		}
		rc = emu_ping(n->emu, src, dst, j->npairs, ok, &err);
		for (i = 0; rc >= 0 && i < j->npairs; i++)
			j->pairs[i].ok = ok[i];
	}
	free(src);
	free(dst);
	free(ok);
	if (rc < 0) {
		job_free(j);
		return luaL_error(L, "network '%s': cannot probe: %s",
				  n->topo->name,
				  err.msg[0] ? err.msg : strerror(-rc));
	}
	return rc;
}

static int job_run(lua_State *L, struct job *j, struct lnet *n,
		   const struct probe_opts *po)
{
	int rc;

	if (emu_remote(n->emu))
		return job_run_remote(L, j, n);
	rc = probe_run(EV_DEFAULT, (const char *const *)j->srcs, j->nsrcs,
		       j->pairs, j->npairs, po);
	if (rc < 0) {
		job_free(j);
		return luaL_error(L, "network '%s': cannot probe: %s",
				  n->topo->name, strerror(-rc));
	}
	return rc;
}

int lping_ping(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t a = lnode_arg(L, 2, n), b = lnode_arg(L, 3, n);
	uint32_t *src_of;
	struct job j;

	lnet_need_running(L, n);
	if (!topo_node_ip(n->topo, b))
		return luaL_error(L, "node %s has no address to ping",
				  n->topo->nodes[b].name);
	src_of = malloc(n->topo->nnodes * sizeof(*src_of));
	if (!src_of || job_alloc(&j, 1, 1)) {
		free(src_of);
		return luaL_error(L, "out of memory");
	}
	memset(src_of, 0xff, n->topo->nnodes * sizeof(*src_of));
	if (add_pair(&j, n, src_of, a, b)) {
		free(src_of);
		job_free(&j);
		return luaL_error(L, "out of memory");
	}
	free(src_of);
	job_run(L, &j, n, NULL);
	lua_pushboolean(L, j.pairs[0].ok);
	if (j.pairs[0].ok)
		lua_pushnumber(L, j.pairs[0].rtt * 1000.0);
	else
		lua_pushnil(L);
	job_free(&j);
	return 2;
}

static void push_result(lua_State *L, struct lnet *n, struct job *j, int ok,
			double secs)
{
	lua_Integer k = 0;
	size_t i;

	lua_createtable(L, 0, 6);
	lua_pushinteger(L, j->npairs);
	lua_setfield(L, -2, "pairs");
	lua_pushinteger(L, ok);
	lua_setfield(L, -2, "ok");
	lua_pushnumber(L, j->npairs ? (double)(j->npairs - ok) / j->npairs : 0);
	lua_setfield(L, -2, "loss");
	lua_pushnumber(L, secs);
	lua_setfield(L, -2, "time");
	lua_newtable(L);
	for (i = 0; i < j->npairs; i++) {
		if (j->pairs[i].ok)
			continue;
		lua_createtable(L, 2, 0);
		lua_pushstring(L,
			       n->topo->nodes[j->src_node[j->pairs[i].src]].name);
		lua_rawseti(L, -2, 1);
		lua_pushstring(L, n->topo->nodes[j->dst_node[i]].name);
		lua_rawseti(L, -2, 2);
		lua_rawseti(L, -2, ++k);
	}
	lua_setfield(L, -2, "failed");
}

static uint32_t *host_list(struct lnet *n, uint32_t *nhosts)
{
	uint32_t *hosts, i, k = 0;

	hosts = malloc((n->topo->nnodes + 1) * sizeof(*hosts));
	if (!hosts)
		return NULL;
	for (i = 0; i < n->topo->nnodes; i++)
		if (n->topo->nodes[i].kind == TOPO_HOST &&
		    topo_node_ip(n->topo, i))
			hosts[k++] = i;
	*nhosts = k;
	return hosts;
}

/* All ordered pairs from srcs[] to dsts[] (a node never to itself), or
 * sample of them drawn at random. */
static int fill_pairs(struct job *j, struct lnet *n, const uint32_t *srcs,
		      uint32_t ns, const uint32_t *dsts, uint32_t nd,
		      size_t sample, uint32_t *src_of)
{
	size_t s, tries;
	uint32_t a, b;

	if (sample) {
		for (s = tries = 0; s < sample && tries < 64 * sample; tries++) {
			a = (uint32_t)(random() % ns);
			b = (uint32_t)(random() % nd);
			if (srcs[a] == dsts[b])
				continue;
			if (add_pair(j, n, src_of, srcs[a], dsts[b]))
				return -1;
			s++;
		}
		return 0;
	}
	for (a = 0; a < ns; a++)
		for (b = 0; b < nd; b++)
			if (srcs[a] != dsts[b] &&
			    add_pair(j, n, src_of, srcs[a], dsts[b]))
				return -1;
	return 0;
}

/* The nodes of the option key (an array of nodes or names), or every
 * host when the option is absent, into an array pushed as a userdata (a
 * bad node raises with nothing to free); *count counts those that answer
 * pings (that have an address). */
static uint32_t *group_list(lua_State *L, struct lnet *n, const char *key,
			    uint32_t *count)
{
	uint32_t *list, *hosts, k = 0, i;
	lua_Integer m, len;

	if (lua_istable(L, 2) && lua_getfield(L, 2, key) != LUA_TNIL) {
		len = (lua_Integer)luaL_len(L, -1);
		list = lua_newuserdatauv(L, ((size_t)len + 1) * sizeof(*list), 0);
		for (m = 1; m <= len; m++) {
			lua_rawgeti(L, -2, m);
			i = lnode_arg(L, -1, n);
			lua_pop(L, 1);
			if (topo_node_ip(n->topo, i))
				list[k++] = i;
		}
		lua_remove(L, -2);
		*count = k;
		return list;
	}
	if (lua_istable(L, 2))
		lua_pop(L, 1);
	list = lua_newuserdatauv(L, (n->topo->nnodes + 1) * sizeof(*list), 0);
	hosts = host_list(n, count);
	if (!hosts)
		return NULL;
	memcpy(list, hosts, *count * sizeof(*list));
	free(hosts);
	return list;
}

/* net:pingall{sample=, from=, to=, timeout=, tries=} */
int lping_pingall(lua_State *L)
{
	static const struct lopt known[] = {
		{ "sample", LOPT_INTEGER },
		{ "from", LOPT_TABLE },
		{ "to", LOPT_TABLE },
		{ "timeout", LOPT_DURATION },
		{ "tries", LOPT_INTEGER },
		{ NULL, 0 },
	};
	struct lnet *n = lnet_check(L, 1);
	uint32_t *srcs = NULL, *dsts = NULL, *src_of, ns = 0, nd = 0, i;
	struct probe_opts po = { 0 };
	size_t total, npairs;
	lua_Integer sample = 0;
	struct job j;
	double t0;
	int ok, rc;

	lopts_check(L, 2, known, "net:pingall{}");
	sample = lopts_integer(L, 2, "sample", 0);
	po.tries = (int)lopts_integer(L, 2, "tries", 0);
	if (po.tries < 0 || po.tries > 100)
		return luaL_error(L, "net:pingall{}: tries must be from 1 to 100");
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "timeout");
		if (!lua_isnil(L, -1))
			po.timeout = ltime_checkduration(L, -1);
		lua_pop(L, 1);
	}
	lnet_need_running(L, n);
	/* The lists first: a bad node in them raises before malloc(). */
	srcs = group_list(L, n, "from", &ns);
	dsts = group_list(L, n, "to", &nd);
	src_of = malloc((n->topo->nnodes + 1) * sizeof(*src_of));
	total = 0;
	for (i = 0; srcs && dsts && i < ns; i++) {
		uint32_t b;

		for (b = 0; b < nd; b++)
			total += srcs[i] != dsts[b];
	}
	npairs = sample > 0 && (size_t)sample < total ? (size_t)sample : total;
	if (!srcs || !dsts || !src_of ||
	    job_alloc(&j, n->topo->nnodes, npairs)) {
		free(src_of);
		return luaL_error(L, "out of memory");
	}
	memset(src_of, 0xff, (n->topo->nnodes + 1) * sizeof(*src_of));
	rc = total ? fill_pairs(&j, n, srcs, ns, dsts, nd,
				npairs < total ? npairs : 0, src_of) : 0;
	free(src_of);
	if (rc) {
		job_free(&j);
		return luaL_error(L, "out of memory");
	}
	t0 = now();
	ok = j.npairs ? job_run(L, &j, n, &po) : 0;
	push_result(L, n, &j, ok, now() - t0);
	job_free(&j);
	return 1;
}
