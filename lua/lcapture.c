/*
 * link:capture{} and node:capture{}: packet captures (core/observe/capture) on the
 * script's libev loop, so packets are written while the script sleeps or
 * waits.  A capture object stops its capture when collected or closed.
 *
 * Every open capture is listed in a weak table of the registry, so that a
 * network that stops can stop the captures on it first: their sockets
 * would keep its namespaces alive.
 */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <ev.h>

#include "core/observe/capture.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define LCAPTURE_MT "lunet.capture"
#define LIVE "lunet.captures" /* capture -> true, weak keys */

struct lcapture {
	struct capture *c;
	struct lnet *n; /* kept alive by the user value */
	char what[96];	/* "h1:eth0", "h1-s1", "node s1" */
	char file[256];
};

static void open_types(lua_State *L);

static struct lcapture *check_capture(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, LCAPTURE_MT);
}

/* ---- Options ------------------------------------------------------------ */

struct cap_opts {
	const char *file;
	const char *intf;
	struct capture_opts o;
};

/* The options of node:capture{}; link:capture{} takes them but the
 * first, intf. */
static const struct lopt known[] = {
	{ "intf", LOPT_STRING },	{ "file", LOPT_STRING },
	{ "filter", LOPT_STRING },	{ "count", LOPT_INTEGER },
	{ "snaplen", LOPT_INTEGER },	{ "size", LOPT_INTEGER },
	{ "files", LOPT_INTEGER },	{ NULL, 0 },
};

static uint64_t count_opt(lua_State *L, int t, const char *key)
{
	lua_Integer v = lopts_integer(L, t, key, 0);

	if (v < 0)
		luaL_error(L, "capture: '%s' must be a whole number >= 0", key);
	return (uint64_t)v;
}

/* The table at t, checked (what names the call) and read into lo. */
static void read_opts(lua_State *L, int t, const struct lopt *takes,
		      const char *what, struct cap_opts *lo)
{
	luaL_checktype(L, t, LUA_TTABLE);
	lopts_check(L, t, takes, "%s:capture{}", what);
	memset(lo, 0, sizeof(*lo));
	lo->file = lopts_string(L, t, "file");
	if (!lo->file)
		luaL_error(L, "%s:capture{}: option 'file' is required", what);
	lo->intf = lopts_string(L, t, "intf");
	lo->o.filter = lopts_string(L, t, "filter");
	lo->o.count = count_opt(L, t, "count");
	lo->o.snaplen = (int)count_opt(L, t, "snaplen");
	lo->o.file_size = count_opt(L, t, "size");
	lo->o.nfiles = (unsigned)count_opt(L, t, "files");
	if (lo->o.nfiles && !lo->o.file_size)
		luaL_error(L, "capture: 'files' needs 'size'");
}

/* ---- Opening ------------------------------------------------------------ */

/* Gives each target its file: file itself, or for a whole node one per
 * interface (FILE-IF.pcap, DIR/NODE-IF.pcap in a directory). */
static void set_files(lua_State *L, const struct capture_spec *sp,
		      const char *file, struct capture_target *tg, int n)
{
	char(*files)[512] = NULL;
	struct stat st;
	bool dir;
	int i;

	if (sp->kind == CAPTURE_NODE && strcmp(file, CAPTURE_STDOUT))
		files = lua_newuserdatauv(L, n * sizeof(*files) + 1, 0);
	dir = files && !stat(file, &st) && S_ISDIR(st.st_mode);
	for (i = 0; i < n; i++) {
		tg[i].file = file;
		if (!files)
			continue;
		if (capture_intf_file(files[i], sizeof(files[i]), file, dir,
				      dir ? tg[i].node : NULL, tg[i].ifname))
			luaL_error(L, "capture: '%s': name too long", file);
		tg[i].file = files[i];
	}
}

static void describe(struct lcapture *lc, const struct topo *t,
		     const struct capture_spec *sp, const char *file)
{
	const char *a = t->nodes[sp->node].name;

	if (sp->kind == CAPTURE_INTF)
		snprintf(lc->what, sizeof(lc->what), "%s:%s", a, sp->ifname);
	else if (sp->kind == CAPTURE_NODE)
		snprintf(lc->what, sizeof(lc->what), "%s", a);
	else
		snprintf(lc->what, sizeof(lc->what), "%s-%s", a,
			 t->nodes[sp->peer].name);
	snprintf(lc->file, sizeof(lc->file), "%s%s", file,
		 sp->kind == CAPTURE_NODE ? "-*.pcap" : "");
}

