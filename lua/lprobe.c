/* net:probe(): steady probe streams (core/observe/stream), waited for on the loop,
 * so that faults, flaps and other probes go on while they run. */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "core/engine/engine.h"
#include "core/sys/netns.h"
#include "core/observe/stream.h"
#include "lua/lopts.h"
#include "lua/lunet.h"
#include "topo/topo.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define PROBE_MT "lunet.probe"
#define RESULT_MT "lunet.probe_result"

struct lprobe {
	struct stream *s;
	struct ltime_wait w;
	struct stream_opts o;
	size_t n;
	bool single; /* one pair: a result, not an array of them */
	/* Across machines: the flows' nodes, the machines' streams, polled
	 * for their results. */
	struct emu *e;
	uint32_t *src, *dst;
	struct emu_probe *rp;
	struct stream_result *res;
	ev_timer poll;
	char why[256]; /* a poll that failed */
	double t0;     /* lunet.now() when it started */
};

static void remote_free(struct lprobe *p)
{
	if (p->e)
		ev_timer_stop(EV_DEFAULT, &p->poll);
	emu_probe_free(p->rp);
	free(p->src);
	free(p->dst);
	free(p->res);
	p->rp = NULL;
	p->src = p->dst = NULL;
	p->res = NULL;
	p->e = NULL;
}

static void on_poll(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct lprobe *p = container_of(t, struct lprobe, poll);
	struct err err;
	int rc;

	err_clear(&err);
	rc = emu_probe_poll(p->e, p->rp, p->res, &err);
	if (rc == 0)
		return; /* again in a moment */
	if (rc < 0)
		snprintf(p->why, sizeof(p->why), "%s", err.msg);
	ev_timer_stop(loop, t);
	ltime_done(&p->w);
}

static void on_done(void *arg)
{
	ltime_done(&((struct lprobe *)arg)->w);
}

static void probe_cancel(struct ltime_wait *w)
{
	struct lprobe *p = container_of(w, struct lprobe, w);

	if (p->s)
		stream_stop(p->s);
	if (p->e)
		ev_timer_stop(EV_DEFAULT, &p->poll);
}

static int probe_gc(lua_State *L)
{
	struct lprobe *p = luaL_checkudata(L, 1, PROBE_MT);

	stream_free(p->s);
	p->s = NULL;
	remote_free(p);
	return 0;
}

static void set_num(lua_State *L, const char *key, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, key);
}

/* Pushes the result table of flow i; its names are at index names. */
static void push_result(lua_State *L, struct lprobe *p, size_t i, int names)
{
	static const char *protos[] = { "icmp", "udp" };
	struct stream_result r;

	if (p->res)
		r = p->res[i];
	else
		stream_result(p->s, i, &r);
	lua_createtable(L, 0, 16);
	luaL_setmetatable(L, RESULT_MT);
	lua_rawgeti(L, names, (lua_Integer)(2 * i + 1));
	lua_setfield(L, -2, "src");
	lua_rawgeti(L, names, (lua_Integer)(2 * i + 2));
	lua_setfield(L, -2, "dst");
	lua_pushstring(L, protos[p->o.proto]);
	lua_setfield(L, -2, "proto");
	set_num(L, "rate", p->o.rate);
	set_num(L, "duration", p->o.duration);
	set_int(L, "sent", r.sent);
	set_int(L, "received", r.received);
	set_int(L, "late", r.late);
	set_int(L, "errors", r.errors);
	set_int(L, "skipped", r.skipped);
	set_num(L, "loss", r.loss);
	set_num(L, "rtt_min", r.rtt_min * 1000);
	set_num(L, "rtt_avg", r.rtt_avg * 1000);
	set_num(L, "rtt_max", r.rtt_max * 1000);
	set_num(L, "outage", r.outage);
	set_int(L, "outages", r.outages);
}

