/* "lunet web NAME": a live view of a running emulation in a browser,
 * served by libmicrohttpd on 127.0.0.1 (elsewhere only with a token): the
 * drawing of "lunet graph", the links' state and rates as server-sent
 * events, a node's interfaces, counters and FIB, and the console's link
 * and impair commands (tools/web_int.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sys/intr.h"
#include "tools/cli.h"
#include "tools/graph.h"
#include "tools/web_int.h"
#include "topo/topo.h"

extern const char lunet_web_js[], lunet_web_css[];

#define TOKEN_LEN 32

struct web {
	struct web_state s;
	char *page;
	size_t page_len;
	char token[TOKEN_LEN + 1]; /* "": none needed */
	struct in_addr addr;
	unsigned port;
	bool ifnames;
};

struct sse {
	struct web *w;
	uint64_t seen;
	char *buf;
	size_t len, off;
	bool last;
};

static void args_parse(int argc, char **argv, struct web *w,
		       const char **name)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "token", required_argument, NULL, 'T' },
		{ "ifnames", no_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	w->port = 8080;
	w->addr.s_addr = htonl(INADDR_LOOPBACK);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "web", "hp:a:iq", longopts)) !=
	       -1) {
		switch (c) {
		case 'h':
			cli_help_exit("web");
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 65535)
				cli_bad_args("web", "--port: '%s' is not a TCP "
					     "port (1 to 65535)", optarg);
			w->port = (unsigned)v;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &w->addr) != 1)
				cli_bad_args("web", "--addr: '%s' is not an "
					     "IPv4 address", optarg);
			break;
		case 'T':
			if (strlen(optarg) < 8 || strlen(optarg) > TOKEN_LEN ||
			    strspn(optarg, "0123456789abcdefghijklmnopqrstuv"
					   "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "_-") != strlen(optarg))
				cli_bad_args("web", "--token: 8 to %d letters, "
					     "digits, '_' or '-'", TOKEN_LEN);
			snprintf(w->token, sizeof(w->token), "%s", optarg);
			break;
		case 'i':
			w->ifnames = true;
			break;
		case 'q':
			cli_quiet = true;
			break;
		}
	}
	if (argc - optind != 1) {
		if (argc - optind > 1)
			cli_bad_args("web", "unexpected argument '%s'",
				     argv[optind + 1]);
		cli_usage_exit("web");
	}
	*name = argv[optind];
}

/* A token of random letters and digits, for an address other than
 * 127.0.0.1. */
static int make_token(char *out)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[TOKEN_LEN];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i;

	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		if (fd >= 0)
			close(fd);
		return cli_fail("cannot read /dev/urandom for a token");
	}
	close(fd);
	for (i = 0; i < TOKEN_LEN; i++)
		out[i] = set[raw[i] % (sizeof(set) - 1)];
	out[TOKEN_LEN] = '\0';
	return 0;
}

/* Compares in time that does not depend on where they differ. */
static bool token_ok(const struct web *w, const char *given)
{
	size_t n = strlen(w->token), i;
	unsigned char d = 0;

	if (!n)
		return true;
	if (!given || strlen(given) != n)
		return false;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(given[i] ^ w->token[i]);
	return d == 0;
}

/* ---- Responses --------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
			     const char *type, const void *buf, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, (void *)buf,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code,
				  const char *text)
{
	return reply(c, code, "text/plain; charset=utf-8", text,
		     strlen(text));
}

/* Runs fill(w, arg, f) into a memory stream and replies with it. */
static enum MHD_Result reply_json(struct MHD_Connection *c, struct web *w,
				  int (*fill)(struct web *, const char *,
					      FILE *),
				  const char *arg)
{
	enum MHD_Result rc;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return MHD_NO;
	err = fill(w, arg, f);
	fclose(f);
	if (err == -ENOENT)
		rc = reply_text(c, MHD_HTTP_NOT_FOUND, "no such node\n");
	else if (err)
		rc = reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				"out of memory\n");
	else
		rc = reply(c, MHD_HTTP_OK, "application/json", buf, len);
	free(buf);
	return rc;
}

static int fill_topo(struct web *w, const char *arg, FILE *f)
{
	pthread_mutex_lock(&w->s.lock);
	web_topo_json(&w->s, f);
	pthread_mutex_unlock(&w->s.lock);
	return 0;
}

/* The drawing of the topology as it is now. */
static enum MHD_Result serve_svg(struct MHD_Connection *c, struct web *w)
{
	enum MHD_Result rc;

	pthread_mutex_lock(&w->s.lock);
	rc = reply(c, MHD_HTTP_OK, "image/svg+xml", w->s.svg, w->s.svg_len);
	pthread_mutex_unlock(&w->s.lock);
	return rc;
}

static int fill_state(struct web *w, const char *arg, FILE *f)
{
	pthread_mutex_lock(&w->s.lock);
	web_state_json(&w->s, f);
	pthread_mutex_unlock(&w->s.lock);
	return 0;
}