void lcapture_push(lua_State *L, int net, const struct capture_spec *sp,
		   const char *file, const struct capture_opts *o)
{
	struct lnet *n = lnet_check(L, net);
	const struct topo_node *node = &n->topo->nodes[sp->node];
	struct capture_target *tg;
	struct lcapture *lc;
	struct err err;
	int k, max = sp->kind == CAPTURE_NODE ? (int)node->nports + 1 : 2;

	net = lua_absindex(L, net);
	lnet_need_here(L, n, "capture");
	open_types(L);
	tg = lua_newuserdatauv(L, max * sizeof(*tg), 0);
	k = capture_spec_targets(n->topo, n->topo->name, sp, tg, max);
	if (k <= 0)
		luaL_error(L, "capture: node %s has no interface", node->name);
	set_files(L, sp, file, tg, k);
	lc = lua_newuserdatauv(L, sizeof(*lc), 1);
	memset(lc, 0, sizeof(*lc));
	luaL_setmetatable(L, LCAPTURE_MT);
	lua_pushvalue(L, net);
	lua_setiuservalue(L, -2, 1);
	lc->n = n;
	describe(lc, n->topo, sp, file);
	err_clear(&err);
	if (capture_open(&lc->c, tg, k, o, &err))
		luaL_error(L, "capture %s: %s", lc->what, err.msg);
	capture_start(lc->c, EV_DEFAULT);
	lua_getfield(L, LUA_REGISTRYINDEX, LIVE);
	lua_pushvalue(L, -2);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

int lcapture_link(lua_State *L)
{
	struct capture_spec sp = {.kind = CAPTURE_LINK};
	char what[176], name[160];
	const struct topo_link *l;
	struct cap_opts lo;
	struct lnet *n;

	sp.link = llink_check(L, 1, &n);
	snprintf(what, sizeof(what), "link %s",
		 topo_link_name(n->topo, sp.link, name, sizeof(name)));
	/* all but intf: a link's capture is of both its ends */
	read_opts(L, 2, known + 1, what, &lo);
	l = &n->topo->links[sp.link];
	sp.node = n->topo->ports[l->port[0]].node;
	sp.peer = n->topo->ports[l->port[1]].node;
	lua_getiuservalue(L, 1, 1);
	lcapture_push(L, -1, &sp, lo.file, &lo.o);
	return 1;
}

int lcapture_node(lua_State *L)
{
	struct capture_spec sp = {.kind = CAPTURE_NODE};
	char what[96];
	struct cap_opts lo;
	struct lnet *n;
	char spec[160];
	struct err err;

	sp.node = lnode_check(L, 1, &n);
	snprintf(what, sizeof(what), "node %s", n->topo->nodes[sp.node].name);
	read_opts(L, 2, known, what, &lo);
	if (lo.intf) {
		snprintf(spec, sizeof(spec), "%s:%s",
			 n->topo->nodes[sp.node].name, lo.intf);
		if (capture_spec_parse(n->topo, spec, &sp, &err))
			luaL_error(L, "capture: %s", err.msg);
	}
	lua_getiuservalue(L, 1, 1);
	lcapture_push(L, -1, &sp, lo.file, &lo.o);
	return 1;
}

void lcapture_stop_net(lua_State *L, struct lnet *n)
{
	struct lcapture *lc;

	if (lua_getfield(L, LUA_REGISTRYINDEX, LIVE) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		lc = luaL_testudata(L, -1, LCAPTURE_MT);
		if (lc && lc->c && lc->n == n)
			capture_stop(lc->c);
	}
	lua_pop(L, 1);
}

/* ---- The capture object ------------------------------------------------- */

static int l_stop(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	if (lc->c)
		capture_stop(lc->c);
	lua_pushinteger(L, lc->c ? (lua_Integer)capture_count(lc->c) : 0);
	return 1;
}

static int l_count(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	lua_pushinteger(L, lc->c ? (lua_Integer)capture_count(lc->c) : 0);
	return 1;
}

static int l_dropped(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	lua_pushinteger(L, lc->c ? (lua_Integer)capture_dropped(lc->c) : 0);
	return 1;
}

static int l_running(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	lua_pushboolean(L, lc->c && capture_running(lc->c));
	return 1;
}

static int l_gc(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	capture_free(lc->c);
	lc->c = NULL;
	return 0;
}

static int l_tostring(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	lua_pushfstring(L, "capture %s into %s (%d packets%s)", lc->what,
			lc->file, lc->c ? (int)capture_count(lc->c) : 0,
			lc->c && capture_running(lc->c) ? ", running" : "");
	return 1;
}

static int l_index(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);
	const char *key = luaL_checkstring(L, 2);

	if (!strcmp(key, "file"))
		lua_pushstring(L, lc->file);
	else if (!strcmp(key, "target"))
		lua_pushstring(L, lc->what);
	else
		lua_getfield(L, lua_upvalueindex(1), key);
	return 1;
}

static int l_close(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	if (lc->c)
		capture_stop(lc->c);
	return 0;
}

/* Made on first use, so that a state that never captures pays nothing. */
static void open_types(lua_State *L)
{
	static const luaL_Reg methods[] = {
	    {"stop", l_stop},	    {"count", l_count}, {"dropped", l_dropped},
	    {"running", l_running}, {NULL, NULL},
	};
	static const luaL_Reg meta[] = {
	    {"__gc", l_gc},
	    {"__close", l_close},
	    {"__tostring", l_tostring},
	    {NULL, NULL},
	};

	if (!luaL_newmetatable(L, LCAPTURE_MT)) {
		lua_pop(L, 1);
		return;
	}
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_pushcclosure(L, l_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_newtable(L);
	lua_pushstring(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, LIVE);
}
