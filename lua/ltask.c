/*
 * Tasks: lunet.go() runs a function as a coroutine the loop resumes (see
 * ltime.c for how tasks sleep and wait), a task handle (task:wait(),
 * task:cancel(), task.state...) tells how it ended, and the runner
 * (lua/lib/test.lua) waits for, cancels and collects the failures of tasks.
 */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "lua/ltime_int.h"
#include "lua/lunet.h"

static lua_Integer task_ids;

static void task_finish(struct task *t, int rc, int nres);
static void task_cancel(struct task *t);

/* ---- Tasks: bookkeeping ------------------------------------------------- */

static struct task *check_task(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, TASK_MT);
}

/* The task running as thread L, or NULL when L is not a task's. */
struct task *ltask_current(lua_State *L)
{
	struct task *t = NULL;

	lua_getfield(L, LUA_REGISTRYINDEX, BY_THREAD);
	lua_pushthread(L);
	if (lua_rawget(L, -2) == LUA_TUSERDATA)
		t = lua_touserdata(L, -1);
	lua_pop(L, 2);
	return t;
}

/* Pushes the handle of live task t. */
static void push_live(lua_State *L, struct task *t)
{
	lua_getfield(L, LUA_REGISTRYINDEX, LIVE);
	lua_rawgetp(L, -1, t);
	lua_remove(L, -2);
}

void ltask_start_timer(struct task *t, double after)
{
	ev_now_update(EV_DEFAULT);
	ev_timer_stop(EV_DEFAULT, &t->timer);
	ev_timer_set(&t->timer, after, 0.);
	ev_timer_start(EV_DEFAULT, &t->timer);
}

static void task_resume(struct task *t, lua_State *from, int nargs)
{
	int nres = 0, rc;

	t->state = T_RUNNING;
	t->wait = NULL;
	rc = lua_resume(t->co, from, nargs, &nres);
	if (rc != LUA_YIELD) {
		task_finish(t, rc, nres);
		return;
	}
	lua_pop(t->co, nres);
	if (t->cancel_pending) {
		task_cancel(t);
	} else if (t->state == T_RUNNING) {
		/* A bare coroutine.yield() in a task: let the others run and
		 * come back on the next turn of the loop. */
		t->state = T_SLEEPING;
		ltask_start_timer(t, 0);
	}
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	task_resume(container_of(w, struct task, timer), NULL, 0);
}

static void wake_joiners(struct task *t)
{
	size_t i, n = t->njoiners;
	struct ltime_wait **j = t->joiners;

	t->joiners = NULL;
	t->njoiners = 0;
	for (i = 0; i < n; i++)
		ltime_done(j[i]);
	free(j);
}

/* Where an error happened in co: the innermost line of a script file
 * (embedded library chunks are named "=..."), else the innermost line. */
static void push_where(lua_State *L, lua_State *co)
{
	lua_Debug ar;
	int level, found = 0;

	for (level = 0; lua_getstack(co, level, &ar); level++) {
		if (!lua_getinfo(co, "Sl", &ar) || ar.currentline <= 0)
			continue;
		if (ar.source[0] == '@') {
			lua_pushfstring(L, "%s:%d", ar.short_src,
					ar.currentline);
			if (found)
				lua_remove(L, -2);
			return;
		}
		if (!found++)
			lua_pushfstring(L, "%s:%d", ar.short_src,
					ar.currentline);
	}
	if (!found)
		lua_pushnil(L);
}

/* Replaces the table on top with lunet.inspect() of it, when it can. */
static void inspect_top(lua_State *L)
{
	int top = lua_gettop(L);

	lua_getglobal(L, "lunet");
	if (lua_type(L, -1) == LUA_TTABLE &&
	    lua_getfield(L, -1, "inspect") == LUA_TFUNCTION) {
		lua_pushvalue(L, top);
		if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
			lua_replace(L, top);
			lua_settop(L, top);
			return;
		}
	}
	lua_settop(L, top);
}

/* Pushes the message of the error recorded in env (a failed task's user
 * value): a string as it is, a value with __tostring through it, a table
 * through lunet.inspect, with the place it was raised in front when the
 * message does not start with it already. */