static int fill_node(struct web *w, const char *name, FILE *f)
{
	return name ? web_node_json(&w->s, name, f) : -ENOENT;
}

/* ---- Server-sent events: the state, each time it changes --------------- */

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *e = cls;
	struct web_state *s = &e->w->s;
	FILE *f;
	size_t n;

	if (e->off == e->len) {
		if (e->last)
			return MHD_CONTENT_READER_END_OF_STREAM;
		free(e->buf);
		e->buf = NULL;
		e->len = e->off = 0;
		f = open_memstream(&e->buf, &e->len);
		if (!f)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		pthread_mutex_lock(&s->lock);
		if (s->seq == e->seen)
			web_state_wait(s, e->seen);
		if (s->stopping) {
			e->last = true;
		} else if (s->seq == e->seen) {
			fputs(": still here\n\n", f); /* finds closed peers */
		} else {
			fputs("data: ", f);
			web_state_json(s, f);
			fputs("\n\n", f);
			e->seen = s->seq;
			e->last = s->gone;
		}
		pthread_mutex_unlock(&s->lock);
		fclose(f);
		if (!e->len)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = e->len - e->off < max ? e->len - e->off : max;
	memcpy(buf, e->buf + e->off, n);
	e->off += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *e = cls;

	free(e->buf);
	free(e);
}

static enum MHD_Result serve_events(struct MHD_Connection *c, struct web *w)
{
	struct sse *e = calloc(1, sizeof(*e));
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (!e)
		return MHD_NO;
	e->w = w;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
					      sse_read, e, sse_free);
	if (!r) {
		free(e);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* ---- The console's commands -------------------------------------------- */

/* What an impairment may say: the console's words, nothing that would
 * end its line. */
static bool spec_ok(const char *s)
{
	return strlen(s) < 200 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789 .%=_:-") ==
		       strlen(s);
}

static enum MHD_Result serve_link(struct MHD_Connection *c, struct web *w)
{
	const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						     "id");
	const char *op = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						     "op");
	const char *spec = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "spec");
	char line[512], *out = NULL, *errs = NULL, *end, *buf = NULL;
	const char *a = NULL, *b = NULL;
	const struct topo *t;
	enum MHD_Result rc;
	size_t len = 0;
	unsigned long l;
	FILE *f;
	int status;

	l = id ? strtoul(id, &end, 10) : 0;
	pthread_mutex_lock(&w->s.lock);
	t = w->s.t;
	if (id && !*end && l < t->nlinks) {
		a = t->nodes[topo_link_node(t, (uint32_t)l, 0)].name;
		b = t->nodes[topo_link_node(t, (uint32_t)l, 1)].name;
	}
	if (!a || !op)
		line[0] = '\0';
	else if (!strcmp(op, "down") || !strcmp(op, "up"))
		snprintf(line, sizeof(line), "link %s %s %s", a, b, op);
	else if (!strcmp(op, "impair") && spec && *spec && spec_ok(spec))
		snprintf(line, sizeof(line), "impair %s %s %s", a, b, spec);
	else
		line[0] = '\0';
	pthread_mutex_unlock(&w->s.lock);
	if (!a || !op)
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
				  "id=LINK and op=down|up|impair\n");
	if (!line[0])
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
				  "op=down|up, or op=impair&spec=SETTINGS "
				  "(delay 20ms loss 5%, clear)\n");
	status = cli_ctl_capture(w->s.name, line, &out, &errs);
	f = open_memstream(&buf, &len);
	if (f) {
		fprintf(f, "{\"ok\":%s,\"line\":", status ? "false" : "true");
		web_json_str(f, line);
		fputs(",\"out\":", f);
		web_json_str(f, out ? out : "");
		fputs(",\"err\":", f);
		web_json_str(f, errs ? errs : "");
		fputc('}', f);
		fclose(f);
	}
	rc = f ? reply(c, status ? 422 : MHD_HTTP_OK,
		       "application/json", buf, len) : MHD_NO;
	free(buf);
	free(out);
	free(errs);
	return rc;
}

/* ---- Requests ------------------------------------------------------------ */

/* Another site's page in the same browser can send requests to
 * 127.0.0.1, and a name of its own can be made to point there (DNS
 * rebinding): so the Host must be the address served (or localhost), and
 * a request that changes something must carry a header that such a page
 * cannot send without the server's leave (which a CORS preflight would
 * ask, and never gets). */
#define CHANGE_HEADER "X-Lunet-Request"

