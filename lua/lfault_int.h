/*
 * What the fault layer's files share: lfault.c (the state of a network's
 * faults, its links, failed nodes and net:reset()), lfault_proc.c (the
 * processes a fault stops, kills and starts again) and lpartition.c
 * (net:partition() and the partition handles).
 */
#ifndef LUNET_LFAULT_INT_H
#define LUNET_LFAULT_INT_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu;
struct lnet;

#define IN_TEST "lunet.in_test"  /* registry: true while a test runs */

enum { UP_NONE, FAIL_STOP, FAIL_KILL };

struct fstate {
	const struct emu *emu; /* the emulation this describes */
	double started;        /* and its build time: with emu, its identity */
	uint32_t nlinks, nnodes;
	uint8_t *manual;       /* per link: set down with link:down() */
	uint16_t *hold;        /* per link: faults holding it down */
	uint8_t *failed;       /* per node: UP_NONE, FAIL_STOP, FAIL_KILL */
	int partitions;        /* partitions made so far (their ids) */
};

/* lfault.c */
struct fstate *lfault_fstate_push(lua_State *L, int net);
void lfault_push_field(lua_State *L, int idx, const char *name);
const char *lfault_node_name(struct lnet *n, uint32_t i);
void lfault_hold(struct fstate *st, uint32_t l, int delta);
void lfault_put_links(lua_State *L, struct lnet *n, struct fstate *st,
		      const uint32_t *links, size_t count, const char *cause);

/* lfault_proc.c */
int lfault_stop_procs(lua_State *L, struct lnet *n, int st, uint32_t i,
		      bool hard);
int lfault_restore_procs(lua_State *L, struct lnet *n, int st, uint32_t i);
void lfault_reset_procs(lua_State *L, struct lnet *n, int sti);

/* lpartition.c: net:partition(), net:heal(), and the type of partition
 * handles, made by lpartition_open(). */
int lpartition_net_partition(lua_State *L);
int lpartition_net_heal(lua_State *L);
void lpartition_open(lua_State *L);

#endif