void ltask_push_message(lua_State *L, int env)
{
	const char *msg, *where;
	size_t wlen;

	env = lua_absindex(L, env);
	lua_getfield(L, env, "err");
	if (lua_type(L, -1) == LUA_TTABLE) {
		if (luaL_getmetafield(L, -1, "__tostring") != LUA_TNIL)
			lua_pop(L, 1);
		else
			inspect_top(L);
	}
	msg = luaL_tolstring(L, -1, NULL);
	lua_remove(L, -2);
	lua_getfield(L, env, "where");
	where = lua_tolstring(L, -1, &wlen);
	if (where && strncmp(msg, where, wlen)) {
		lua_pushfstring(L, "%s: %s", where, msg);
		lua_replace(L, -3);
	}
	lua_pop(L, 1);
}

/* Ends live task t, whose handle is on top of M: no longer anchored, its
 * joiners woken. */
static void task_retire(lua_State *M, struct task *t)
{
	ev_timer_stop(EV_DEFAULT, &t->timer);
	t->state = T_DONE;
	lua_getfield(M, LUA_REGISTRYINDEX, BY_THREAD);
	lua_getiuservalue(M, -2, 1);
	lua_getfield(M, -1, "co");
	lua_remove(M, -2);
	lua_pushnil(M);
	lua_rawset(M, -3);
	lua_pop(M, 1);
	lua_getfield(M, LUA_REGISTRYINDEX, LIVE);
	lua_pushnil(M);
	lua_rawsetp(M, -2, t);
	lua_pop(M, 1);
	wake_joiners(t);
}

/* Records how the coroutine ended, in the task's user value: results, or
 * the error with where it happened, its traceback and when. */
static void task_finish(struct task *t, int rc, int nres)
{
	lua_State *M = t->main, *co = t->co;
	int i;

	luaL_checkstack(M, nres + 8, "task results");
	push_live(M, t); /* keeps it alive past task_retire() */
	lua_getiuservalue(M, -1, 1);
	if (rc == LUA_OK) {
		lua_createtable(M, nres, 1);
		lua_xmove(co, M, nres);
		for (i = nres; i > 0; i--)
			lua_rawseti(M, -(i + 1), i);
		lua_pushinteger(M, nres);
		lua_setfield(M, -2, "n");
		lua_setfield(M, -2, "results");
	} else {
		t->failed = true;
		lua_xmove(co, M, 1);
		lua_setfield(M, -2, "err");
		push_where(M, co);
		lua_setfield(M, -2, "where");
		luaL_traceback(M, co, NULL, 0);
		lua_setfield(M, -2, "traceback");
		lua_pushnumber(M, ltime_now(M));
		lua_setfield(M, -2, "fail_t");
		ltask_push_message(M, -1);
		levent(M, "task_failed", "task:i", (long long)t->id,
		       "error:s", lua_tostring(M, -1), NULL);
		lua_pop(M, 1);
		if (!t->njoiners) {
			lua_getfield(M, LUA_REGISTRYINDEX, FAILED);
			lua_pushvalue(M, -3);
			lua_pushboolean(M, 1);
			lua_rawset(M, -3);
			lua_pop(M, 1);
		}
	}
	lua_pop(M, 1);
	task_retire(M, t);
	lua_pop(M, 1);
}

static void task_cancel(struct task *t)
{
	struct ltime_wait *w = t->wait;

	if (t->state == T_DONE)
		return;
	if (t->state == T_RUNNING) {
		/* It is on the C stack right now: finish it at its next
		 * yield. */
		t->cancel_pending = true;
		return;
	}
	t->wait = NULL;
	if (w) {
		w->task = NULL;
		if (w->cancel)
			w->cancel(w);
	}
	t->cancelled = true;
	push_live(t->main, t);
	task_retire(t->main, t);
	lua_pop(t->main, 1);
	/* Runs the task's pending __close handlers (a flap lets its link go
	 * there); an error in one has nobody left to report to. */
#if LUA_VERSION_RELEASE_NUM >= 50406
	lua_closethread(t->co, t->main);
#else
	lua_resetthread(t->co);
#endif
}

/* ---- lunet.go ---------------------------------------------------------- */

/* lunet.go(fn, ...): runs fn(...) as a task, right now until it first
 * sleeps or waits, then on the loop. */
