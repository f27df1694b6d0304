/*
 * serial: the model as text, for a worker on another machine.
 *
 * A coordinator runs the user's Lua file and sends the model to a
 * "lunet worker" on each machine; the worker cannot run the file (neither
 * it nor the files it names are there), so it gets the model itself.
 * What is written is what the user gave: names, kinds, the addresses,
 * MACs, interface names and MTUs the user chose, routing options, where
 * each thing was made.  Not the plan: the worker plans what it reads with
 * topo_plan(), which is deterministic, so addresses, loopbacks, ASNs,
 * speakers' prefixes and routes come out the same and are planned in one
 * place only.
 *
 * The format, version 1.  One record a line, each line ended by '\n',
 * fields split by one space:
 *
 *   lunet-topo 1
 *   topo name=NAME routes=auto|all|edge
 *   node NAME KIND [where=FILE:LINE] [stp] [ip=A/L] [lo=A/L]
 *   routing NAME proto=bgp|ospf daemon=frr|bird [asn=N] [router_id=A]
 *           [config=PATH config_text=TEXT] [extra=TEXT] [bfd] [unnumbered]
 *           [max_prefix=N] [speaker prefixes=COUNT|P,P,...]
 *   link A B [where=FILE:LINE] [mtu=N] [ifname=X,Y] [addr=P,P] [mac=M,M]
 *   end nodes=N links=N
 *
 * Nodes, then links, in index order (indexes are used everywhere); a
 * router's routing line follows its node's.  A field a user left to the
 * plan is left out; a link's per-end fields hold both ends split by ',',
 * an empty one for an end left to the plan.  Every string is
 * percent-encoded: bytes up to ' ', from 0x7f, and '%' ',' '=' are written
 * %XX, so any byte but NUL comes back and a record stays one line.  The
 * end line's counts tell a whole model from one cut short.
 *
 * Not carried, as not in the model: the plan (segments, planned
 * addresses, ASNs, router ids, routes), the caller's node->user, and what
 * the Lua layer keeps beside the topo (impairments given to net:link()
 * live in struct lnet: a worker gets those as impairments, not as
 * model).  A where without a file ("where=:7") reads back without one.
 */
#ifndef LUNET_TOPO_SERIAL_H
#define LUNET_TOPO_SERIAL_H

#include <stddef.h>

#include "topo/err.h"

struct topo;

#define TOPO_SERIAL_MAGIC "lunet-topo" /* the first line: it, and */
#define TOPO_SERIAL_VERSION 1

/* Writes t (planned or not) into a malloc'd buffer: *buf (the caller
 * frees it), *len bytes, NUL-terminated besides.  A router's config file
 * must have been read into its config_text (routing_config_read() on the
 * machine that has it): the model is for a machine that cannot read it.
 * Returns 0, -EINVAL with err naming the router whose config was not
 * read, or -ENOMEM. */
int topo_write(const struct topo *t, char **buf, size_t *len,
	       struct err *err);

/* Reads a model topo_write() wrote into a new, unplanned topo (the caller
 * frees it with topo_free()), whose topo_plan() is the plan of the topo
 * that was written.  Returns NULL with errno set and err naming the line
 * and what is wrong with it: EINVAL for a malformed model (a bad version
 * line, a model cut short, an unknown record or field, a bad value), the
 * graph's own code for what it refuses (EEXIST for a node defined twice;
 * its sentence, after the line), ENOMEM. */
struct topo *topo_read(const char *buf, size_t len, struct err *err);

#endif
