/*
 * record: what the coordinator of an emulation across machines keeps
 * under /run/lunet/<name>/ (how to reach each machine, where each node
 * went), the commands of the transports (ssh, kubectl exec, a simulated
 * machine's ssh), and the teardown of every machine from the record
 * alone ("lunet down", "lunet clean").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cluster/coord_int.h"
#include "core/sys/proc.h"
#include "topo/machines.h"
#include "topo/topo.h"

#define MACHINES_MAGIC "lunet-machines 1"

int record_dir(const char *name, char *buf, size_t len)
{
	return state_path(buf, len, name, "machines.d");
}

/* The record of the machines: how to reach each, and the placement. */
int write_record(struct cluster *c)
{
	char path[256], tmp[272], ip[INET_ADDRSTRLEN];
	uint32_t k, i;
	FILE *f;
	int rc = 0;

	if (state_path(path, sizeof(path), c->t->name, "machines"))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, MACHINES_MAGIC "\nspec %s\nport %u\nlunet %s\n",
		c->opts && c->opts->spec ? c->opts->spec : "-", c->port,
		c->lunet);
	for (k = 0; k < c->n; k++) {
		struct in_addr a = { htonl(c->w ? c->w[k].addr : 0) };

		fprintf(f, "machine %s %s %s %u %s %d %llu\n", c->m[k].name,
			c->m[k].kind == CLUSTER_LOCAL ? "local" :
			c->m[k].kind == CLUSTER_SSH ? "ssh" : "k8s",
			c->m[k].target, c->m[k].ssh_port,
			inet_ntop(AF_INET, &a, ip, sizeof(ip)),
			c->sim ? (int)c->sim[k].sshd : 0,
			c->sim ? c->sim[k].sshd_start : 0ULL);
	}
	fprintf(f, "place");
	for (i = 0; i < c->t->nnodes; i++)
		fprintf(f, " %u", c->machine_of[i]);
	fputc('\n', f);
	if (fflush(f) || ferror(f))
		rc = -EIO;
	fclose(f);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* A record read back: what cluster_destroy() and exec need. */
struct record {
	uint32_t n;
	struct cluster_machine m[SIM_MAX];
	struct sim_machine sim[SIM_MAX];
	bool local;
	char lunet[256];
	uint32_t *place;
	uint32_t nplace;
};

static int read_record(const char *name, struct record *r)
{
	char path[256], line[1024], kind[16], addr[64];
	uint32_t cap = 0;
	FILE *f;
	int pid;

	memset(r, 0, offsetof(struct record, place));
	r->place = NULL;
	r->nplace = 0;
	if (state_path(path, sizeof(path), name, "machines"))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    strncmp(line, MACHINES_MAGIC, strlen(MACHINES_MAGIC))) {
		fclose(f);
		return -EPROTO;
	}
	while (fgets(line, sizeof(line), f)) {
		struct cluster_machine *m = &r->m[r->n];
		struct sim_machine *s = &r->sim[r->n];
		unsigned port;
		char *p, *e;

		if (!strncmp(line, "lunet ", 6)) {
			snprintf(r->lunet, sizeof(r->lunet), "%.255s",
				 line + 6);
			r->lunet[strcspn(r->lunet, "\n")] = 0;
		} else if (!strncmp(line, "machine ", 8) && r->n < SIM_MAX &&
			   sscanf(line, "machine %63s %15s %255s %u %63s %d "
				  "%llu", m->name, kind, m->target, &port,
				  addr, &pid, &s->sshd_start) == 7) {
			m->ssh_port = port;
			m->kind = !strcmp(kind, "local") ? CLUSTER_LOCAL :
				  !strcmp(kind, "ssh")   ? CLUSTER_SSH :
							   CLUSTER_K8S;
			r->local |= m->kind == CLUSTER_LOCAL;
			memcpy(s->name, m->name, sizeof(s->name) - 1);
			s->sshd = pid;
			inet_pton(AF_INET, addr, &s->addr);
			s->addr = ntohl(s->addr);
			r->n++;
		} else if (!strncmp(line, "place", 5)) {
			/* one long line: read it whole */
			size_t sz = 0;
			char *rest = NULL;

			p = line + 5;
			if (!strchr(line, '\n') && getline(&rest, &sz, f) > 0) {
				char *all;

				if (asprintf(&all, "%s%s", p, rest) < 0)
					all = NULL;
				free(rest);
				p = rest = all;
			}
			while (p && *p && *p != '\n') {
				unsigned long v = strtoul(p, &e, 10);

				if (e == p)
					break;
				if (r->nplace == cap) {
					uint32_t *np;

					cap = cap ? 2 * cap : 1024;
					np = realloc(r->place,
						     cap * sizeof(*np));
					if (!np)
						break;
					r->place = np;
				}
				r->place[r->nplace++] = v;
				p = e;
			}
			free(rest);
		}
	}
	fclose(f);
	return 0;
}