static int l_go(lua_State *L)
{
	int nargs = lua_gettop(L) - 1;
	struct task *t;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	t = lua_newuserdatauv(L, sizeof(*t), 1);
	memset(t, 0, sizeof(*t));
	luaL_setmetatable(L, TASK_MT);
	ev_init(&t->timer, on_timer);
	t->id = ++task_ids;
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	t->main = lua_tothread(L, -1);
	lua_pop(L, 1);

	lua_createtable(L, 0, 4);
	t->co = lua_newthread(L);
	lua_setfield(L, -2, "co");
	lua_setiuservalue(L, -2, 1);

	lua_getfield(L, LUA_REGISTRYINDEX, LIVE);
	lua_pushvalue(L, -2);
	lua_rawsetp(L, -2, t);
	lua_pop(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, BY_THREAD);
	lua_pushthread(t->co);
	lua_xmove(t->co, L, 1);
	lua_pushvalue(L, -3);
	lua_rawset(L, -3);
	lua_pop(L, 1);

	/* The task handle stays at the top; fn and its arguments move. */
	lua_insert(L, 1);
	lua_xmove(L, t->co, nargs + 1);
	task_resume(t, L, nargs);
	return 1;
}

/* ---- Task handles ---------------------------------------------------------- */

static void unfail(lua_State *L, int task)
{
	task = lua_absindex(L, task);
	lua_getfield(L, LUA_REGISTRYINDEX, FAILED);
	lua_pushvalue(L, task);
	lua_pushnil(L);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* Returns the results of the done task at index 1, or raises its error. */
static int outcome(lua_State *L)
{
	struct task *t = check_task(L, 1);
	int n;

	unfail(L, 1);
	if (t->cancelled)
		return luaL_error(L, "task %d was cancelled", (int)t->id);
	lua_getiuservalue(L, 1, 1);
	if (t->failed) {
		ltask_push_message(L, -1);
		return lua_error(L);
	}
	if (lua_getfield(L, -1, "results") != LUA_TTABLE)
		return 0;
	lua_getfield(L, -1, "n");
	n = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	luaL_checkstack(L, n, "task results");
	for (int i = 1; i <= n; i++)
		lua_rawgeti(L, -i, i);
	return n;
}

struct join {
	struct ltime_wait w;
	struct task *target;
};

static void join_remove(struct join *j)
{
	struct task *t = j->target;
	size_t i;

	for (i = 0; t && i < t->njoiners; i++) {
		if (t->joiners[i] != &j->w)
			continue;
		t->joiners[i] = t->joiners[--t->njoiners];
		break;
	}
	j->target = NULL;
}

static void join_cancel(struct ltime_wait *w)
{
	join_remove(container_of(w, struct join, w));
}

static int join_gc(lua_State *L)
{
	join_remove(lua_touserdata(L, 1));
	return 0;
}

static int wait_k(lua_State *L, int status, lua_KContext ctx)
{
	join_remove(lua_touserdata(L, 2));
	lua_settop(L, 1);
	return outcome(L);
}

/* task:wait(): the task's results, or its error raised here. */
static int l_task_wait(lua_State *L)
{
	struct task *t = check_task(L, 1);
	struct ltime_wait **grown;
	struct join *j;

	lua_settop(L, 1);
	if (t->state == T_DONE)
		return outcome(L);
	if (ltask_current(L) == t)
		return luaL_error(L, "a task cannot wait for itself");
	grown = realloc(t->joiners, (t->njoiners + 1) * sizeof(*grown));
	if (!grown)
		return luaL_error(L, "out of memory");
	t->joiners = grown;
	j = lua_newuserdatauv(L, sizeof(*j), 0);
	memset(j, 0, sizeof(*j));
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, join_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	j->w.cancel = join_cancel;
	j->target = t;
	t->joiners[t->njoiners++] = &j->w;
	return ltime_wait(L, &j->w, 0, wait_k);
}

static int l_task_cancel(lua_State *L)
{
	task_cancel(check_task(L, 1));
	return 0;
}

static const char *state_name(const struct task *t)
{
	static const char *names[] = { "running", "sleeping", "waiting" };

	if (t->state != T_DONE)
		return names[t->state];
	return t->cancelled ? "cancelled" : t->failed ? "failed" : "done";
}

static int task_index(lua_State *L)
{
	struct task *t = check_task(L, 1);
	const char *key = luaL_checkstring(L, 2);

	if (!strcmp(key, "done")) {
		lua_pushboolean(L, t->state == T_DONE);
	} else if (!strcmp(key, "ok")) {
		lua_pushboolean(L, t->state == T_DONE && !t->failed &&
					   !t->cancelled);
	} else if (!strcmp(key, "cancelled")) {
		lua_pushboolean(L, t->cancelled);
	} else if (!strcmp(key, "state")) {
		lua_pushstring(L, state_name(t));
	} else if (!strcmp(key, "id")) {
		lua_pushinteger(L, t->id);
	} else if (!strcmp(key, "error")) {
		if (!t->failed)
			return 0;
		lua_getiuservalue(L, 1, 1);
		ltask_push_message(L, -1);
	} else if (!strcmp(key, "where") || !strcmp(key, "traceback") ||
		   !strcmp(key, "fail_t") || !strcmp(key, "err")) {
		lua_getiuservalue(L, 1, 1);
		lua_getfield(L, -1, key);
	} else {
		lua_getfield(L, lua_upvalueindex(1), key);
	}
	return 1;
}

static int task_tostring(lua_State *L)
{
	struct task *t = check_task(L, 1);

	lua_pushfstring(L, "task %d (%s)", (int)t->id, state_name(t));
	return 1;
}

static int task_gc(lua_State *L)
{
	struct task *t = check_task(L, 1);

	/* Only at lua_close() can a live task be collected. */
	ev_timer_stop(EV_DEFAULT, &t->timer);
	if (t->wait && t->wait->cancel)
		t->wait->cancel(t->wait);
	t->wait = NULL;
	free(t->joiners);
	t->joiners = NULL;
	t->njoiners = 0;
	return 0;
}

/* ---- What the runner uses ----------------------------------------------- */

/* lunet._wait(task, timeout): runs the loop until the task is done or
 * timeout seconds have passed; returns whether it is done. */
static int l_wait(lua_State *L)
{
	struct task *t = check_task(L, 1);
	double timeout = luaL_optnumber(L, 2, 0);
	struct join j = { .w.cancel = join_cancel, .target = t };
	struct ltime_wait **grown;
	bool done;

	if (t->state == T_DONE) {
		lua_pushboolean(L, 1);
		return 1;
	}
	grown = realloc(t->joiners, (t->njoiners + 1) * sizeof(*grown));
	if (!grown)
		return luaL_error(L, "out of memory");
	t->joiners = grown;
	t->joiners[t->njoiners++] = &j.w;
	done = ltime_run_until(L, &j.w, timeout);
	join_remove(&j);
	lua_pushboolean(L, done);
	return 1;
}

/* lunet._cancel_all(): cancels every live task; returns how many. */
static int l_cancel_all(lua_State *L)
{
	int n = 0, i;

	lua_newtable(L);
	lua_getfield(L, LUA_REGISTRYINDEX, LIVE);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_rawseti(L, -4, ++n);
	}
	lua_pop(L, 1);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		task_cancel(lua_touserdata(L, -1));
		lua_pop(L, 1);
	}
	lua_pushinteger(L, n);
	return 1;
}

