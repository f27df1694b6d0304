/* The network type: lunet.network(), nodes, links, start and stop. */
#include <errno.h>
#include <lauxlib.h>
#include <string.h>
#include <time.h>

#include "core/engine/engine.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define ALL_NETS "lunet.networks"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void lnet_push_all(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, ALL_NETS);
}

static void need_stopped(lua_State *L, struct lnet *n)
{
	if (n->emu)
		luaL_error(L, "network '%s' is running: stop it before "
			      "changing it", n->topo->name);
}

/* Where the calling Lua code is, for error messages about what it made. */
static void caller_where(lua_State *L, struct topo_where *w, char *buf,
			 size_t len)
{
	lua_Debug ar;

	w->file = NULL;
	w->line = 0;
	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) &&
	    ar.currentline > 0) {
		snprintf(buf, len, "%s", ar.short_src);
		w->file = buf;
		w->line = ar.currentline;
	}
}

/* "lunet run --name NAME" renames the networks a script makes, so that
 * one file can run twice side by side: the first becomes NAME, the next
 * ones NAME_<their own name>. */
static const char *override_name(lua_State *L, const char *name)
{
	lua_Integer made;

	if (lua_getfield(L, LUA_REGISTRYINDEX, LNET_NAME) != LUA_TSTRING) {
		lua_pop(L, 1);
		return name;
	}
	lnet_push_all(L);
	made = luaL_len(L, -1);
	lua_pop(L, 1);
	if (made > 0) {
		lua_pushfstring(L, "%s_%s", lua_tostring(L, -1), name);
		lua_remove(L, -2);
	}
	lua_replace(L, 1);
	return lua_tostring(L, 1);
}

static int l_network(lua_State *L)
{
	static const struct lopt known[] = { { NULL, 0 } };
	const char *name = luaL_optstring(L, 1, "net");
	struct lnet *n;
	struct err err;

	lua_settop(L, 2);
	lopts_check(L, 2, known, "lunet.network(\"%s\")", name);
	name = override_name(L, name);
	if (topo_check_name(name, &err))
		return luaL_error(L, "%s", err.msg);
	n = lua_newuserdatauv(L, sizeof(*n), 2);
	memset(n, 0, sizeof(*n));
	luaL_setmetatable(L, LNET_MT);
	lua_newtable(L); /* node handles by index */
	lua_setiuservalue(L, -2, 1);
	lua_newtable(L); /* link handles by index */
	lua_setiuservalue(L, -2, 2);
	n->topo = topo_new(name);
	if (!n->topo)
		return luaL_error(L, "out of memory");
	lnet_push_all(L);
	lua_pushvalue(L, -2);
	lua_rawseti(L, -2, luaL_len(L, -2) + 1);
	lua_pop(L, 1);
	return 1;
}

/* The options of each kind of node, by enum topo_kind. */
static const struct lopt host_opts[] = { { "ip", LOPT_STRING },
					 { "group", LOPT_STRING },
					 { NULL, 0 } };
static const struct lopt switch_opts[] = { { "stp", LOPT_BOOLEAN },
					   { "group", LOPT_STRING },
					   { NULL, 0 } };
static const struct lopt router_opts[] = {
	{ "lo", LOPT_STRING },	      { "group", LOPT_STRING },
	{ "routing", LOPT_STRING },
	{ "daemon", LOPT_STRING },    { "asn", LOPT_INTEGER },
	{ "router_id", LOPT_STRING }, { "config", LOPT_STRING },
	{ "extra", LOPT_STRING | LOPT_TABLE },
	{ "bfd", LOPT_BOOLEAN },      { "unnumbered", LOPT_BOOLEAN },
	{ "max_prefix", LOPT_INTEGER },
	{ NULL, 0 },
};
static const struct lopt *const node_opts[] = {
	[TOPO_HOST] = host_opts,
	[TOPO_SWITCH] = switch_opts,
	[TOPO_ROUTER] = router_opts,
};

/* opts.extra: one string of config lines, or an array of lines, joined
 * on the stack (popped by the caller with the rest). */
static const char *extra_lines(lua_State *L, int opts)
{
	luaL_Buffer b;
	lua_Integer i, n;
	int t;

	if (lua_getfield(L, opts, "extra") != LUA_TTABLE)
		return lua_tostring(L, -1);
	t = lua_absindex(L, -1);
	n = luaL_len(L, t);
	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, t, i) != LUA_TSTRING)
			luaL_error(L, "option 'extra' must be a string or an "
				   "array of strings (item %d is a %s)",
				   (int)i, luaL_typename(L, -1));
		luaL_addvalue(&b);
		luaL_addchar(&b, '\n');
	}
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