bool cluster_recorded(const char *name)
{
	char path[256];

	return !state_path(path, sizeof(path), name, "machines") &&
	       access(path, F_OK) == 0;
}

/* s in single quotes for a POSIX shell ('\'' for a quote), in store;
 * NULL when store is full. */
static char *quote(const char *s, char *store, size_t size, size_t *used)
{
	char *out = store + *used, *p = out;

	if (size - *used < 3)
		return NULL;
	*p++ = '\'';
	for (; *s; s++) {
		if ((size_t)(p - store) + 6 >= size)
			return NULL;
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *s;
	}
	*p++ = '\'';
	*p++ = 0;
	*used = p - store;
	return out;
}

/* The transport's command for machine m, running "lunet <args>" there;
 * *nspath is where to run it from.  Strings live in store. */
int transport_argv(const struct cluster_machine *m, const char *dir,
		   const char *emu, const char *lunet, bool tty,
		   char *const args[], char **argv, int max, char *store,
		   size_t size, const char **nspath, char *nsbuf,
		   size_t nslen)
{
	int n = 0;
	size_t used = 0;

#define STR(...)                                                            \
	({                                                                  \
		char *__s = store + used;                                   \
		int __k = snprintf(__s, size - used, __VA_ARGS__);          \
		if (__k < 0 || (size_t)__k >= size - used)                  \
			return -ENAMETOOLONG;                               \
		used += __k + 1;                                            \
		__s;                                                        \
	})
#define ARG(s)                                                              \
	do {                                                                \
		if (n >= max - 1)                                           \
			return -E2BIG;                                      \
		argv[n++] = (s);                                            \
	} while (0)

	*nspath = NULL;
	if (m->kind == CLUSTER_K8S) {
		char *slash = strchr(m->target, '/');

		ARG("kubectl");
		ARG("exec");
		ARG(tty ? "-it" : "-i");
		if (slash) {
			ARG("-n");
			ARG(STR("%.*s", (int)(slash - m->target), m->target));
		}
		ARG(STR("%s", slash ? slash + 1 : m->target));
		ARG("--");
	} else {
		ARG("ssh");
		ARG(tty ? "-t" : "-T");
		ARG("-o");
		ARG("BatchMode=yes");
		ARG("-o");
		ARG("LogLevel=ERROR");
		ARG("-o");
		ARG("ControlMaster=auto");
		ARG("-o");
		ARG(STR("ControlPath=%s/ssh-%s", dir, m->name));
		ARG("-o");
		ARG("ControlPersist=60");
		ARG("-o");
		ARG("ServerAliveInterval=5");
		if (m->kind == CLUSTER_LOCAL) {
			ARG("-F");
			ARG("/dev/null");
			ARG("-i");
			ARG(STR("%s/client_key", dir));
			ARG("-o");
			ARG(STR("UserKnownHostsFile=%s/known_hosts", dir));
			ARG("-o");
			ARG("StrictHostKeyChecking=yes");
			if (sim_nspath(nsbuf, nslen, emu, "underlay"))
				return -ENAMETOOLONG;
			*nspath = nsbuf;
		}
		if (m->ssh_port) {
			ARG("-p");
			ARG(STR("%u", m->ssh_port));
		}
		ARG(STR("%s", m->target));
		ARG("--");
	}
	if (m->kind == CLUSTER_K8S) {
		if (lunet)
			ARG((char *)lunet);
		for (; *args; args++)
			ARG(*args);
	} else {
		/* ssh hands the remote shell one string: each word quoted,
		 * so that "vtysh -c 'show bgp summary'" stays three. */
		if (lunet)
			ARG(quote(lunet, store, size, &used));
		for (; *args; args++)
			ARG(quote(*args, store, size, &used));
		if (!argv[n - 1])
			return -ENAMETOOLONG;
	}
	argv[n] = NULL;
	return n;
#undef ARG
#undef STR
}