/* lunet._failed(): the tasks that failed with nobody waiting for them,
 * since the last call. */
static int l_failed(lua_State *L)
{
	lua_Integer n = 0;

	lua_newtable(L);
	lua_getfield(L, LUA_REGISTRYINDEX, FAILED);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -4, ++n);
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, FAILED);
	return 1;
}

/* lunet._runner(on): the runner reports background failures itself. */
static int l_runner(lua_State *L)
{
	lua_pushboolean(L, lua_toboolean(L, 1));
	lua_setfield(L, LUA_REGISTRYINDEX, RUNNER);
	return 0;
}

/* ---- Opening ------------------------------------------------------------- */

/* Makes the registry tables of tasks and the type of their handles, and
 * adds lunet.go() and the runner's functions to the table on top. */
void ltask_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "go", l_go },
		{ "_wait", l_wait },
		{ "_cancel_all", l_cancel_all },
		{ "_failed", l_failed },
		{ "_runner", l_runner },
		{ NULL, NULL },
	};
	static const luaL_Reg task_methods[] = {
		{ "wait", l_task_wait },
		{ "cancel", l_task_cancel },
		{ NULL, NULL },
	};

	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LIVE);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, FAILED);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, BY_THREAD);

	luaL_newmetatable(L, TASK_MT);
	luaL_newlib(L, task_methods);
	lua_pushcclosure(L, task_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, task_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, task_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);

	luaL_setfuncs(L, fns, 0);
}