/* A path given in a topology file is relative to that file's folder. */
static const char *file_relative(lua_State *L, const char *path,
				 const char *where)
{
	const char *slash = where ? strrchr(where, '/') : NULL;

	if (!path || path[0] == '/' || !slash)
		return path;
	lua_pushlstring(L, where, (size_t)(slash - where + 1));
	lua_pushstring(L, path);
	lua_concat(L, 2);
	return lua_tostring(L, -1);
}

/* opts.asn (opts at index 3) of the router or speaker (what) name, in
 * range. */
static uint32_t asn_opt(lua_State *L, const char *what, const char *name)
{
	lua_Integer asn = lopts_integer(L, 3, "asn", 0);

	if (asn < 0 || asn > (lua_Integer)TOPO_ASN_PRIVATE_LAST)
		luaL_error(L, "%s %s: asn %I is out of range (1 to %I)", what,
			   name, asn, (lua_Integer)TOPO_ASN_PRIVATE_LAST);
	return (uint32_t)asn;
}

/* opts.max_prefix (opts at index 3) of router name. */
static uint32_t max_prefix_opt(lua_State *L, const char *name)
{
	lua_Integer max = lopts_integer(L, 3, "max_prefix", 0);

	if (max < 0 || max > (lua_Integer)UINT32_MAX)
		luaL_error(L, "router %s: max_prefix %I is out of range (1 to "
			   "%I)", name, max, (lua_Integer)UINT32_MAX);
	return (uint32_t)max;
}

/* The routing options of router i (opts at index 3), if any. */
static void router_routing(lua_State *L, struct lnet *n, uint32_t i,
			   const char *where)
{
	struct topo_routing_opts o = { 0 };
	const char *routing = lopts_string(L, 3, "routing");
	const char *daemon = lopts_string(L, 3, "daemon");
	const char *name = n->topo->nodes[i].name;
	uint32_t asn = asn_opt(L, "router", name);
	struct err err;

	if (!routing && !daemon && !asn && !lopts_string(L, 3, "config") &&
	    lua_isnoneornil(L, 3))
		return;
	if (routing && topo_proto_parse(routing, &o.proto))
		luaL_error(L, "router %s: routing '%s' is not one of static, "
			   "bgp, ospf", name, routing);
	if (!routing && (daemon || asn || lopts_string(L, 3, "config")))
		o.proto = TOPO_PROTO_BGP;
	if (daemon && topo_daemon_parse(daemon, &o.daemon))
		luaL_error(L, "router %s: daemon '%s' is not one of frr, bird",
			   name, daemon);
	o.asn = asn;
	o.router_id = lopts_string(L, 3, "router_id");
	o.config = file_relative(L, lopts_string(L, 3, "config"), where);
	o.extra = extra_lines(L, 3);
	o.bfd = lopts_boolean(L, 3, "bfd", false);
	o.unnumbered = lopts_boolean(L, 3, "unnumbered", false);
	o.max_prefix = max_prefix_opt(L, name);
	if (o.proto == TOPO_PROTO_STATIC &&
	    (daemon || o.config || o.extra || o.bfd || o.router_id ||
	     o.unnumbered || o.max_prefix))
		luaL_error(L, "router %s: daemon, config, extra, bfd, "
			   "unnumbered, max_prefix and router_id need routing "
			   "'bgp' or 'ospf'", name);
	if (topo_routing_set(n->topo, i, &o, &err))
		luaL_error(L, "%s", err.msg);
}

