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
#include <stdint.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ev.h>

#include "core/engine/engine.h"
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
	/* Across machines: each interface captured by its node's machine,
	 * the files brought back and merged here when it stops. */
	struct emu_rcapture *rc;
	char **files; /* per target: the file it goes to (shared by a
		       * link's two ends) */
	size_t nt;
	uint64_t limit; /* count: the packets kept */
	uint64_t rcount, rdropped;
	bool remote;
};

/* A pcap record's header (microseconds, the byte order of the machine
 * that wrote it: these machines are all little-endian x86). */
struct rec {
	uint32_t sec, usec, incl, orig;
};

/* Writes the records of the pcaps blobs[idx[0..m)] to file, merged in
 * time order, at most limit (0: all).  Returns the packets written, or
 * -errno. */
static long long merge_write(const char *file, char **blobs, size_t *lens,
			     const size_t *idx, size_t m, uint64_t limit)
{
	size_t pos[64], k, best;
	const unsigned char *hdr = NULL;
	long long written = 0;
	FILE *f;

	if (m > 64)
		return -E2BIG;
	for (k = 0; k < m; k++) {
		pos[k] = 24;
		if (lens[idx[k]] >= 24 && !hdr)
			hdr = (const unsigned char *)blobs[idx[k]];
	}
	f = fopen(file, "we");
	if (!f)
		return -errno;
	if (hdr)
		fwrite(hdr, 1, 24, f);
	for (;;) {
		struct rec r, b = { 0 };

		best = m;
		for (k = 0; k < m; k++) {
			size_t i = idx[k];

			if (lens[i] < pos[k] + sizeof(r))
				continue;
			memcpy(&r, blobs[i] + pos[k], sizeof(r));
			if (best == m || r.sec < b.sec ||
			    (r.sec == b.sec && r.usec < b.usec)) {
				best = k;
				b = r;
			}
		}
		if (best == m || (limit && (uint64_t)written >= limit))
			break;
		if (lens[idx[best]] < pos[best] + sizeof(b) + b.incl)
			break; /* a record cut short */
		fwrite(blobs[idx[best]] + pos[best], 1, sizeof(b) + b.incl, f);
		pos[best] += sizeof(b) + b.incl;
		written++;
	}
	if (fclose(f))
		return -errno;
	return written;
}

/* Stops a capture across machines and writes its files. */
static int remote_stop(struct lcapture *lc, struct err *err)
{
	char **blobs;
	size_t *lens, *idx, i, j, m;
	uint64_t dropped = 0;
	long long w;
	int rc;

	if (!lc->rc)
		return 0;
	blobs = calloc(lc->nt + 1, sizeof(*blobs));
	lens = calloc(lc->nt + 1, sizeof(*lens));
	idx = calloc(lc->nt + 1, sizeof(*idx));
	if (!blobs || !lens || !idx) {
		free(blobs);
		free(lens);
		free(idx);
		return err_set(err, -ENOMEM, "out of memory");
	}
	rc = lc->n->emu ? emu_capture_stop(lc->n->emu, lc->rc, blobs, lens,
					   &dropped, err) : 0;
	emu_capture_free(lc->rc);
	lc->rc = NULL;
	lc->rdropped = dropped;
	/* Each file once, from the targets that share it. */
	for (i = 0; !rc && i < lc->nt; i++) {
		for (j = 0; j < i && strcmp(lc->files[j], lc->files[i]); j++)
			;
		if (j < i)
			continue;
		for (j = i, m = 0; j < lc->nt; j++)
			if (!strcmp(lc->files[j], lc->files[i]))
				idx[m++] = j;
		w = merge_write(lc->files[i], blobs, lens, idx, m, lc->limit);
		if (w < 0)
			rc = err_set(err, (int)w, "capture %s: %s: %s",
				     lc->what, lc->files[i],
				     strerror((int)-w));
		else
			lc->rcount += (uint64_t)w;
	}
	for (i = 0; i < lc->nt; i++)
		free(blobs[i]);
	free(blobs);
	free(lens);
	free(idx);
	return rc;
}

static void remote_free(struct lcapture *lc)
{
	size_t i;

	if (lc->rc) {
		struct err err;

		err_clear(&err);
		remote_stop(lc, &err);
	}
	for (i = 0; lc->files && i < lc->nt; i++)
		free(lc->files[i]);
	free(lc->files);
	lc->files = NULL;
}

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
	lnet_need_running(L, n);
	if (emu_remote(n->emu) && (!strcmp(file, CAPTURE_STDOUT) ||
				    o->file_size))
		luaL_error(L, "capture across machines: to a file, without "
			      "a ring (size, files), for now");
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
	if (emu_remote(n->emu)) {
		struct emu_capture_target *et;
		int i;

		/* Each interface by its node's machine. */
		et = lua_newuserdatauv(L, k * sizeof(*et), 0);
		lc->files = calloc(k, sizeof(*lc->files));
		if (!lc->files)
			luaL_error(L, "out of memory");
		for (i = 0; i < k; i++) {
			et[i] = (struct emu_capture_target){
				.node = topo_node_find(n->topo, tg[i].node),
				.ifname = tg[i].ifname,
				.out_only = tg[i].out_only };
			lc->files[i] = strdup(tg[i].file);
			lc->nt++;
			if (!lc->files[i])
				luaL_error(L, "out of memory");
		}
		lua_pop(L, 1);
		lc->remote = true;
		lc->limit = o->count;
		if (emu_capture_start(n->emu, et, k, o->filter, o->snaplen,
				      o->count, &lc->rc, &err))
			luaL_error(L, "capture %s: %s", lc->what, err.msg);
	} else {
		if (capture_open(&lc->c, tg, k, o, &err))
			luaL_error(L, "capture %s: %s", lc->what, err.msg);
		capture_start(lc->c, EV_DEFAULT);
	}
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
		if (lc && lc->rc && lc->n == n) {
			struct err err;

			err_clear(&err);
			remote_stop(lc, &err);
		}
	}
	lua_pop(L, 1);
}

/* ---- The capture object ------------------------------------------------- */

static int l_stop(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	if (lc->remote) {
		struct err err;

		err_clear(&err);
		if (remote_stop(lc, &err))
			return luaL_error(L, "%s", err.msg);
		lua_pushinteger(L, (lua_Integer)lc->rcount);
		return 1;
	}
	if (lc->c)
		capture_stop(lc->c);
	lua_pushinteger(L, lc->c ? (lua_Integer)capture_count(lc->c) : 0);
	return 1;
}

static int l_count(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	if (lc->remote) { /* known once stopped */
		lua_pushinteger(L, (lua_Integer)lc->rcount);
		return 1;
	}
	lua_pushinteger(L, lc->c ? (lua_Integer)capture_count(lc->c) : 0);
	return 1;
}

static int l_dropped(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	if (lc->remote) {
		lua_pushinteger(L, (lua_Integer)lc->rdropped);
		return 1;
	}
	lua_pushinteger(L, lc->c ? (lua_Integer)capture_dropped(lc->c) : 0);
	return 1;
}

static int l_running(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	if (lc->remote) {
		lua_pushboolean(L, lc->rc != NULL);
		return 1;
	}
	lua_pushboolean(L, lc->c && capture_running(lc->c));
	return 1;
}

static int l_gc(lua_State *L)
{
	struct lcapture *lc = check_capture(L, 1);

	capture_free(lc->c);
	lc->c = NULL;
	remote_free(lc);
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
	if (lc->rc) {
		struct err err;

		err_clear(&err);
		remote_stop(lc, &err);
	}
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
