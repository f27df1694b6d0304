/*
 * net:apply(file, {dry_run=}): the edited topology file run in a state
 * of its own where nothing is built, compared with the running network by
 * names (topo/diff.c), and the difference made with the same calls a
 * script makes on a running network: links and nodes that went removed,
 * those that came added, and the impairments of the links that stay set
 * in place.  Returns the difference as lines: "- link a-b", "+ host h9",
 * "~ link a-b: delay 10ms".
 */
#include <lauxlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/impair/impair.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "topo/diff.h"
#include "topo/topo.h"

struct apply {
	int net;          /* the running network's stack index */
	lua_State *S;     /* the file's own state */
	struct lnet *to;  /* the file's network, in S; NULL: only a model */
	const struct topo *target; /* what the network is to be */
	struct topo_diff d;
};

static int apply_gc(lua_State *L)
{
	struct apply *a = lua_touserdata(L, 1);

	topo_diff_free(&a->d);
	if (a->S)
		script_close(a->S);
	a->S = NULL;
	return 0;
}

static bool spec_same(const struct impair_spec *x, const struct impair_spec *y)
{
	return x->delay_ns == y->delay_ns && x->jitter_ns == y->jitter_ns &&
	       x->loss == y->loss && x->corrupt == y->corrupt &&
	       x->dup == y->dup && x->reorder == y->reorder &&
	       x->rate == y->rate && x->limit == y->limit;
}

/* The impairments the file gives link l's end side. */
static struct impair_spec file_spec(const struct lnet *to, uint32_t l,
				    int side)
{
	struct impair_spec none = { 0 };
	uint32_t id = 2 * l + (uint32_t)side;

	return id < to->nimp ? to->imp[id] : none;
}

static void line(lua_State *L, int out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line(lua_State *L, int out, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lua_pushstring(L, buf);
	lua_rawseti(L, out, (lua_Integer)lua_rawlen(L, out) + 1);
}

/* Calls method name of the object at obj with the nargs values on top. */
static void call_method(lua_State *L, int obj, const char *name, int nargs,
			int nres)
{
	obj = lua_absindex(L, obj);
	lua_getfield(L, obj, name);
	lua_pushvalue(L, obj);
	lua_rotate(L, -2 - nargs, 2);
	lua_call(L, nargs + 1, nres);
}

static void opt_string(lua_State *L, const char *key, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, key);
}

static void opt_prefix(lua_State *L, const char *key,
		       const struct ip_prefix *p, bool plen)
{
	char ip[IP_STRLEN];

	opt_string(L, key, ip_format(p, plen, ip));
}

/* net[kind](net, name, opts) for node i of the file's topology. */
static void add_node(lua_State *L, int net, const struct topo *t, uint32_t i)
{
	const struct topo_node *x = &t->nodes[i];

	lua_pushstring(L, x->name);
	lua_newtable(L);
	if (x->stp) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "stp");
	}
	if (x->ip_set)
		opt_prefix(L, "ip", &x->ip, true);
	if (x->lo_set)
		opt_prefix(L, "lo", &x->lo, false);
	call_method(L, net, topo_kind_name(x->kind), 2, 0);
}

/* net:link(a, b, opts) for link l of the file's topology; leaves the
 * link's handle. */
static void add_link(lua_State *L, int net, const struct topo *t, uint32_t l)
{
	static const char *const ifn[] = { "ifname1", "ifname2" };
	static const char *const ipn[] = { "ip1", "ip2" };
	static const char *const macn[] = { "mac1", "mac2" };
	char mac[18];
	int s;

	for (s = 0; s < 2; s++)
		lua_pushstring(L, t->nodes[topo_link_node(t, l, s)].name);
	lua_newtable(L);
	for (s = 0; s < 2; s++) {
		const struct topo_port *p = topo_link_port(t, l, s);

		if (p->ifname_set)
			opt_string(L, ifn[s], p->ifname);
		if (p->addr_set)
			opt_prefix(L, ipn[s], &p->addr, true);
		if (p->mac_set) {
			snprintf(mac, sizeof(mac),
				 "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0],
				 p->mac[1], p->mac[2], p->mac[3], p->mac[4],
				 p->mac[5]);
			opt_string(L, macn[s], mac);
		}
	}
	if (t->links[l].mtu) {
		lua_pushinteger(L, t->links[l].mtu);
		lua_setfield(L, -2, "mtu");
	}
	call_method(L, net, "link", 3, 1);
}