static double num_field(lua_State *L, int t, const char *key)
{
	double v;

	lua_getfield(L, t, key);
	v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

/* Logs the result table on top as a probe_end event. */
static void log_result(lua_State *L, const char *net)
{
	const char *src, *dst, *proto;

	lua_getfield(L, -1, "src");
	lua_getfield(L, -2, "dst");
	lua_getfield(L, -3, "proto");
	src = lua_tostring(L, -3);
	dst = lua_tostring(L, -2);
	proto = lua_tostring(L, -1);
	levent(L, "probe_end", "net:s", net, "src:s", src, "dst:s", dst,
	       "proto:s", proto, "sent:i", (long long)num_field(L, -4, "sent"),
	       "received:i", (long long)num_field(L, -4, "received"),
	       "loss:f", num_field(L, -4, "loss"), "outage:f",
	       num_field(L, -4, "outage"), "rtt_avg:f",
	       num_field(L, -4, "rtt_avg"), NULL);
	lua_pop(L, 3);
}

/* A series is at most this many bins, of 50 ms or more. */
#define SERIES_BINS 600

static void push_array(lua_State *L, const struct stream_bin *b, size_t n,
		       bool rtt)
{
	size_t i;

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		if (rtt && !b[i].received)
			lua_pushboolean(L, 0); /* JSON false: no reply */
		else if (rtt)
			lua_pushnumber(L, b[i].rtt * 1000);
		else
			lua_pushnumber(L, b[i].sent ? 1 - (double)b[i].received /
						      b[i].sent : 0);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Logs what flow i saw over time as a probe_series event: from t0 (the
 * probe's start, lunet.now() seconds), a bin every bin seconds, loss
 * (0 to 1) and mean RTT (ms; false without a reply) per bin, for the
 * plots of "lunet test --report".  The result table is on top. */
static void log_series(lua_State *L, struct lprobe *p, size_t i,
		       const char *net)
{
	struct stream_bin *bins;
	size_t per, n, slots = (size_t)(p->o.rate * p->o.duration + 0.5);

	per = (size_t)(p->o.rate / 20 + 0.5);
	if (per < 1)
		per = 1;
	if (slots / per >= SERIES_BINS)
		per = slots / SERIES_BINS + 1;
	bins = calloc(SERIES_BINS + 1, sizeof(*bins));
	if (!bins)
		return; /* a log without the series, not a failed probe */
	n = stream_series(p->s, i, per, bins, SERIES_BINS + 1);
	lua_createtable(L, 0, 8);
	lua_pushstring(L, "probe_series");
	lua_setfield(L, -2, "event");
	lua_pushstring(L, net);
	lua_setfield(L, -2, "net");
	lua_getfield(L, -2, "src");
	lua_setfield(L, -2, "src");
	lua_getfield(L, -2, "dst");
	lua_setfield(L, -2, "dst");
	set_num(L, "t0", p->t0);
	set_num(L, "bin", (double)per / p->o.rate);
	push_array(L, bins, n, false);
	lua_setfield(L, -2, "loss");
	push_array(L, bins, n, true);
	lua_setfield(L, -2, "rtt");
	levent_table(L, -1);
	lua_pop(L, 1);
	free(bins);
}

/* After the wait: the probe userdata is at ctx, the names at ctx + 1, the
 * network at 1. */
static int probe_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lprobe *p = luaL_checkudata(L, (int)ctx, PROBE_MT);
	struct lnet *n = lnet_check(L, 1);
	size_t i;

	if (p->why[0])
		return luaL_error(L, "probe: %s", p->why);
	if (!p->single)
		lua_createtable(L, (int)p->n, 0);
	for (i = 0; i < p->n; i++) {
		push_result(L, p, i, (int)ctx + 1);
		if (n->topo)
			log_result(L, n->topo->name);
		if (n->topo && p->s && !p->res)
			log_series(L, p, i, n->topo->name);
		if (!p->single)
			lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	stream_free(p->s);
	p->s = NULL;
	remote_free(p);
	return 1;
}

/* Option key of the (checked) options at t, a duration: def when absent. */
static double duration_opt(lua_State *L, int t, const char *key, double def)
{
	double d = def;

	if (lua_isnoneornil(L, t))
		return def;
	if (lua_getfield(L, t, key) != LUA_TNIL)
		d = ltime_checkduration(L, -1);
	lua_pop(L, 1);
	return d;
}

static void read_opts(lua_State *L, int t, struct stream_opts *o)
{
	static const struct lopt known[] = {
		{ "rate", LOPT_NUMBER },
		{ "duration", LOPT_DURATION },
		{ "timeout", LOPT_DURATION },
		{ "proto", LOPT_STRING },
		{ NULL, 0 },
	};
	const char *proto;

	lopts_check(L, t, known, "net:probe()");
	o->rate = lopts_number(L, t, "rate", 50);
	if (!(o->rate > 0 && o->rate <= 10000))
		luaL_error(L, "probe: rate must be a number of probes per "
			      "second, from 0 to 10000");
	o->duration = duration_opt(L, t, "duration", 1);
	o->timeout = duration_opt(L, t, "timeout", 1);
	o->proto = STREAM_ICMP;
	proto = lopts_string(L, t, "proto");
	if (proto && !strcmp(proto, "udp"))
		o->proto = STREAM_UDP;
	else if (proto && strcmp(proto, "icmp"))
		luaL_error(L, "probe: proto must be \"icmp\" or \"udp\", "
			      "not \"%s\"", proto);
	if (!(o->duration > 0))
		luaL_error(L, "probe: duration must be more than 0");
	if (o->rate * o->duration > STREAM_MAX_PROBES)
		luaL_error(L, "probe: %f probes per flow is too many",
			   o->rate * o->duration);
}

/* Adds the flow from a to b (node arguments at ia, ib); names collects
 * their names, at index names. */
static void add_flow(lua_State *L, struct lnet *n, struct lprobe *p, int ia,
		     int ib, int names)
{
	char src[NETNS_PATHSIZ], dst[NETNS_PATHSIZ];
	uint32_t a = lnode_arg(L, ia, n), b = lnode_arg(L, ib, n);
	uint32_t ip = topo_node_ip(n->topo, b);
	int rc;

	if (!ip)
		luaL_error(L, "probe: node %s has no address to probe",
			   n->topo->nodes[b].name);
	if (emu_remote(n->emu)) {
		uint32_t *ns = realloc(p->src, (p->n + 1) * sizeof(*ns)), *nd;

		if (ns)
			p->src = ns;
		nd = ns ? realloc(p->dst, (p->n + 1) * sizeof(*nd)) : NULL;
		if (!nd)
			luaL_error(L, "out of memory");
		p->dst = nd;
		p->src[p->n] = a;
		p->dst[p->n] = b;
		rc = 0;
	} else {
		emu_nspath(n->emu, a, src, sizeof(src));
		emu_nspath(n->emu, b, dst, sizeof(dst));
		rc = stream_add(p->s, src, dst, ip);
	}
	if (rc < 0)
		luaL_error(L, "probe %s->%s: cannot open its sockets: %s",
			   n->topo->nodes[a].name, n->topo->nodes[b].name,
			   strerror(-rc));
	lua_pushstring(L, n->topo->nodes[a].name);
	lua_rawseti(L, names, (lua_Integer)(2 * p->n + 1));
	lua_pushstring(L, n->topo->nodes[b].name);
	lua_rawseti(L, names, (lua_Integer)(2 * p->n + 2));
	p->n++;
}

/* net:probe(a, b [, opts]) or net:probe({{a, b}, ...} [, opts]) */
static int l_probe(lua_State *L)
{
	struct lnet *n = lnet_check(L, 1);
	bool single = !lua_istable(L, 2) || luaL_testudata(L, 2, LNODE_MT);
	int opts = single ? 4 : 3, top, ud, names;
	lua_Integer k, len;
	struct lprobe *p;
	int rc;

	lua_settop(L, opts);
	top = lua_gettop(L);
	p = lua_newuserdatauv(L, sizeof(*p), 0);
	memset(p, 0, sizeof(*p));
	luaL_setmetatable(L, PROBE_MT);
	ud = top + 1;
	lua_newtable(L);
	names = top + 2;
	p->single = single;
	read_opts(L, opts, &p->o);
	lnet_need_running(L, n);
	rc = stream_new(EV_DEFAULT, &p->o, &p->s);
	if (rc)
		return luaL_error(L, "probe: %s", strerror(-rc));
	if (single) {
		add_flow(L, n, p, 2, 3, names);
	} else {
		len = (lua_Integer)luaL_len(L, 2);
		if (!len)
			return luaL_error(L, "probe: no pairs given");
		for (k = 1; k <= len; k++) {
			lua_rawgeti(L, 2, k);
			luaL_checktype(L, -1, LUA_TTABLE);
			lua_rawgeti(L, -1, 1);
			lua_rawgeti(L, -2, 2);
			add_flow(L, n, p, lua_gettop(L) - 1, lua_gettop(L),
				 names);
			lua_pop(L, 3);
		}
	}
	lua_rawgeti(L, names, 1);
	lua_rawgeti(L, names, 2);
	levent(L, "probe_start", "net:s", n->topo->name, "flows:i",
	       (long long)p->n, "src:s", lua_tostring(L, -2), "dst:s",
	       lua_tostring(L, -1), "proto:s",
	       p->o.proto == STREAM_UDP ? "udp" : "icmp", "rate:f", p->o.rate,
	       "duration:f", p->o.duration, NULL);
	lua_settop(L, names);
	p->w.cancel = probe_cancel;
	if (emu_remote(n->emu)) {
		struct err err;

		/* Each source's machine runs its flows; the results are
		 * asked for once they should be in. */
		err_clear(&err);
		p->res = calloc(p->n + 1, sizeof(*p->res));
		if (!p->res)
			return luaL_error(L, "out of memory");
		if (emu_probe_start(n->emu, &p->o, p->src, p->dst, p->n,
				    &p->rp, &err))
			return luaL_error(L, "probe: %s", err.msg);
		p->e = n->emu;
		ev_timer_init(&p->poll, on_poll,
			      p->o.duration + p->o.timeout + 0.05, 0.2);
		ev_timer_start(EV_DEFAULT, &p->poll);
		return ltime_wait(L, &p->w, ud, probe_k);
	}
	p->t0 = ltime_now(L);
	stream_start(p->s, on_done, p);
	return ltime_wait(L, &p->w, ud, probe_k);
}

static int result_tostring(lua_State *L)
{
	char buf[256];

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "src");
	lua_getfield(L, 1, "dst");
	lua_getfield(L, 1, "proto");
	snprintf(buf, sizeof(buf),
		 "%s->%s %s: %.0f sent, %.0f received, %.1f%% loss, rtt "
		 "min/avg/max %.3f/%.3f/%.3f ms, longest outage %.3f s",
		 luaL_optstring(L, 2, "?"), luaL_optstring(L, 3, "?"),
		 luaL_optstring(L, 4, "?"), num_field(L, 1, "sent"),
		 num_field(L, 1, "received"), num_field(L, 1, "loss") * 100,
		 num_field(L, 1, "rtt_min"), num_field(L, 1, "rtt_avg"),
		 num_field(L, 1, "rtt_max"), num_field(L, 1, "outage"));
	lua_pushstring(L, buf);
	return 1;
}

void lprobe_open(lua_State *L)
{
	static const luaL_Reg net_fns[] = {
		{ "probe", l_probe },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, PROBE_MT);
	lua_pushcfunction(L, probe_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, RESULT_MT);
	lua_pushcfunction(L, result_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);

	luaL_getmetatable(L, LNET_MT);
	lua_getfield(L, -1, "__index");
	if (lua_getupvalue(L, -1, 1))
		luaL_setfuncs(L, net_fns, 0);
	lua_pop(L, 3);
}