static int add_node(lua_State *L, enum topo_kind kind)
{
	struct lnet *n = lnet_check(L, 1);
	const char *name = luaL_checkstring(L, 2);
	struct topo_node_opts o = { 0 };
	char file[256];
	uint32_t onodes;
	struct err err;
	int i;

	lopts_check(L, 3, node_opts[kind], "%s %s", topo_kind_name(kind),
		    name);
	if (n->emu && kind == TOPO_ROUTER && !lua_isnoneornil(L, 3) &&
	    (lopts_string(L, 3, "routing") || lopts_string(L, 3, "daemon") ||
	     lopts_string(L, 3, "config")))
		return luaL_error(L, "router %s: network '%s' is running: "
				  "adding routers that run routing daemons "
				  "to a running network is not supported yet",
				  name, n->topo->name);
	onodes = n->topo->nnodes;
	if (n->emu)
		lchange_before(L, 1, n);
	o.stp = lopts_boolean(L, 3, "stp", false);
	o.ip = lopts_string(L, 3, "ip");
	o.lo = lopts_string(L, 3, "lo");
	caller_where(L, &o.where, file, sizeof(file));
	i = topo_node_add(n->topo, name, kind, &o, &err);
	if (i >= 0 && topo_node_set_group(n->topo, (uint32_t)i,
					  lopts_string(L, 3, "group"), &err)) {
		topo_truncate(n->topo, onodes, n->topo->nlinks);
		i = -EINVAL;
	}
	if (i < 0)
		return luaL_error(L, "%s", err.msg);
	if (kind == TOPO_ROUTER)
		router_routing(L, n, (uint32_t)i, o.where.file);
	if (n->emu)
		lchange_grew(L, 1, n, onodes, n->topo->nlinks);
	lnode_push(L, 1, i);
	return 1;
}

static const struct lopt speaker_opts[] = {
	{ "asn", LOPT_INTEGER },      { "prefixes", LOPT_INTEGER | LOPT_TABLE },
	{ "daemon", LOPT_STRING },    { "lo", LOPT_STRING },
	{ "router_id", LOPT_STRING }, { "extra", LOPT_STRING | LOPT_TABLE },
	{ "bfd", LOPT_BOOLEAN },      { "group", LOPT_STRING },
	{ NULL, 0 },
};

/* opts.prefixes of speaker name (opts at index 3): a count into o, or a
 * list parsed into a userdata left on the stack. */
static void speaker_prefixes(lua_State *L, const char *name,
			     struct topo_routing_opts *o)
{
	struct ip_prefix *v;
	lua_Integer i, count;
	int t;

	t = lua_getfield(L, 3, "prefixes");
	if (t == LUA_TNIL)
		luaL_error(L, "speaker %s: option 'prefixes' is needed: how "
			   "many to announce, or a list of them", name);
	if (t == LUA_TNUMBER) {
		count = lua_tointeger(L, -1);
		if (count < 1 || count > (lua_Integer)TOPO_SPEAKER_MAX)
			luaL_error(L, "speaker %s: prefixes = %I: a count is "
				   "from 1 to %I (the /24s of 100.64.0.0/10); "
				   "list more", name, count,
				   (lua_Integer)TOPO_SPEAKER_MAX);
		o->nprefixes = (uint32_t)count;
		return;
	}
	count = (lua_Integer)lua_rawlen(L, -1);
	if (count < 1 || count > (lua_Integer)UINT32_MAX / 2)
		luaL_error(L, "speaker %s: prefixes must be a count or a "
			   "non-empty list of prefixes", name);
	v = lua_newuserdatauv(L, (size_t)count * sizeof(*v), 0);
	for (i = 1; i <= count; i++) {
		if (lua_rawgeti(L, -2, i) != LUA_TSTRING ||
		    ip_parse(lua_tostring(L, -1), 32, &v[i - 1]) < 0)
			luaL_error(L, "speaker %s: prefixes[%I] is not a "
				   "prefix like \"203.0.113.0/24\" (got %s)",
				   name, i, luaL_tolstring(L, -1, NULL));
		lua_pop(L, 1);
	}
	o->prefixes = v;
	o->nprefixes = (uint32_t)count;
}

/* net:speaker(name, opts): a BGP router announcing prefixes, standing in
 * for the world outside the fabric (topo/speaker.c). */
static int l_speaker(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	const char *name = luaL_checkstring(L, 2);
	struct topo_routing_opts ro = { .proto = TOPO_PROTO_BGP,
					.speaker = true };
	struct topo_node_opts o = { 0 };
	const char *daemon;
	char file[256];
	struct err err;
	int i;

	lua_settop(L, 3);
	lopts_check(L, 3, speaker_opts, "speaker %s", name);
	if (lua_isnil(L, 3))
		return luaL_error(L, "speaker %s: options are needed: "
				  "net:speaker(name, { asn = N, prefixes = "
				  "N or { ... } })", name);
	need_stopped(L, n);
	daemon = lopts_string(L, 3, "daemon");
	if (daemon && topo_daemon_parse(daemon, &ro.daemon))
		luaL_error(L, "speaker %s: daemon '%s' is not one of frr, "
			   "bird", name, daemon);
	ro.asn = asn_opt(L, "speaker", name);
	ro.router_id = lopts_string(L, 3, "router_id");
	ro.extra = extra_lines(L, 3);
	ro.bfd = lopts_boolean(L, 3, "bfd", false);
	speaker_prefixes(L, name, &ro);
	o.lo = lopts_string(L, 3, "lo");
	caller_where(L, &o.where, file, sizeof(file));
	i = topo_node_add(n->topo, name, TOPO_ROUTER, &o, &err);
	if (i < 0 || topo_node_set_group(n->topo, (uint32_t)i,
					 lopts_string(L, 3, "group"), &err))
		return luaL_error(L, "%s", err.msg);
	if (topo_routing_set(n->topo, (uint32_t)i, &ro, &err))
		return luaL_error(L, "%s", err.msg);
	lnode_push(L, 1, i);
	return 1;
}