/* Sets the impairments of the running link (handle at top) that the
 * file's link l gives, where they differ from what runs; says so. */
static void set_impairs(lua_State *L, struct lnet *n, struct apply *a,
			uint32_t l, int out, bool dry, bool quiet)
{
	struct impair_spec want, now;
	struct impair_counts c;
	struct lnet *owner;
	char name[160], text[200];
	struct err err;
	uint32_t x = llink_check(L, -1, &owner);
	int s;

	for (s = 0; s < 2; s++) {
		want = file_spec(a->to, l, s);
		limpair_get(n, x, s, &now, &c);
		if (spec_same(&want, &now))
			continue;
		impair_spec_format(&want, text, sizeof(text));
		if (!quiet)
			line(L, out, "~ link %s: from %s: %s",
			     topo_link_name(n->topo, x, name, sizeof(name)),
			     topo_link_port(n->topo, x, s)->ifname,
			     text[0] ? text : "no impairments");
		if (dry)
			continue;
		err_clear(&err);
		if (limpair_set(L, n, x, s, &want, &err))
			luaL_error(L, "%s", err.msg);
	}
}

/* The file, run where nothing is built; its network in a->to. */
static void load(lua_State *L, struct apply *a, const char *file)
{
	struct err err;

	a->S = script_new(&err);
	if (!a->S)
		luaL_error(L, "%s", err.msg);
	lua_pushboolean(a->S, 1);
	lua_setfield(a->S, LUA_REGISTRYINDEX, LNET_DRY);
	if (script_dofile(a->S, file, &err))
		luaL_error(L, "%s", err.msg);
	a->to = luaL_testudata(a->S, -1, LNET_MT);
	if (!a->to)
		luaL_error(L, "%s: returned a %s, not a network (end the file "
			   "with 'return net')", file,
			   luaL_typename(a->S, -1));
	a->target = a->to->topo;
}

static void say_diff(lua_State *L, struct lnet *n, struct apply *a, int out)
{
	const struct topo *o = n->topo, *t = a->target;
	char name[160];
	uint32_t i;

	for (i = 0; i < a->d.nlink_gone; i++)
		line(L, out, "- link %s",
		     topo_link_name(o, a->d.link_gone[i], name, sizeof(name)));
	for (i = 0; i < a->d.nnode_gone; i++)
		line(L, out, "- %s %s",
		     topo_kind_name(o->nodes[a->d.node_gone[i]].kind),
		     o->nodes[a->d.node_gone[i]].name);
	for (i = 0; i < a->d.nnode_new; i++)
		line(L, out, "+ %s %s",
		     topo_kind_name(t->nodes[a->d.node_new[i]].kind),
		     t->nodes[a->d.node_new[i]].name);
	for (i = 0; i < a->d.nlink_new; i++)
		line(L, out, "+ link %s",
		     topo_link_name(t, a->d.link_new[i], name, sizeof(name)));
}

/* Inside net:change(): removals, then additions (their handles into the
 * table the closure's caller reads back by name). */
static int apply_body(lua_State *L)
{
	struct apply *a = lua_touserdata(L, lua_upvalueindex(1));
	uint32_t i;

	lua_pushvalue(L, lua_upvalueindex(2));
	a->net = lua_gettop(L);
	for (i = 0; i < a->d.nlink_gone; i++) {
		llink_push(L, a->net, a->d.link_gone[i]);
		call_method(L, -1, "remove", 0, 0);
		lua_pop(L, 1);
	}
	for (i = 0; i < a->d.nnode_gone; i++) {
		lnode_push(L, a->net, a->d.node_gone[i]);
		call_method(L, -1, "remove", 0, 0);
		lua_pop(L, 1);
	}
	for (i = 0; i < a->d.nnode_new; i++)
		add_node(L, a->net, a->target, a->d.node_new[i]);
	for (i = 0; i < a->d.nlink_new; i++) {
		add_link(L, a->net, a->target, a->d.link_new[i]);
		lua_rawseti(L, lua_upvalueindex(3), i + 1);
	}
	return 0;
}

