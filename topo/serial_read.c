/*
 * serial_read: a model topo_write() wrote, read back into a topo (the
 * format is in topo/serial.h).
 *
 * Everything goes through topo_node_add(), topo_link_add() and
 * topo_routing_set(), so a model from elsewhere is checked by the same
 * rules as one made from Lua, and a refusal is theirs with the line in
 * front.  Lines are read one at a time into one buffer and cut in place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/serial.h"
#include "topo/topo.h"

#define FIELDS_MAX 32 /* a routing line has 14 at most */

/* The model being read: what is left of it, and the current line cut
 * into its fields. */
struct in {
	const char *pos, *end;
	unsigned line;
	char *text; /* the current line, NUL-terminated, cut at spaces */
	size_t cap;
	char *field[FIELDS_MAX];
	int nfields;
	struct topo *t;
	struct err *err;
};

/* "line N: " and the sentence; returns code. */
static int __attribute__((format(printf, 3, 4)))
fail(struct in *in, int code, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!in->err)
		return code;
	k = snprintf(in->err->msg, sizeof(in->err->msg), "line %u: ",
		     in->line);
	va_start(ap, fmt);
	vsnprintf(in->err->msg + k, sizeof(in->err->msg) - (size_t)k, fmt,
		  ap);
	va_end(ap);
	return code;
}

static int split(struct in *in)
{
	char *p = in->text;

	in->nfields = 0;
	if (!*p)
		return fail(in, -EINVAL, "an empty line");
	for (;;) {
		if (*p == ' ' || *p == '\0')
			return fail(in, -EINVAL, "two spaces in a row, or one "
				    "at the start or end of the line");
		if (in->nfields == FIELDS_MAX)
			return fail(in, -EINVAL, "more than %d fields",
				    FIELDS_MAX);
		in->field[in->nfields++] = p;
		p = strchr(p, ' ');
		if (!p)
			return 0;
		*p++ = '\0';
	}
}

/* The next line into in->text, cut into fields.  Returns 1, 0 at the
 * end of the text, or -errno. */
