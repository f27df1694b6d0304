/*
 * Link impairments from Lua: l:impair{...}, l:impairments(), and the
 * impairment options of net:link() (core/impair/impair.h, docs/links.md).
 *
 * Before the network starts, settings are kept in the network (struct
 * lnet) and applied as the last step of net:start(); a failure there
 * tears the network down again.  While it runs, l:impair{} changes the
 * kernel at once.
 */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "core/impair/impair.h"
#include "lua/lfault_int.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "topo/topo.h"

/* Reads parameter p from the value at the top of the stack. */
static void read_param(lua_State *L, struct impair_spec *s,
		       enum impair_param p, const char *key)
{
	char buf[64];
	struct err err;
	const char *text;

	err_clear(&err);
	if (lua_type(L, -1) == LUA_TNUMBER) {
		double v = lua_tonumber(L, -1);

		switch (p) {
		case IMP_DELAY:
		case IMP_JITTER:
			/* seconds, as everywhere in lunet's Lua API */
			snprintf(buf, sizeof(buf), "%.9fs", v);
			break;
		case IMP_RATE:
			snprintf(buf, sizeof(buf), "%.0f", v);
			if (v < 0 || !isfinite(v))
				snprintf(buf, sizeof(buf), "%g", v);
			break;
		case IMP_LIMIT:
		case IMP_SEED:
			/* an integer: lopts_check() saw to it */
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)lua_tointeger(L, -1));
			break;
		default:
			snprintf(buf, sizeof(buf), "%.17g", v);
		}
		text = buf;
	} else {
		text = lua_tostring(L, -1); /* a string: lopts_check() */
	}
	if (impair_spec_parse(s, p, text, &err))
		luaL_error(L, "%s", err.msg);
}

/* Reads the impairments in the options table at idx (checked with
 * LIMPAIR_OPTS among its options) into s; other keys are not its. */
static void read_spec(lua_State *L, int idx, struct impair_spec *s)
{
	enum impair_param p;
	const char *k;

	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 1);
			continue;
		}
		k = lua_tostring(L, -2);
		p = impair_param_find(k);
		if (p != IMP_NPARAMS)
			read_param(L, s, p, k);
		lua_pop(L, 1);
	}
}

/* The settings kept for end id of network n before it starts. */
static struct impair_spec *kept(lua_State *L, struct lnet *n, uint32_t id)
{
	uint32_t need = 2 * n->topo->nlinks, i;
	struct impair_spec *p;

	if (need > n->nimp) {
		p = realloc(n->imp, need * sizeof(*p));
		if (!p)
			luaL_error(L, "out of memory");
		for (i = n->nimp; i < need; i++)
			memset(&p[i], 0, sizeof(*p));
		n->imp = p;
		n->nimp = need;
	}
	return &n->imp[id];
}

void limpair_get(struct lnet *n, uint32_t l, int side, struct impair_spec *s,
		 struct impair_counts *c)
{
	uint32_t id = 2 * l + (uint32_t)side;

	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	if (n->emu)
		emu_impair_get(n->emu, l, side, s, c);
	else if (id < n->nimp)
		*s = n->imp[id];
}

int limpair_set(lua_State *L, struct lnet *n, uint32_t l, int from,
		const struct impair_spec *s, struct err *err)
{
	char name[160], text[200];
	struct impair_spec drawn;
	uint32_t side;
	int rc;

	rc = impair_spec_check(s, err);
	if (!rc)
		rc = impair_spec_supported(s, err);
	if (rc)
		return rc;
	if (!s->seeded && !impair_spec_empty(s)) {
		/* from Lua's generator, which "lunet test --seed" seeds */
		drawn = *s;
		lua_getglobal(L, "math");
		lua_getfield(L, -1, "random");
		lua_pushinteger(L, 1);
		lua_pushinteger(L, (lua_Integer)1 << 53);
		if (lua_pcall(L, 2, 1, 0) == LUA_OK && lua_isinteger(L, -1)) {
			drawn.seed = (uint64_t)lua_tointeger(L, -1);
			drawn.seeded = true;
			s = &drawn;
		}
		lua_pop(L, 2);
	}
	if (!n->emu) {
		for (side = 0; side < 2; side++)
			if (from < 0 || (uint32_t)from == side)
				*kept(L, n, 2 * l + side) = *s;
		return 0;
	}
	rc = emu_impair(n->emu, l, from, s, err);
	if (rc)
		return rc;
	topo_link_name(n->topo, l, name, sizeof(name));
	impair_spec_format(s, text, sizeof(text));
	levent(L, "impair", "net:s", n->topo->name, "link:s", name, "from:s",
	       from < 0 ? "both" :
			  n->topo->nodes[topo_link_node(n->topo, l, from)].name,
	       "spec:s", text, NULL);
	return 0;
}

/* Sets link l's direction(s) (from: 0, 1 or -1 for both) to s. */
static void impair_link(lua_State *L, struct lnet *n, uint32_t l, int from,
			const struct impair_spec *s)
{
	struct err err;

	err_clear(&err);
	if (limpair_set(L, n, l, from, s, &err))
		luaL_error(L, "%s", err.msg);
}

/* The side of link l whose node is the argument at idx. */
static int side_of(lua_State *L, int idx, struct lnet *n, uint32_t l)
{
	uint32_t node = lnode_arg(L, idx, n);
	const struct topo_link *k = &n->topo->links[l];

	if (n->topo->ports[k->port[0]].node == node)
		return 0;
	if (n->topo->ports[k->port[1]].node == node)
		return 1;
	return luaL_error(L, "from: node %s is not an end of this link",
			  n->topo->nodes[node].name);
}