static const struct lopt apply_opts[] = {
	{ "dry_run", LOPT_BOOLEAN },
	{ NULL, 0 },
};

/* An apply's userdata, freed by its __gc, pushed. */
static struct apply *apply_new(lua_State *L)
{
	struct apply *a = lua_newuserdatauv(L, sizeof(*a), 0);

	memset(a, 0, sizeof(*a));
	lua_newtable(L);
	lua_pushcfunction(L, apply_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	return a;
}

/* The network at 1 made a->target (with a->to, the impairments of a
 * file too), or only told with dry; pushes the lines. */
static void apply_run(lua_State *L, struct lnet *n, struct apply *a, bool dry)
{
	int out, kept, i;

	if (topo_diff(n->topo, a->target, &a->d))
		luaL_error(L, "out of memory");
	lua_newtable(L); /* the lines */
	out = lua_absindex(L, -1);
	say_diff(L, n, a, out);
	/* Handles first: each removal renumbers what follows it. */
	lua_createtable(L, (int)a->d.nlink_kept, 0);
	kept = lua_absindex(L, -1);
	for (i = 0; i < (int)a->d.nlink_kept; i++) {
		llink_push(L, 1, a->d.link_was[i]);
		lua_rawseti(L, kept, i + 1);
	}
	for (i = 0; a->to && i < (int)a->d.nlink_kept; i++) {
		lua_rawgeti(L, kept, i + 1);
		set_impairs(L, n, a, a->d.link_kept[i], out, true, false);
		lua_pop(L, 1);
	}
	if (dry)
		goto done;
	/* One change: planned and built at once (net:change()). */
	lua_createtable(L, (int)a->d.nlink_new, 0); /* the new links */
	lua_pushlightuserdata(L, a);
	lua_pushvalue(L, 1);
	lua_pushvalue(L, kept + 1);
	lua_pushcclosure(L, apply_body, 3);
	call_method(L, 1, "change", 1, 0);
	for (i = 0; a->to && i < (int)a->d.nlink_new; i++) {
		lua_rawgeti(L, kept + 1, i + 1);
		set_impairs(L, n, a, a->d.link_new[i], out, false, true);
		lua_pop(L, 1);
	}
	for (i = 0; a->to && i < (int)a->d.nlink_kept; i++) {
		lua_rawgeti(L, kept, i + 1);
		set_impairs(L, n, a, a->d.link_kept[i], out, false, true);
		lua_pop(L, 1);
	}
done:
	lua_settop(L, out);
}

int lapply_net(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	const char *file = luaL_checkstring(L, 2);
	struct apply *a;
	bool dry;

	lua_settop(L, 3);
	lopts_check(L, 3, apply_opts, "net:apply(\"%s\")", file);
	dry = lopts_boolean(L, 3, "dry_run", false);
	lnet_need_here(L, n, "apply");
	a = apply_new(L);
	load(L, a, file);
	apply_run(L, n, a, dry);
	return 1;
}

/* lapply_model()'s body: the network at 1, the model at 2. */
static int apply_model(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	struct apply *a = apply_new(L);

	a->target = lua_touserdata(L, 2);
	apply_run(L, n, a, false);
	return 1;
}

void lapply_model(lua_State *L, int net, const struct topo *t)
{
	net = lua_absindex(L, net);
	lua_pushcfunction(L, apply_model);
	lua_pushvalue(L, net);
	lua_pushlightuserdata(L, (void *)t);
	lua_call(L, 2, 1);
}