static bool host_ok(const struct web *w, struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Host");
	char ip[INET_ADDRSTRLEN], want[64], local[64];

	if (!host)
		return false;
	inet_ntop(AF_INET, &w->addr, ip, sizeof(ip));
	snprintf(want, sizeof(want), "%s:%u", ip, w->port);
	snprintf(local, sizeof(local), "localhost:%u", w->port);
	return !strcmp(host, want) || !strcmp(host, local) ||
	       (w->port == 80 && (!strcmp(host, ip) ||
				  !strcmp(host, "localhost")));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	static int seen;
	struct web *w = cls;
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");

	/* The first call only says a request began; a body is not read. */
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!token_ok(w, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						     "token")))
		return reply_text(c, MHD_HTTP_FORBIDDEN,
				  "lunet web: this address needs the token "
				  "of the URL lunet printed\n");
	if (!host_ok(w, c))
		return reply_text(c, MHD_HTTP_FORBIDDEN,
				  "lunet web: a request for another host\n");
	if (post && !MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 CHANGE_HEADER))
		return reply_text(c, MHD_HTTP_FORBIDDEN,
				  "lunet web: a change needs the header "
				  CHANGE_HEADER " (the page sends it)\n");
	if (get && !strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8",
			     w->page, w->page_len);
	if (get && !strcmp(url, "/graph.svg"))
		return serve_svg(c, w);
	if (get && !strcmp(url, "/api/topo"))
		return reply_json(c, w, fill_topo, NULL);
	if (get && !strcmp(url, "/api/state"))
		return reply_json(c, w, fill_state, NULL);
	if (get && !strcmp(url, "/api/node"))
		return reply_json(c, w, fill_node,
				  MHD_lookup_connection_value(
					  c, MHD_GET_ARGUMENT_KIND, "name"));
	if (get && !strcmp(url, "/events"))
		return serve_events(c, w);
	if (post && !strcmp(url, "/api/link"))
		return serve_link(c, w);
	if (!get && !post)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "GET or POST\n");
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not here\n");
}

/* Without a token only this machine's loopback may ask. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa,
				 socklen_t len)
{
	const struct web *w = cls;
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	if (w->token[0])
		return MHD_YES;
	return sa->sa_family == AF_INET &&
			       (ntohl(in->sin_addr.s_addr) >> 24) == 127 ?
		       MHD_YES :
		       MHD_NO;
}

/* ---- The page ------------------------------------------------------------ */

static int make_page(struct web *w)
{
	FILE *f;

	f = open_memstream(&w->page, &w->page_len);
	if (!f)
		return cli_fail("out of memory");
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n<title>lunet web: %s</title>\n"
		   "<style>\n%s</style>\n</head>\n<body>\n"
		   "<header><b>lunet</b> <span id=\"name\">%s</span> "
		   "<span id=\"status\">connecting</span></header>\n"
		   "<main><div id=\"graph\"></div>\n<aside id=\"panel\">"
		   "<p>Click a node or a link.</p></aside></main>\n"
		   "<script>\n%s</script>\n</body>\n</html>\n",
		w->s.name, lunet_web_css, w->s.name, lunet_web_js);
	return fclose(f) ? cli_fail("out of memory") : 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int cmd_web(int argc, char **argv)
{
	struct web w = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct MHD_Daemon *d = NULL;
	const char *name;
	char ip[INET_ADDRSTRLEN];
	int rc = 1;

	args_parse(argc, argv, &w, &name);
	if (cli_need_root() || intr_install())
		return 1;
	if (ntohl(w.addr.s_addr) != INADDR_LOOPBACK && !w.token[0] &&
	    make_token(w.token))
		return 1;
	if (web_state_start(&w.s, name, w.ifnames) || make_page(&w))
		goto out;
	sa.sin_addr = w.addr;
	sa.sin_port = htons((uint16_t)w.port);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_THREAD_PER_CONNECTION,
			     (uint16_t)w.port, on_accept, &w, on_request, &w,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
			     MHD_OPTION_END);
	inet_ntop(AF_INET, &w.addr, ip, sizeof(ip));
	if (!d) {
		cli_fail("%s: cannot listen on %s port %u (in use?)", name, ip,
			 w.port);
		goto out;
	}
	cli_say("%s: http://%s:%u/%s%s\n", name, ip, w.port,
		w.token[0] ? "?token=" : "", w.token);
	fflush(stdout);
	while (!intr_signal) {
		pthread_mutex_lock(&w.s.lock);
		rc = w.s.gone;
		pthread_mutex_unlock(&w.s.lock);
		if (rc)
			break;
		pause_ms(200);
	}
	if (rc)
		cli_fail("%s: the emulation ended", name);
	rc = rc ? 1 : 0;
	/* Waking the event streams first lets their threads end, which
	 * MHD_stop_daemon() waits for. */
	pthread_mutex_lock(&w.s.lock);
	w.s.stopping = true;
	pthread_cond_broadcast(&w.s.changed);
	pthread_mutex_unlock(&w.s.lock);
	MHD_stop_daemon(d);
out:
	web_state_stop(&w.s);
	free(w.page);
	return rc;
}
