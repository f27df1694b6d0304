/*
 * Time in scenarios: lunet.now(), lunet.sleep(), lunet.go() and tasks, all
 * on the one libev loop (EV_DEFAULT).
 *
 * A task is a coroutine the loop resumes.  When a task sleeps or waits (for
 * a probe, a command, another task) it yields, and a watcher wakes it
 * later through the ev_timer inside the task: every resume starts from a
 * timer callback, never from the watcher that finished the work, so a task
 * may free what it waited for as soon as it runs again.  Code that is not
 * a task (the script's main chunk, the runner) waits by running the loop
 * itself, so tasks, probes and flaps go on meanwhile; so does C code that
 * runs the loop for its own ends (net:pingall()).
 *
 * Ownership: a live task is anchored in the registry (LIVE, keyed by its
 * address), so it runs even when the script drops its handle; once done it
 * is an ordinary value.  What a waiting C function needs after the wait
 * lives in userdata on its Lua stack, which a yield keeps.
 *
 * The tasks themselves (lunet.go(), their handles, what the runner uses)
 * are in ltask.c.
 */
#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "core/observe/events.h"
#include "core/sys/intr.h"
#include "lua/ltime_int.h"
#include "lua/lunet.h"

/* ---- Durations and the clock -------------------------------------------- */

double ltime_checkduration(lua_State *L, int idx)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "", 1 },   { "s", 1 },	  { "ms", 1e-3 }, { "us", 1e-6 },
		      { "m", 60 }, { "min", 60 }, { "h", 3600 } };
	const char *s, *end;
	double d = NAN;
	size_t i;

	if (lua_type(L, idx) == LUA_TNUMBER) {
		d = lua_tonumber(L, idx);
	} else if (lua_type(L, idx) == LUA_TSTRING) {
		s = lua_tostring(L, idx);
		d = strtod(s, (char **)&end);
		if (end == s)
			d = NAN;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].unit))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			d = NAN;
		else
			d *= units[i].scale;
	}
	if (!(d >= 0 && d <= 1e7))
		luaL_error(L, "invalid duration '%s': use seconds (1.5) or a "
			      "string such as \"200ms\", \"5s\", \"2m\"",
			   luaL_tolstring(L, idx, NULL));
	return d;
}

double ltime_now(lua_State *L)
{
	return events_clock(levents_get(L));
}

static int l_now(lua_State *L)
{
	lua_pushnumber(L, ltime_now(L));
	return 1;
}

static int l_duration(lua_State *L)
{
	lua_pushnumber(L, ltime_checkduration(L, 1));
	return 1;
}

/* ---- Waiting ------------------------------------------------------------- */

void ltime_done(struct ltime_wait *w)
{
	struct task *t = w->task;

	w->done = true;
	if (t && t->state == T_WAITING && t->wait == w)
		ltask_start_timer(t, 0);
}

static void stop_wait(struct ltime_wait *w)
{
	if (!w->done && w->cancel)
		w->cancel(w);
}

/* Raises the error of a background task nobody waited for, when running
 * the main chunk of a script (under the runner, the runner reports it). */
static void check_background(lua_State *L, struct ltime_wait *w)
{
	int ismain;

	lua_getfield(L, LUA_REGISTRYINDEX, RUNNER);
	ismain = lua_pushthread(L) && !lua_toboolean(L, -2);
	lua_pop(L, 2);
	if (!ismain)
		return;
	lua_getfield(L, LUA_REGISTRYINDEX, FAILED);
	lua_pushnil(L);
	if (!lua_next(L, -2)) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	stop_wait(w);
	lua_pushvalue(L, -1);
	lua_pushnil(L);
	lua_rawset(L, -4); /* observed now */
	lua_getiuservalue(L, -1, 1);
	ltask_push_message(L, -1);
	luaL_error(L, "background task failed: %s", lua_tostring(L, -1));
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	/* Nothing to do: firing makes the loop return to ltime_run_until(). */
}

/* Runs the loop until w is done, or timeout seconds have passed (0: no
 * limit).  Returns whether w is done. */
bool ltime_run_until(lua_State *L, struct ltime_wait *w, double timeout)
{
	ev_timer deadline;
	bool done = true;

	ev_now_update(EV_DEFAULT);
	ev_timer_init(&deadline, on_deadline, timeout, 0.);
	if (timeout > 0)
		ev_timer_start(EV_DEFAULT, &deadline);
	while (!w->done) {
		if (intr_signal) {
			ev_timer_stop(EV_DEFAULT, &deadline);
			stop_wait(w);
			luaL_error(L, "interrupted by signal %d",
				   (int)intr_signal);
		}
		if (timeout > 0 && !ev_is_active(&deadline)) {
			done = false;
			break;
		}
		ev_timer_stop(EV_DEFAULT, &deadline);
		check_background(L, w);
		if (timeout > 0)
			ev_timer_start(EV_DEFAULT, &deadline);
		ev_run(EV_DEFAULT, EVRUN_ONCE);
	}
	ev_timer_stop(EV_DEFAULT, &deadline);
	return done;
}

int ltime_wait(lua_State *L, struct ltime_wait *w, lua_KContext ctx,
	       lua_KFunction k)
{
	struct task *t = NULL;

	if (!w->done && lua_isyieldable(L))
		t = ltask_current(L);
	if (t) {
		t->state = T_WAITING;
		t->wait = w;
		w->task = t;
		return lua_yieldk(L, 0, ctx, k);
	}
	ltime_run_until(L, w, 0);
	return k(L, LUA_OK, ctx);
}

/* ---- lunet.sleep ------------------------------------------------------- */

struct sleeper {
	struct ltime_wait w;
	ev_timer timer;
};

static void on_sleep(struct ev_loop *loop, ev_timer *w, int revents)
{
	ltime_done(&container_of(w, struct sleeper, timer)->w);
}

static void sleeper_cancel(struct ltime_wait *w)
{
	ev_timer_stop(EV_DEFAULT, &container_of(w, struct sleeper, w)->timer);
}

static int sleep_k(lua_State *L, int status, lua_KContext ctx)
{
	return 0;
}

static int l_sleep(lua_State *L)
{
	double d = ltime_checkduration(L, 1);
	struct task *t = lua_isyieldable(L) ? ltask_current(L) : NULL;
	struct sleeper s = { .w.cancel = sleeper_cancel };

	if (t) {
		t->state = T_SLEEPING;
		ltask_start_timer(t, d);
		return lua_yieldk(L, 0, 0, sleep_k);
	}
	/* Not a task: the timer lives on this C stack, which stays until the
	 * loop has run it (ltime_run_until() stops it before raising). */
	ev_now_update(EV_DEFAULT);
	ev_timer_init(&s.timer, on_sleep, d, 0.);
	ev_timer_start(EV_DEFAULT, &s.timer);
	ltime_run_until(L, &s.w, 0);
	ev_timer_stop(EV_DEFAULT, &s.timer);
	return 0;
}

/* ---- Opening ------------------------------------------------------------- */

void ltime_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "now", l_now },
		{ "sleep", l_sleep },
		{ "duration", l_duration },
		{ NULL, NULL },
	};

	ltask_open(L);
	luaL_setfuncs(L, fns, 0);
}