/* l:impair{ delay=, jitter=, loss=, corrupt=, duplicate=, reorder=, rate=,
 *           limit=, seed=, from= } */
static int l_impair(lua_State *L)
{
	static const struct lopt known[] = {
		LIMPAIR_OPTS,
		{ "from", LOPT_NODE | LOPT_STRING },
		{ NULL, 0 },
	};
	struct impair_spec s;
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);
	char name[160];
	int from = -1;

	lua_settop(L, 2);
	lopts_check(L, 2, known, "link %s:impair{}",
		    topo_link_name(n->topo, l, name, sizeof(name)));
	if (lua_isnil(L, 2)) {
		lua_newtable(L);
		lua_replace(L, 2);
	}
	memset(&s, 0, sizeof(s));
	read_spec(L, 2, &s);
	if (lua_getfield(L, 2, "from") != LUA_TNIL)
		from = side_of(L, -1, n, l);
	lua_pop(L, 1);
	impair_link(L, n, l, from, &s);
	return 0;
}

static void push_dir(lua_State *L, struct lnet *n, uint32_t l, int side)
{
	struct impair_counts c;
	struct impair_spec s;
	char text[200];

	limpair_get(n, l, side, &s, &c);
	lua_createtable(L, 0, 16);
	impair_spec_format(&s, text, sizeof(text));
	lua_pushstring(L, text);
	lua_setfield(L, -2, "text");
#define NUM(k, v)                                                             \
	do {                                                                  \
		lua_pushnumber(L, v);                                         \
		lua_setfield(L, -2, k);                                       \
	} while (0)
#define INT(k, v)                                                             \
	do {                                                                  \
		lua_pushinteger(L, (lua_Integer)(v));                         \
		lua_setfield(L, -2, k);                                       \
	} while (0)
	NUM("delay", (double)s.delay_ns / 1e9);
	NUM("jitter", (double)s.jitter_ns / 1e9);
	NUM("loss", s.loss);
	NUM("corrupt", s.corrupt);
	NUM("duplicate", s.dup);
	NUM("reorder", s.reorder);
	INT("rate", s.rate);
	INT("seed", s.seed);
	INT("seen", c.seen);
	INT("lost", c.lost);
	INT("corrupted", c.corrupted);
	INT("duplicated", c.duplicated);
	INT("delayed", c.delayed);
	INT("reordered", c.reordered);
	INT("overflow", c.overflow);
#undef NUM
#undef INT
}

/* l:impairments() -> { a = {...}, b = {...} }: each direction by the end
 * it leaves, with its settings and what it did. */
static int l_impairments(lua_State *L)
{
	struct lnet *n;
	uint32_t l = llink_check(L, 1, &n);

	lua_createtable(L, 0, 2);
	push_dir(L, n, l, 0);
	lua_setfield(L, -2, "a");
	push_dir(L, n, l, 1);
	lua_setfield(L, -2, "b");
	return 1;
}

void limpair_link_opts(lua_State *L, int opts, struct lnet *n, uint32_t l)
{
	struct impair_spec s;

	if (lua_isnoneornil(L, opts))
		return;
	memset(&s, 0, sizeof(s));
	read_spec(L, opts, &s);
	if (!impair_spec_empty(&s))
		impair_link(L, n, l, -1, &s);
}

int limpair_apply(struct lnet *n, struct err *err)
{
	uint32_t id;
	int rc;

	for (id = 0; id < n->nimp && id < 2 * n->topo->nlinks; id++) {
		if (impair_spec_empty(&n->imp[id]))
			continue;
		rc = emu_impair(n->emu, id / 2, (int)(id % 2), &n->imp[id],
				err);
		if (rc)
			return rc;
	}
	return 0;
}

void limpair_reset(lua_State *L, struct lnet *n)
{
	struct impair_spec now, built, none;
	struct impair_counts c;
	struct err err;
	uint32_t id;

	if (!n->emu)
		return;
	memset(&none, 0, sizeof(none));
	for (id = 0; id < 2 * n->topo->nlinks; id++) {
		built = id < n->nimp ? n->imp[id] : none;
		limpair_get(n, id / 2, (int)(id % 2), &now, &c);
		if (impair_spec_empty(&now) && impair_spec_empty(&built))
			continue;
		/* as built, its draws from the start again */
		err_clear(&err);
		if (emu_impair(n->emu, id / 2, (int)(id % 2), &built, &err))
			luaL_error(L, "%s", err.msg);
	}
}

void limpair_remap(struct lnet *n, const uint32_t *link_map, uint32_t nlinks)
{
	uint32_t l, side;

	for (l = 0; l < nlinks && 2 * l + 1 < n->nimp; l++) {
		if (link_map[l] == TOPO_NONE)
			continue;
		for (side = 0; side < 2; side++)
			n->imp[2 * link_map[l] + side] = n->imp[2 * l + side];
	}
	if (n->nimp > 2 * n->topo->nlinks)
		n->nimp = 2 * n->topo->nlinks;
}

void limpair_free(struct lnet *n)
{
	free(n->imp);
	n->imp = NULL;
	n->nimp = 0;
}

void limpair_open(lua_State *L)
{
	static const luaL_Reg m[] = {
		{ "impair", l_impair },
		{ "impairments", l_impairments },
		{ NULL, NULL },
	};

	/* into the link methods table at the top of the stack */
	luaL_setfuncs(L, m, 0);
}
