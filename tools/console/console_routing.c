/* The console's commands about routing daemons: "vtysh NODE [CMD...]" and
 * "birdc NODE [CMD...]" on the user's terminal, reaching the daemons of
 * that router, and "routes NODE", its kernel FIB.  Also the rewriting of
 * "NODE vtysh ..." / "NODE birdc ..." so that the node's own daemons
 * answer (console_routing_argv()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/engine.h"
#include "core/routing/routing.h"
#include "lua/lunet.h"
#include "tools/console/console_int.h"
#include "topo/topo.h"

/* Writes s to f in single quotes, for sh. */
static void quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* The shell line "TOOL ARGS... [-c 'CMD']" (vtysh) or "TOOL ARGS... 'CMD'"
 * (birdc) for router node, malloc'd, or NULL after saying why. */
static char *tool_line(struct console *c, const char *cmdname,
		       uint32_t node, const char *tool, const char *cmd)
{
	char *argv[8], buf[ROUTING_PATHSIZ + 16], *out = NULL;
	size_t len;
	int k, count;
	FILE *f;

	count = routing_cli_argv(c->n->topo, node, tool, argv, buf,
				 sizeof(buf));
	if (count < 0) {
		const struct topo_routing *r = topo_routing(c->n->topo, node);

		console_fail(c, cmdname, "%s %s", c->n->topo->nodes[node].name,
			     r ? (r->daemon == TOPO_DAEMON_FRR ?
					  "runs FRR: use vtysh" :
					  "runs BIRD: use birdc") :
				 "runs no routing daemon");
		return NULL;
	}
	f = open_memstream(&out, &len);
	if (!f) {
		console_fail(c, cmdname, "out of memory");
		return NULL;
	}
	for (k = 0; k < count; k++) {
		if (k)
			fputc(' ', f);
		quote(f, argv[k]);
	}
	if (cmd && *cmd) {
		fputs(!strcmp(tool, "vtysh") ? " -c " : " ", f);
		/* birdc takes the command as words: leave them as typed. */
		if (!strcmp(tool, "vtysh"))
			quote(f, cmd);
		else
			fputs(cmd, f);
	}
	if (fclose(f)) {
		console_fail(c, cmdname, "out of memory");
		return NULL;
	}
	return out;
}

/* "TOOL NODE [CMD...]": the whole line after TOOL is in rest. */
static int tool_cmd(struct console *c, const char *tool, const char *rest,
		    struct console_run *run)
{
	char name[72]; /* a node name: 64 at most */
	uint32_t node;
	size_t w;

	while (*rest == ' ' || *rest == '\t')
		rest++;
	w = strcspn(rest, " \t");
	if (!w || w >= sizeof(name))
		return console_fail(c, NULL, "usage: %s NODE [CMD...]", tool);
	memcpy(name, rest, w);
	name[w] = '\0';
	node = console_node(c, tool, name);
	if (node == TOPO_NONE)
		return 1;
	rest += w;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	emu_nspath(c->n->emu, node, run->nspath, sizeof(run->nspath));
	snprintf(run->who, sizeof(run->who), "%s", name);
	run->cmd = tool_line(c, tool, node, tool, rest);
	if (run->cmd && console_remote_wrap(c, node, run))
		return console_fail(c, name, "cannot reach its machine");
	return run->cmd ? CONSOLE_RUN : 1;
}

int console_vtysh(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	return tool_cmd(c, "vtysh", rest, run);
}

int console_birdc(struct console *c, int argc, char **argv, const char *rest,
		  struct console_run *run)
{
	return tool_cmd(c, "birdc", rest, run);
}

int console_routes(struct console *c, int argc, char **argv,
		   const char *rest, struct console_run *run)
{
	uint32_t node = console_node(c, "routes", argv[1]);
	char *text = NULL;
	int rc;

	if (node == TOPO_NONE)
		return 1;
	rc = routing_fib_format(c->n->topo, node, &text);
	if (rc)
		return console_fail(c, "routes", "%s: cannot read its FIB: %s",
				    argv[1], strerror(-rc));
	fputs(text, c->out);
	free(text);
	return 0;
}

char *console_routing_argv(struct console *c, uint32_t node,
			   const char *rest)
{
	const char *tool = NULL, *args;
	size_t w = strcspn(rest, " \t");
	char *line, *out;

	if (w == 5 && !strncmp(rest, "vtysh", 5))
		tool = "vtysh";
	else if (w == 5 && !strncmp(rest, "birdc", 5))
		tool = "birdc";
	char *targv[8], buf[ROUTING_PATHSIZ + 16];

	if (!tool || routing_cli_argv(c->n->topo, node, tool, targv, buf,
				      sizeof(buf)) < 0)
		return NULL; /* run as typed */
	line = tool_line(c, c->n->topo->nodes[node].name, node, tool, NULL);
	if (!line)
		return NULL;
	args = rest + w;
	out = malloc(strlen(line) + strlen(args) + 1);
	if (out) {
		strcpy(out, line);
		strcat(out, args);
	}
	free(line);
	return out;
}