static int l_host(lua_State *L)
{
	return add_node(L, TOPO_HOST);
}

static int l_switch(lua_State *L)
{
	return add_node(L, TOPO_SWITCH);
}

static int l_router(lua_State *L)
{
	return add_node(L, TOPO_ROUTER);
}

/* The link's own options, then those of its impairments. */
static const struct lopt link_opts[] = {
	{ "ifname1", LOPT_STRING }, { "ifname2", LOPT_STRING },
	{ "ip1", LOPT_STRING },	    { "ip2", LOPT_STRING },
	{ "mac1", LOPT_STRING },    { "mac2", LOPT_STRING },
	{ "mtu", LOPT_INTEGER },    LIMPAIR_OPTS,
	{ NULL, 0 },
};

static int l_link(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	struct topo_link_opts o = { 0 };
	uint32_t a, b;
	char file[256];
	struct err err;
	int l;

	a = lnode_arg(L, 2, n);
	b = lnode_arg(L, 3, n);
	lopts_check(L, 4, link_opts, "net:link(%s, %s)",
		    n->topo->nodes[a].name, n->topo->nodes[b].name);
	o.ifname[0] = lopts_string(L, 4, "ifname1");
	o.ifname[1] = lopts_string(L, 4, "ifname2");
	o.addr[0] = lopts_string(L, 4, "ip1");
	o.addr[1] = lopts_string(L, 4, "ip2");
	o.mac[0] = lopts_string(L, 4, "mac1");
	o.mac[1] = lopts_string(L, 4, "mac2");
	o.mtu = lopts_integer(L, 4, "mtu", 0);
	caller_where(L, &o.where, file, sizeof(file));
	if (n->emu)
		lchange_before(L, 1, n);
	l = topo_link_add(n->topo, a, b, &o, &err);
	if (l < 0)
		return luaL_error(L, "%s", err.msg);
	if (n->emu)
		lchange_grew(L, 1, n, n->topo->nnodes, (uint32_t)l);
	if (n->emu && n->changing && !lua_isnoneornil(L, 4))
		lchange_defer_impair(L, 4, n, (uint32_t)l);
	else
		limpair_link_opts(L, 4, n, (uint32_t)l);
	llink_push(L, 1, l);
	return 1;
}

/* net:place(node, machine): the user's placement of a node on a machine
 * of those "lunet plan --machines" names (nil: placement's own choice);
 * the name is checked against them when the topology is placed. */
static int l_place(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t i = lnode_arg(L, 2, n);
	const char *machine = luaL_optstring(L, 3, NULL);
	struct err err;

	need_stopped(L, n);
	if (topo_node_set_machine(n->topo, i, machine, &err))
		return luaL_error(L, "%s", err.msg);
	return 0;
}

static int l_node(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t i = topo_node_find(n->topo, luaL_checkstring(L, 2));

	if (i == TOPO_NONE)
		lua_pushnil(L);
	else
		lnode_push(L, 1, i);
	return 1;
}

static int list_nodes(lua_State *L, int kind)
{
	struct lnet *n = lnet_check(L, 1);
	lua_Integer k = 0;
	uint32_t i;

	lua_createtable(L, n->topo->nnodes, 0);
	for (i = 0; i < n->topo->nnodes; i++) {
		if (kind >= 0 && n->topo->nodes[i].kind != (enum topo_kind)kind)
			continue;
		lnode_push(L, 1, i);
		lua_rawseti(L, -2, ++k);
	}
	return 1;
}

static int l_nodes(lua_State *L)
{
	return list_nodes(L, -1);
}

static int l_hosts(lua_State *L)
{
	return list_nodes(L, TOPO_HOST);
}

static int l_switches(lua_State *L)
{
	return list_nodes(L, TOPO_SWITCH);
}

