/* Drawings rendered by Graphviz's dot program, and the live state of a
 * running emulation for them (tools/graph.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cluster/coord.h"
#include "core/observe/stats.h"
#include "tools/cli.h"
#include "tools/graph.h"
#include "topo/topo.h"

extern char **environ;

static const char *const formats[] = {
	[GRAPH_DOT] = "dot",
	[GRAPH_SVG] = "svg",
	[GRAPH_PNG] = "png",
};

int graph_format_parse(const char *s, enum graph_format *fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		if (!strcmp(s, formats[i])) {
			*fmt = (enum graph_format)i;
			return 0;
		}
	}
	if (!strcmp(s, "gv")) {
		*fmt = GRAPH_DOT;
		return 0;
	}
	return -EINVAL;
}

int graph_format_of(const char *path, enum graph_format *fmt)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return -EINVAL;
	return graph_format_parse(dot + 1, fmt);
}

/* The whole of memfd fd, from its start, into *out.  Returns 0 or
 * -errno. */
static int slurp(int fd, char **out, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	*out = malloc((size_t)st.st_size + 1);
	if (!*out)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		n = pread(fd, *out + got, (size_t)st.st_size - got,
			  (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	(*out)[got] = '\0';
	*len = got;
	return 0;
}

/* Runs "dot -Tfmt" with in as its standard input; its output into *out.
 * Files, not pipes, on both sides: nothing to deadlock on, whatever the
 * sizes. */
static int run_dot(int in, const char *fmt, char **out, size_t *len,
		   char *why, size_t whylen)
{
	char tflag[16], *errs = NULL, *argv[] = { "dot", tflag, NULL };
	posix_spawn_file_actions_t fa;
	int fo = -1, fe = -1, rc, status;
	size_t elen = 0;
	pid_t pid;

	snprintf(tflag, sizeof(tflag), "-T%s", fmt);
	if (lseek(in, 0, SEEK_SET) < 0) {
		snprintf(why, whylen, "memfd: %s", strerror(errno));
		return -errno;
	}
	fo = memfd_create("lunet-graph-out", MFD_CLOEXEC);
	fe = memfd_create("lunet-graph-err", MFD_CLOEXEC);
	if (fo < 0 || fe < 0) {
		rc = -errno;
		snprintf(why, whylen, "memfd: %s", strerror(-rc));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, fo, 1);
	posix_spawn_file_actions_adddup2(&fa, fe, 2);
	rc = -posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		snprintf(why, whylen, "cannot run Graphviz's dot (%s): "
			 "install graphviz (tools/deps does)", strerror(-rc));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		slurp(fe, &errs, &elen);
		while (elen && (errs[elen - 1] == '\n'))
			errs[--elen] = '\0';
		snprintf(why, whylen, "Graphviz's dot failed: %s",
			 errs && *errs ? errs : "no message");
		free(errs);
		rc = -EPROTO;
		goto out;
	}
	rc = slurp(fo, out, len);
	if (rc)
		snprintf(why, whylen, "%s", strerror(-rc));
out:
	if (fo >= 0)
		close(fo);
	if (fe >= 0)
		close(fe);
	return rc;
}

int graph_render(const struct topo *t, const struct draw_opts *o,
		 enum graph_format fmt, char **out, size_t *len, char *why,
		 size_t whylen)
{
	FILE *f;
	int fd, rc;

	*out = NULL;
	*len = 0;
	fd = memfd_create("lunet-graph-dot", MFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, whylen, "memfd: %s", strerror(-rc));
		return rc;
	}
	f = fdopen(dup(fd), "w");
	if (!f) {
		close(fd);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	rc = draw_dot(f, t, o);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (rc) {
		snprintf(why, whylen, "%s", rc == -ENOMEM ? "out of memory" :
			 strerror(-rc));
	} else if (fmt == GRAPH_DOT) {
		rc = slurp(fd, out, len);
		if (rc)
			snprintf(why, whylen, "%s", strerror(-rc));
	} else {
		rc = run_dot(fd, formats[fmt], out, len, why, whylen);
	}
	close(fd);
	return rc;
}

int graph_write(const struct topo *t, const struct draw_opts *o,
		enum graph_format fmt, const char *path, char *why,
		size_t whylen)
{
	char *buf, tmp[4096];
	size_t len;
	FILE *f;
	int rc;

	rc = graph_render(t, o, fmt, &buf, &len, why, whylen);
	if (rc)
		return rc;
	if (!strcmp(path, "-")) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
			rc = -errno;
		free(buf);
		if (rc)
			snprintf(why, whylen, "standard output: %s",
				 strerror(-rc));
		return rc;
	}
	/* Written beside it, then renamed: a reader never sees half. */
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(-rc));
		free(buf);
		return rc;
	}
	if (fwrite(buf, 1, len, f) != len)
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		snprintf(why, whylen, "%s: %s", path, strerror(-rc));
	}
	free(buf);
	return rc;
}

int graph_links_parse(const char *text, uint32_t nlinks, uint8_t *down)
{
	const char *line = text, *end, *word;
	uint32_t l = 0;

	while (*line && l < nlinks) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		for (word = end; word > line && word[-1] != ' '; word--)
			;
		down[l++] = end - word == 4 && !strncmp(word, "down", 4);
		line = *end ? end + 1 : end;
	}
	return l == nlinks ? 0 : -EPROTO;
}

static void pause_for(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds };

	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Rates over seconds from two readings of every link end's counters. */
static int rates(const struct topo *t, double *bps, double seconds,
		 char *why, size_t whylen)
{
	size_t n = 2 * (size_t)(t->nlinks ? t->nlinks : 1), l;
	struct stats_if *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
	struct stats_if d[2];
	struct err err;
	double t0, dt;
	int rc = -ENOMEM;

	if (!a || !b)
		goto out;
	err_clear(&err);
	t0 = cli_now();
	rc = stats_read(t, a, &err);
	if (!rc) {
		pause_for(seconds);
		rc = stats_read(t, b, &err);
	}
	if (rc) {
		snprintf(why, whylen, "%s", err.msg);
		goto out;
	}
	dt = cli_now() - t0;
	for (l = 0; l < t->nlinks; l++) {
		stats_sub(&d[0], &b[stats_end(l, 0)], &a[stats_end(l, 0)]);
		stats_sub(&d[1], &b[stats_end(l, 1)], &a[stats_end(l, 1)]);
		bps[l] = (double)(d[0].tx_bytes + d[1].tx_bytes) * 8 /
			 (dt > 0 ? dt : 1);
	}
out:
	if (rc == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	free(a);
	free(b);
	return rc;
}

int graph_live(const char *name, const struct topo *t, uint8_t *down,
	       double *bps, double seconds, char *why, size_t whylen)
{
	char *text = NULL, *errs = NULL;
	int rc = 0;

	memset(down, 0, t->nlinks);
	if (cli_ctl_capture(name, "links", &text, &errs) == 0 && text &&
	    graph_links_parse(text, t->nlinks, down))
		memset(down, 0, t->nlinks);
	free(text);
	free(errs);
	/* Across machines the counters are the machines': no rates. */
	if (bps && !cluster_recorded(name))
		rc = rates(t, bps, seconds, why, whylen);
	else if (bps)
		memset(bps, 0, t->nlinks * sizeof(*bps));
	return rc;
}