static int next_line(struct in *in)
{
	const char *nl;
	size_t n;
	char *p;

	if (in->pos == in->end)
		return 0;
	in->line++;
	nl = memchr(in->pos, '\n', (size_t)(in->end - in->pos));
	if (!nl)
		return fail(in, -EINVAL, "the line has no end: the model was "
			    "cut short");
	n = (size_t)(nl - in->pos);
	if (memchr(in->pos, '\0', n))
		return fail(in, -EINVAL, "a NUL byte, which no field holds");
	if (n >= in->cap) {
		p = realloc(in->text, n + 1);
		if (!p)
			return fail(in, -ENOMEM, "out of memory");
		in->text = p;
		in->cap = n + 1;
	}
	memcpy(in->text, in->pos, n);
	in->text[n] = '\0';
	in->pos = nl + 1;
	return split(in) < 0 ? -EINVAL : 1;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undoes the percent-encoding of s, in place. */
static int decode(struct in *in, const char *what, char *s)
{
	char *d = s;
	int hi, lo;

	for (; *s; s++) {
		if (*s != '%') {
			*d++ = *s;
			continue;
		}
		hi = hex(s[1]);
		lo = hi < 0 ? -1 : hex(s[2]);
		if (lo < 0 || !(hi | lo))
			return fail(in, -EINVAL, "%s: '%%' is not followed "
				    "by the two hex digits of a byte other "
				    "than 0", what);
		*d++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*d = '\0';
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Field i as key and value (NULL for a flag). */
static char *field_key(struct in *in, int i, char **val)
{
	char *f = in->field[i], *eq = strchr(f, '=');

	*val = NULL;
	if (eq) {
		*eq = '\0';
		*val = eq + 1;
	}
	return f;
}

/* Checks that field key of a record has a value (or, for a flag, has
 * none). */
static int need(struct in *in, const char *rec, const char *key,
		const char *val, bool flag)
{
	if (flag && val)
		return fail(in, -EINVAL, "%s: field %s takes no value", rec,
			    key);
	if (!flag && !val)
		return fail(in, -EINVAL, "%s: field %s needs a value "
			    "(%s=...)", rec, key, key);
	return 0;
}

static int unknown_field(struct in *in, const char *rec, const char *key)
{
	return fail(in, -EINVAL, "%s: unknown field '%s'", rec, key);
}

static int number(struct in *in, const char *rec, const char *key,
		  const char *val, uint32_t *out)
{
	if (parse_u32(val, out))
		return fail(in, -EINVAL, "%s: %s '%s' is not a number from 0 "
			    "to %u", rec, key, val, UINT32_MAX);
	return 0;
}

/* "FILE:LINE", FILE encoded and empty when unknown. */
static int parse_where(struct in *in, const char *rec, char *val,
		       struct topo_where *w)
{
	char *colon = strrchr(val, ':');
	uint32_t line;

	if (!colon || parse_u32(colon + 1, &line) || line > INT32_MAX)
		return fail(in, -EINVAL, "%s: where '%s' is not FILE:LINE",
			    rec, val);
	*colon = '\0';
	w->line = (int)line;
	w->file = *val ? val : NULL;
	return decode(in, "where", val);
}

/* The node a record names in field i. */
static int node_ref(struct in *in, const char *rec, int i, uint32_t *n)
{
	int rc = decode(in, rec, in->field[i]);

	if (rc)
		return rc;
	*n = topo_node_find(in->t, in->field[i]);
	if (*n == TOPO_NONE)
		return fail(in, -EINVAL, "%s to node '%s', which no node line "
			    "before it names", rec, in->field[i]);
	return 0;
}

/* A sentence of the graph's (topo_*_add()) with the line in front. */
static int refused(struct in *in, int rc, const struct err *e)
{
	return fail(in, rc, "%s", e->msg);
}

/* What a node line says: the options of topo_node_add(), and the
 * fields it does not take, set on the node once it is made.  The
 * placement hints (group=, machine=) are two more strings here, decoded
 * in node_field() and strdup'd onto the node in read_node(). */
struct node_line {
	struct topo_node_opts o;
};

static int node_field(struct in *in, const char *key, char *val,
		      struct node_line *nl)
{
	int rc;

	if (!strcmp(key, "stp")) {
		nl->o.stp = true;
		return need(in, "node", key, val, true);
	}
	rc = need(in, "node", key, val, false);
	if (rc)
		return rc;
	if (!strcmp(key, "where"))
		return parse_where(in, "node", val, &nl->o.where);
	if (!strcmp(key, "ip"))
		nl->o.ip = val;
	else if (!strcmp(key, "lo"))
		nl->o.lo = val;
	else
		return unknown_field(in, "node", key);
	return 0;
}

static int read_node(struct in *in)
{
	struct node_line nl = { { 0 } };
	enum topo_kind kind;
	struct err e;
	char *key, *val;
	int i, rc;

	if (in->nfields < 3)
		return fail(in, -EINVAL, "a node line needs a name and a "
			    "kind");
	rc = decode(in, "node", in->field[1]);
	if (rc)
		return rc;
	if (topo_kind_parse(in->field[2], &kind))
		return fail(in, -EINVAL, "node %s: kind '%s' is not one of "
			    "host, switch, router", in->field[1],
			    in->field[2]);
	for (i = 3; i < in->nfields; i++) {
		key = field_key(in, i, &val);
		rc = node_field(in, key, val, &nl);
		if (rc)
			return rc;
	}
	rc = topo_node_add(in->t, in->field[1], kind, &nl.o, &e);
	return rc < 0 ? refused(in, rc, &e) : 0;
}

/* A speaker's prefixes: a count, or a list split by ','. */
static int parse_prefixes(struct in *in, char *val,
			  struct topo_routing_opts *o,
			  struct ip_prefix **list)
{
	uint32_t n = 1, i;
	char *p, *next;

	if (!strchr(val, '/'))
		return number(in, "routing", "prefixes", val, &o->nprefixes);
	for (p = val; *p; p++)
		n += *p == ',';
	*list = malloc(n * sizeof(**list));
	if (!*list)
		return fail(in, -ENOMEM, "out of memory");
	for (i = 0, p = val; i < n; i++, p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (ip_parse(p, 32, &(*list)[i]) < 0)
			return fail(in, -EINVAL, "routing: prefix '%s' is not "
				    "a prefix like 203.0.113.0/24", p);
	}
	o->prefixes = *list;
	o->nprefixes = n;
	return 0;
}

static int routing_field(struct in *in, const char *key, char *val,
			 struct topo_routing_opts *o,
			 struct ip_prefix **list)
{
	bool *flag = !strcmp(key, "bfd") ? &o->bfd :
		     !strcmp(key, "unnumbered") ? &o->unnumbered :
		     !strcmp(key, "speaker") ? &o->speaker : NULL;
	const char **str = !strcmp(key, "router_id") ? &o->router_id :
			   !strcmp(key, "config") ? &o->config :
			   !strcmp(key, "config_text") ? &o->config_text :
			   !strcmp(key, "extra") ? &o->extra : NULL;
	int rc;

	if (flag) {
		*flag = true;
		return need(in, "routing", key, val, true);
	}
	rc = need(in, "routing", key, val, false);
	if (rc)
		return rc;
	if (str) {
		*str = val;
		return decode(in, key, val);
	}
	if (!strcmp(key, "proto")) {
		if (topo_proto_parse(val, &o->proto) ||
		    o->proto == TOPO_PROTO_STATIC)
			return fail(in, -EINVAL, "routing: proto '%s' is not "
				    "bgp or ospf", val);
		return 0;
	}
	if (!strcmp(key, "daemon")) {
		if (topo_daemon_parse(val, &o->daemon))
			return fail(in, -EINVAL, "routing: daemon '%s' is not "
				    "frr or bird", val);
		return 0;
	}
	if (!strcmp(key, "asn"))
		return number(in, "routing", key, val, &o->asn);
	if (!strcmp(key, "max_prefix"))
		return number(in, "routing", key, val, &o->max_prefix);
	if (!strcmp(key, "prefixes"))
		return parse_prefixes(in, val, o, list);
	return unknown_field(in, "routing", key);
}

static int read_routing(struct in *in)
{
	struct topo_routing_opts o = { .proto = TOPO_PROTO_STATIC };
	struct ip_prefix *list = NULL;
	struct err e;
	char *key, *val;
	uint32_t n;
	int i, rc;

	if (in->nfields < 2)
		return fail(in, -EINVAL, "a routing line needs the name of "
			    "its router");
	rc = node_ref(in, "routing", 1, &n);
	if (rc)
		return rc;
	if (in->t->nodes[n].routing)
		return fail(in, -EINVAL, "routing of router %s is given "
			    "twice", in->field[1]);
	for (i = 2; i < in->nfields && !rc; i++) {
		key = field_key(in, i, &val);
		rc = routing_field(in, key, val, &o, &list);
	}
	if (!rc && o.proto == TOPO_PROTO_STATIC)
		rc = fail(in, -EINVAL, "routing of router %s: no proto",
			  in->field[1]);
	if (!rc) {
		rc = topo_routing_set(in->t, n, &o, &e);
		if (rc)
			rc = refused(in, rc, &e);
	}
	free(list);
	return rc;
}

/* "A,B" of a link's two ends into v, an empty one as NULL. */
static int ends(struct in *in, const char *key, char *val, const char *v[2])
{
	char *comma = strchr(val, ',');
	int rc;

	if (!comma || strchr(comma + 1, ','))
		return fail(in, -EINVAL, "link: %s '%s' is not two values "
			    "split by ','", key, val);
	*comma = '\0';
	v[0] = *val ? val : NULL;
	v[1] = comma[1] ? comma + 1 : NULL;
	rc = decode(in, key, val);
	return rc ? rc : decode(in, key, comma + 1);
}

static int link_field(struct in *in, const char *key, char *val,
		      struct topo_link_opts *o)
{
	int rc = need(in, "link", key, val, false);

	if (rc)
		return rc;
	if (!strcmp(key, "where"))
		return parse_where(in, "link", val, &o->where);
	if (!strcmp(key, "mtu"))
		return number(in, "link", key, val, &o->mtu);
	if (!strcmp(key, "ifname"))
		return ends(in, key, val, o->ifname);
	if (!strcmp(key, "addr"))
		return ends(in, key, val, o->addr);
	if (!strcmp(key, "mac"))
		return ends(in, key, val, o->mac);
	return unknown_field(in, "link", key);
}

static int read_link(struct in *in)
{
	struct topo_link_opts o = { 0 };
	struct err e;
	char *key, *val;
	uint32_t a, b;
	int i, rc;

	if (in->nfields < 3)
		return fail(in, -EINVAL, "a link line needs the names of its "
			    "two nodes");
	rc = node_ref(in, "link", 1, &a);
	if (!rc)
		rc = node_ref(in, "link", 2, &b);
	for (i = 3; i < in->nfields && !rc; i++) {
		key = field_key(in, i, &val);
		rc = link_field(in, key, val, &o);
	}
	if (rc)
		return rc;
	rc = topo_link_add(in->t, a, b, &o, &e);
	return rc < 0 ? refused(in, rc, &e) : 0;
}

/* "end nodes=N links=N": the counts tell a whole model from one cut at
 * a line's end. */
static int read_end(struct in *in)
{
	uint32_t nodes = UINT32_MAX, links = UINT32_MAX, *v;
	char *key, *val;
	int i, rc;

	for (i = 1; i < in->nfields; i++) {
		key = field_key(in, i, &val);
		v = !strcmp(key, "nodes") ? &nodes :
		    !strcmp(key, "links") ? &links : NULL;
		if (!v)
			return unknown_field(in, "end", key);
		rc = need(in, "end", key, val, false);
		if (!rc)
			rc = number(in, "end", key, val, v);
		if (rc)
			return rc;
	}
	if (nodes == UINT32_MAX || links == UINT32_MAX)
		return fail(in, -EINVAL, "end: needs nodes= and links=");
	if (nodes != in->t->nnodes || links != in->t->nlinks)
		return fail(in, -EINVAL, "the end line counts %u nodes and %u "
			    "links, and %u and %u came before it", nodes,
			    links, in->t->nnodes, in->t->nlinks);
	if (in->pos != in->end)
		return fail(in, -EINVAL, "text after the end line");
	return 0;
}

/* The version line and the topo line, which makes in->t. */
static int read_head(struct in *in)
{
	enum topo_routes scope = TOPO_ROUTES_AUTO;
	const char *name = NULL;
	char *key, *val;
	uint32_t version;
	int i, rc;

	rc = next_line(in);
	if (rc < 0)
		return rc;
	if (!rc) {
		in->line = 1;
		return fail(in, -EINVAL, "empty, not a model");
	}
	if (strcmp(in->field[0], TOPO_SERIAL_MAGIC) || in->nfields != 2 ||
	    parse_u32(in->field[1], &version))
		return fail(in, -EINVAL, "not a lunet model, which starts "
			    "with '" TOPO_SERIAL_MAGIC " %d'",
			    TOPO_SERIAL_VERSION);
	if (version != TOPO_SERIAL_VERSION)
		return fail(in, -EINVAL, "a model of version %u, and this "
			    "lunet reads version %d", version,
			    TOPO_SERIAL_VERSION);
	rc = next_line(in);
	if (rc < 0)
		return rc;
	if (!rc) {
		in->line++;
		return fail(in, -EINVAL, "the model ends before its topo "
			    "line: it was cut short");
	}
	if (strcmp(in->field[0], "topo"))
		return fail(in, -EINVAL, "the topo line should come second, "
			    "not '%s'", in->field[0]);
	for (i = 1; i < in->nfields; i++) {
		key = field_key(in, i, &val);
		rc = need(in, "topo", key, val, false);
		if (rc)
			return rc;
		if (!strcmp(key, "name")) {
			name = val;
			rc = decode(in, key, val);
		} else if (!strcmp(key, "routes")) {
			if (topo_routes_parse(val, &scope))
				rc = fail(in, -EINVAL, "topo: routes '%s' is "
					  "not auto, all or edge", val);
		} else {
			rc = unknown_field(in, "topo", key);
		}
		if (rc)
			return rc;
	}
	if (!name)
		return fail(in, -EINVAL, "topo: no name=");
	in->t = topo_new(name);
	if (!in->t)
		return fail(in, -ENOMEM, "out of memory");
	in->t->route_scope = scope;
	return 0;
}

static int read_body(struct in *in)
{
	const char *rec;
	int rc;

	while ((rc = next_line(in)) > 0) {
		rec = in->field[0];
		if (!strcmp(rec, "node"))
			rc = read_node(in);
		else if (!strcmp(rec, "routing"))
			rc = read_routing(in);
		else if (!strcmp(rec, "link"))
			rc = read_link(in);
		else if (!strcmp(rec, "end"))
			return read_end(in);
		else
			rc = fail(in, -EINVAL, "unknown record '%s'", rec);
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	in->line++;
	return fail(in, -EINVAL, "the model ends before its end line: it "
		    "was cut short");
}

struct topo *topo_read(const char *buf, size_t len, struct err *err)
{
	struct in in = { .pos = buf, .end = buf + len, .err = err };
	int rc;

	err_clear(err);
	rc = read_head(&in);
	if (!rc)
		rc = read_body(&in);
	free(in.text);
	if (rc) {
		topo_free(in.t);
		errno = -rc;
		return NULL;
	}
	return in.t;
}