static int l_routers(lua_State *L)
{
	return list_nodes(L, TOPO_ROUTER);
}

static int l_links(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t i;

	lua_createtable(L, n->topo->nlinks, 0);
	for (i = 0; i < n->topo->nlinks; i++) {
		llink_push(L, 1, i);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int l_link_between(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	uint32_t a = lnode_arg(L, 2, n), b = lnode_arg(L, 3, n);
	uint32_t l = topo_link_find(n->topo, a, b);

	if (l == TOPO_NONE)
		lua_pushnil(L);
	else
		llink_push(L, 1, l);
	return 1;
}

void lnet_start(lua_State *L, struct lnet *n)
{
	struct err err;
	double t0;
	int rc;

	if (n->emu)
		return;
	if (lua_getfield(L, LUA_REGISTRYINDEX, LNET_DRY) != LUA_TNIL)
		luaL_error(L, "network '%s': this command only places the "
			   "topology and builds nothing; a file that starts "
			   "its network itself cannot be planned (return the "
			   "network instead)", n->topo->name);
	lua_pop(L, 1);
	err_clear(&err);
	rc = topo_plan(n->topo, &err);
	if (rc)
		luaL_error(L, "%s", err.msg);
	t0 = now();
	rc = emu_start(n->topo, NULL, &n->emu, &err);
	if (rc)
		luaL_error(L, "%s", err.msg[0] ? err.msg : strerror(-rc));
	rc = limpair_apply(n, &err);
	if (rc) {
		/* A failed build rolls back, this step included. */
		lnet_stop(NULL, n);
		luaL_error(L, "%s", err.msg[0] ? err.msg : strerror(-rc));
	}
	n->started = now() - t0;
	n->built = true;
	lrouting_watch(L, n);
}

void lnet_stop(lua_State *L, struct lnet *n)
{
	struct err err;
	int rc;

	lrouting_unwatch(n);
	if (!n->emu)
		return;
	if (L) /* their sockets would keep the namespaces alive */
		lcapture_stop_net(L, n);
	err_clear(&err);
	rc = emu_stop(n->emu, &err);
	n->emu = NULL;
	if (rc && L)
		luaL_error(L, "%s", err.msg);
}

static int l_start(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);

	lnet_start(L, n);
	lua_settop(L, 1);
	return 1;
}

static int l_stop(lua_State *L)
{
	lnet_stop(L, lnet_check(L, 1));
	return 0;
}

static int l_gc(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);

	/* A network still running when Lua lets go of it is torn down:
	 * nothing a script started outlives it unless it was detached. */
	lnet_stop(NULL, n);
	topo_free(n->topo);
	n->topo = NULL;
	limpair_free(n);
	return 0;
}


static const luaL_Reg methods[] = {
	{ "host", l_host },
	{ "switch", l_switch },
	{ "router", l_router },
	{ "speaker", l_speaker },
	{ "link", l_link },
	{ "node", l_node },
	{ "nodes", l_nodes },
	{ "hosts", l_hosts },
	{ "switches", l_switches },
	{ "routers", l_routers },
	{ "links", l_links },
	{ "link_between", l_link_between },
	{ "apply", lapply_net },
	{ "change", lchange_net_change },
	{ "place", l_place },
	{ "start", l_start },
	{ "stop", l_stop },
	{ "ping", lping_ping },
	{ "pingall", lping_pingall },
	{ "stats", lstats_net },
	{ NULL, NULL },
};

static int l_index(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	const char *key = luaL_checkstring(L, 2);

	if (!strcmp(key, "name"))
		lua_pushstring(L, n->topo->name);
	else if (!strcmp(key, "running"))
		lua_pushboolean(L, n->emu != NULL);
	else if (!strcmp(key, "build_time"))
		lua_pushnumber(L, n->started);
	else if (!strcmp(key, "routed"))
		lua_pushboolean(L, topo_has_daemons(n->topo));
	else
		lua_rawget(L, lua_upvalueindex(1));
	return 1;
}

static int l_tostring(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);

	lua_pushfstring(L, "network %s (%d nodes, %d links%s)", n->topo->name,
			(int)n->topo->nnodes, (int)n->topo->nlinks,
			n->emu ? ", running" : "");
	return 1;
}

void lnet_open(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", l_gc },
		{ "__tostring", l_tostring },
		{ NULL, NULL },
	};

	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, ALL_NETS);
	luaL_newmetatable(L, LNET_MT);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_pushcclosure(L, l_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, l_network);
	lua_setfield(L, -2, "network");
}
