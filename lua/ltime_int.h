/*
 * What ltime.c (the clock, waiting, lunet.sleep()) and ltask.c (tasks:
 * lunet.go(), task handles, the runner's functions) share.
 */
#ifndef LUNET_LTIME_INT_H
#define LUNET_LTIME_INT_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

struct ltime_wait;

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define TASK_MT "lunet.task"
#define LIVE "lunet.tasks.live"       /* lightuserdata -> task, not done */
#define BY_THREAD "lunet.tasks.thread" /* thread -> task, not done */
#define FAILED "lunet.tasks.failed"   /* task -> true: failed, unobserved */
#define RUNNER "lunet.tasks.runner"   /* true: the runner reports failures */

enum task_state { T_RUNNING, T_SLEEPING, T_WAITING, T_DONE };

struct task {
	ev_timer timer;         /* sleeps and wake-ups */
	lua_State *co;
	lua_State *main;        /* the state's main thread, for callbacks */
	struct ltime_wait *wait; /* T_WAITING: what it waits for */
	struct ltime_wait **joiners; /* waiting for this task to end */
	size_t njoiners;
	enum task_state state;
	bool failed, cancelled, cancel_pending;
	lua_Integer id;
};

/* ltask.c */
struct task *ltask_current(lua_State *L);
void ltask_start_timer(struct task *t, double after);
void ltask_push_message(lua_State *L, int env);
void ltask_open(lua_State *L);

/* ltime.c */
bool ltime_run_until(lua_State *L, struct ltime_wait *w, double timeout);

#endif
