#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/sys/proc.h"
#include "core/control/state.h"
#include "topo/topo.h"

#define STATE_MAGIC "lunet-state 1"

static const char *const status_names[] = {
	[STATE_BUILDING] = "building",
	[STATE_RUNNING] = "running",
	[STATE_UP] = "up",
	[STATE_STOPPING] = "stopping",
};

const char *state_status_name(enum state_status s)
{
	return s <= STATE_STOPPING ? status_names[s] : "?";
}

const char *state_dir(void)
{
	const char *d = getenv("LUNET_STATE_DIR");

	return d && *d ? d : STATE_DIR_DEFAULT;
}

int state_path(char *buf, size_t len, const char *name, const char *file)
{
	int n;

	if (file)
		n = snprintf(buf, len, "%s/%s/%s", state_dir(), name, file);
	else
		n = snprintf(buf, len, "%s/%s", state_dir(), name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int state_claim(const char *name)
{
	char path[256];
	int err;

	if (mkdir(state_dir(), 0700) < 0 && errno != EEXIST)
		return -errno;
	err = state_path(path, sizeof(path), name, NULL);
	if (err)
		return err;
	if (mkdir(path, 0700) < 0)
		return -errno;
	return 0;
}

static void write_port(FILE *f, const struct topo *t, uint32_t p)
{
	const struct topo_port *port = &t->ports[p];
	char ip[IP_STRLEN];

	fprintf(f, " %s %s %s", t->nodes[port->node].name, port->ifname,
		port->addr.plen || port->addr.ip ?
			ip_format(&port->addr, true, ip) : "-");
}

static void write_topo(FILE *f, const struct topo *t)
{
	char ip[IP_STRLEN];
	uint32_t i;

	for (i = 0; i < t->nnodes; i++) {
		const struct topo_node *n = &t->nodes[i];

		fprintf(f, "node %s %s", n->name, topo_kind_name(n->kind));
		if (n->kind == TOPO_ROUTER && n->lo.ip)
			fprintf(f, " lo=%s", ip_format(&n->lo, true, ip));
		if (n->stp)
			fprintf(f, " stp");
		if (n->routing)
			fprintf(f, " routing=%s daemon=%s asn=%u",
				topo_proto_name(n->routing->proto),
				topo_daemon_name(n->routing->daemon),
				n->routing->asn);
		if (n->routing && n->routing->unnumbered)
			fprintf(f, " unnumbered");
		fputc('\n', f);
	}
	for (i = 0; i < t->nlinks; i++) {
		fprintf(f, "link");
		write_port(f, t, t->links[i].port[0]);
		write_port(f, t, t->links[i].port[1]);
		fprintf(f, " %u\n", t->links[i].mtu);
	}
}

int state_write(const struct topo *t, const struct state_info *info)
{
	char path[256], tmp[272];
	FILE *f;
	int err, fd;

	err = state_path(path, sizeof(path), t->name, "state");
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* 0600: the record's directories may be traversable (FRR's user
	 * reaches its routers' directories through them). */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	fprintf(f, STATE_MAGIC "\nname %s\nstatus %s\nowner %d %llu\n"
		   "created %lld\ncounts %u %u\n",
		t->name, state_status_name(info->status), (int)info->owner,
		info->owner_start, info->created, t->nnodes, t->nlinks);
	write_topo(f, t);
	if (fflush(f) || ferror(f)) {
		err = errno ? -errno : -EIO;
		fclose(f);
		unlink(tmp);
		return err;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

static int parse_status(const char *s, enum state_status *st)
{
	unsigned i;

	for (i = 0; i <= STATE_STOPPING; i++)
		if (!strcmp(s, status_names[i])) {
			*st = i;
			return 0;
		}
	return -EINVAL;
}

/* Parses one header line into info; returns 1 when it was one. */
static int parse_header(const char *line, struct state_info *info)
{
	char word[32];
	int pid;

	if (sscanf(line, "status %31s", word) == 1)
		return parse_status(word, &info->status) ? -EINVAL : 1;
	if (sscanf(line, "owner %d %llu", &pid, &info->owner_start) == 2) {
		info->owner = pid;
		return 1;
	}
	if (sscanf(line, "created %lld", &info->created) == 1)
		return 1;
	if (sscanf(line, "counts %u %u", &info->nnodes, &info->nlinks) == 2)
		return 1;
	return 0;
}

static int parse_node(struct topo *t, char *line, struct err *err)
{
	char name[128], kind[16], opt[64];
	struct topo_routing_opts ro = { 0 };
	struct topo_node_opts o = { 0 };
	enum topo_kind k;
	int off = 0, n;
	char *p;

	if (sscanf(line, "node %127s %15s%n", name, kind, &off) != 2 ||
	    topo_kind_parse(kind, &k))
		return -EINVAL;
	for (p = line + off; sscanf(p, " %63s%n", opt, &n) == 1; p += n) {
		if (!strncmp(opt, "lo=", 3))
			o.lo = strdup(opt + 3);
		else if (!strcmp(opt, "stp"))
			o.stp = true;
		else if (!strncmp(opt, "routing=", 8))
			topo_proto_parse(opt + 8, &ro.proto);
		else if (!strncmp(opt, "daemon=", 7))
			topo_daemon_parse(opt + 7, &ro.daemon);
		else if (!strncmp(opt, "asn=", 4))
			ro.asn = (uint32_t)strtoul(opt + 4, NULL, 10);
		else if (!strcmp(opt, "unnumbered"))
			ro.unnumbered = true;
	}
	n = topo_node_add(t, name, k, &o, err);
	free((char *)o.lo);
	if (n >= 0 && ro.proto != TOPO_PROTO_STATIC)
		return topo_routing_set(t, (uint32_t)n, &ro, err);
	return n < 0 ? n : 0;
}

static int parse_link(struct topo *t, const char *line, struct err *err)
{
	char node[2][128], ifname[2][32], addr[2][32];
	struct topo_link_opts o = { 0 };
	uint32_t a, b;
	int i, n;

	if (sscanf(line, "link %127s %31s %31s %127s %31s %31s %u", node[0],
		   ifname[0], addr[0], node[1], ifname[1], addr[1],
		   &o.mtu) != 7)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		o.ifname[i] = ifname[i];
		o.addr[i] = strcmp(addr[i], "-") ? addr[i] : NULL;
	}
	a = topo_node_find(t, node[0]);
	b = topo_node_find(t, node[1]);
	if (a == TOPO_NONE || b == TOPO_NONE)
		return -EINVAL;
	n = topo_link_add(t, a, b, &o, err);
	return n < 0 ? n : 0;
}

static int parse_line(struct topo *t, char *line, struct state_info *info,
		      struct err *err)
{
	int r;

	line[strcspn(line, "\n")] = '\0';
	if (!strncmp(line, "node ", 5))
		return parse_node(t, line, err);
	if (!strncmp(line, "link ", 5))
		return parse_link(t, line, err);
	if (!strncmp(line, "name ", 5))
		return 0;
	r = parse_header(line, info);
	return r < 0 ? r : 0;
}

static int read_file(const char *name, struct topo **tp, struct state_info *info,
		     struct err *err)
{
	char path[256], line[512];
	struct topo *t = NULL;
	int lineno = 1, rc = 0;
	FILE *f;

	rc = state_path(path, sizeof(path), name, "state");
	if (rc)
		return rc;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (!fgets(line, sizeof(line), f) || strncmp(line, STATE_MAGIC, 13)) {
		rc = err_set(err, -EINVAL, "%s: not a lunet state file", path);
		goto out;
	}
	if (tp) {
		t = topo_new(name);
		if (!t) {
			rc = -ENOMEM;
			goto out;
		}
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!t && (!strncmp(line, "node ", 5) ||
			   !strncmp(line, "link ", 5)))
			break;
		rc = t ? parse_line(t, line, info, err) :
			 parse_line(NULL, line, info, err);
		if (rc) {
			err_set(err, rc, "%s:%d: damaged state line", path,
				lineno);
			goto out;
		}
	}
out:
	fclose(f);
	if (rc)
		topo_free(t);
	else if (tp)
		*tp = t;
	return rc;
}

int state_read(const char *name, struct topo **t, struct state_info *info,
	       struct err *err)
{
	return read_file(name, t, info, err);
}

int state_read_info(const char *name, struct state_info *info)
{
	return read_file(name, NULL, info, NULL);
}

/* Removes everything under the directory open at fd, which it closes:
 * files, and directories depth levels down (a router's own directory).
 * Symbolic links are removed, never followed. */
static void remove_under(int fd, int depth)
{
	struct dirent *de;
	int sub;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!unlinkat(fd, de->d_name, 0) || errno != EISDIR || !depth)
			continue;
		sub = openat(fd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			remove_under(sub, depth - 1);
		unlinkat(fd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

int state_remove(const char *name)
{
	char path[256];
	int err, fd;

	err = state_path(path, sizeof(path), name, NULL);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	remove_under(fd, 2);
	return rmdir(path) < 0 ? -errno : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(char ***names, size_t *n)
{
	size_t len = 0, cap = 16;
	struct dirent *de;
	char **v, **nv;
	DIR *d;

	*names = NULL;
	*n = 0;
	d = opendir(state_dir());
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	v = malloc(cap * sizeof(*v));
	if (!v)
		goto err_close;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (len == cap) {
			nv = realloc(v, 2 * cap * sizeof(*v));
			if (!nv)
				goto err_free;
			v = nv;
			cap *= 2;
		}
		v[len] = strdup(de->d_name);
		if (!v[len])
			goto err_free;
		len++;
	}
	closedir(d);
	qsort(v, len, sizeof(*v), cmp_str);
	*names = v;
	*n = len;
	return 0;

err_free:
	state_list_free(v, len);
err_close:
	closedir(d);
	return -ENOMEM;
}

void state_list_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

bool state_owner_alive(const struct state_info *info)
{
	if (info->owner <= 0)
		return false;
	return proc_starttime(info->owner) == info->owner_start &&
	       proc_alive(info->owner);
}

bool state_is_stale(const struct state_info *info)
{
	/* "lunet up" leaves a daemon as the owner; an emulation left up
	 * with no owner at all was left so on purpose. */
	if (info->status == STATE_UP && !info->owner)
		return false;
	return !state_owner_alive(info);
}