struct cluster_machine *cluster_machines_from(const struct topo_machines *ms)
{
	struct cluster_machine *m = calloc(ms->n ? ms->n : 1, sizeof(*m));
	uint32_t k;

	for (k = 0; m && k < ms->n; k++) {
		const struct topo_machine *s = &ms->v[k];

		snprintf(m[k].name, sizeof(m[k].name), "%s", s->name);
		switch (ms->kind) {
		case TOPO_MACHINES_LOCAL:
			m[k].kind = CLUSTER_LOCAL;
			snprintf(m[k].target, sizeof(m[k].target),
				 "root@%u.%u.%u.%u", SIM_NET >> 24,
				 (SIM_NET >> 16) & 255,
				 ((SIM_NET + k + 1) >> 8) & 255,
				 (SIM_NET + k + 1) & 255);
			break;
		case TOPO_MACHINES_SSH:
			m[k].kind = CLUSTER_SSH;
			snprintf(m[k].target, sizeof(m[k].target), "%s%s%s",
				 s->user ? s->user : "", s->user ? "@" : "",
				 s->host);
			m[k].ssh_port = s->port;
			break;
		case TOPO_MACHINES_K8S:
			m[k].kind = CLUSTER_K8S;
			snprintf(m[k].target, sizeof(m[k].target), "%s/%s",
				 ms->k8s_namespace, s->name);
			break;
		}
	}
	return m;
}

int cluster_destroy(const char *name, struct err *err)
{
	char *args[] = { "clean", (char *)name, NULL };
	char *argv[48], store[4096], ns[128], dir[256];
	char *clean[] = { NULL, "clean", (char *)name, NULL };
	struct record *r = calloc(1, sizeof(*r));
	const char *nspath;
	uint32_t k;
	int rc, status;
	pid_t pid;

	if (!r)
		return err_set(err, -ENOMEM, "out of memory");
	rc = read_record(name, r);
	if (rc) {
		free(r);
		return err_set(err, rc, "%s: cannot read its machines: %s",
			       name, strerror(-rc));
	}
	record_dir(name, dir, sizeof(dir));
	clean[0] = r->lunet;
	if (r->local) {
		rc = sim_down(name, r->n, r->sim, clean);
	} else {
		for (k = 0; k < r->n; k++) {
			if (transport_argv(&r->m[k], dir, name, r->lunet, false,
					   args, argv, 48, store,
					   sizeof(store), &nspath, ns,
					   sizeof(ns)) < 0)
				continue;
			pid = proc_spawn(nspath, argv, NULL);
			if (pid > 0)
				waitpid(pid, &status, 0);
			if (pid < 0 || !WIFEXITED(status) ||
			    WEXITSTATUS(status))
				rc = err_set(err, -EIO, "machine %s (%s): its "
					     "part may be left; run 'lunet "
					     "clean %s' there", r->m[k].name,
					     r->m[k].target, name);
		}
	}
	if (!rc)
		rc = state_remove(name);
	free(r->place);
	free(r);
	return rc;
}

int cluster_remote_argv(const char *name, const char *node, bool tty,
			char *const args[], char **argv, int max,
			const char **nspath, struct err *err)
{
	static char store[8192], ns[128];
	char dir[256];
	struct state_info info;
	struct record *r;
	struct topo *t = NULL;
	uint32_t i;
	int rc;

	rc = state_read(name, &t, &info, err);
	if (rc)
		return rc;
	i = topo_node_find(t, node);
	topo_free(t);
	if (i == TOPO_NONE)
		return -ENOENT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = read_record(name, r);
	if (!rc && (i >= r->nplace || r->place[i] >= r->n))
		rc = -ENOENT;
	record_dir(name, dir, sizeof(dir));
	if (!rc)
		rc = transport_argv(&r->m[r->place[i]], dir, name, r->lunet,
				    tty, args, argv, max, store, sizeof(store),
				    nspath, ns, sizeof(ns));
	if (rc < 0)
		err_set(err, rc, "%s: node %s: %s", name, node,
			strerror(-rc));
	free(r->place);
	free(r);
	return rc;
}
