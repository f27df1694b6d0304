/* lunet test: runs the lunet.test() cases of scenario files; TAP on stdout,
 * JUnit XML, JSON-lines event logs and an HTML report (tools/report.c) on
 * request.  The running itself is
 * lunet._run_file (lua/lib/test.lua), one fresh Lua state per file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/engine/engine.h"
#include "core/sys/intr.h"
#include "lua/lunet.h"
#include "lua/script.h"
#include "tools/cli.h"
#include "tools/report.h"
#include "topo/topo.h"

struct test_opts {
	const char *junit;
	const char *artifacts;
	const char *report; /* --report DIR */
	const char *name;
	long long seed;
	double timeout;
	bool fresh;
};

struct totals {
	int tests, failed;
	int errors; /* of failed: errors and time-outs, not assertions */
	double time;
	char *junit; /* the <testsuite> elements so far */
	size_t junit_len;
	char *report; /* --report: the files' JSON objects so far */
	size_t report_len;
};

struct files {
	char **v;
	size_t n, cap;
};

static int add_file(struct files *f, const char *path)
{
	char **grown;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		grown = realloc(f->v, f->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		f->v = grown;
	}
	f->v[f->n] = strdup(path);
	return f->v[f->n++] ? 0 : -ENOMEM;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path, or every *.lua under it when it is a directory, in name
 * order. */
static int collect(struct files *f, const char *path)
{
	struct dirent *de;
	struct stat st;
	size_t first = f->n, len;
	char sub[4096];
	int rc = 0;
	DIR *d;

	if (stat(path, &st) < 0)
		return cli_fail("%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return add_file(f, path) ? cli_fail("out of memory") : 0;
	d = opendir(path);
	if (!d)
		return cli_fail("%s: %s", path, strerror(errno));
	while (!rc && (de = readdir(d))) {
		/* Hidden files, and helpers the scenarios load ("_*.lua"). */
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		len = strlen(path);
		while (len > 1 && path[len - 1] == '/')
			len--;
		snprintf(sub, sizeof(sub), "%.*s/%s", (int)len, path,
			 de->d_name);
		len = strlen(de->d_name);
		if (stat(sub, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = collect(f, sub);
		else if (len > 4 && !strcmp(de->d_name + len - 4, ".lua"))
			rc = add_file(f, sub) ? cli_fail("out of memory") : 0;
	}
	closedir(d);
	if (f->n > first)
		qsort(f->v + first, f->n - first, sizeof(*f->v), cmp_path);
	return rc;
}

/* DIR/<file with '/' as '_'>.events.jsonl */
static void log_path(char *buf, size_t len, const char *dir, const char *file)
{
	size_t n, i;

	while (file[0] == '.' && file[1] == '/')
		file += 2;
	n = (size_t)snprintf(buf, len, "%s/", dir);
	for (i = 0; file[i] && n + 1 < len; i++)
		buf[n++] = file[i] == '/' ? '_' : file[i];
	buf[n < len ? n : len - 1] = '\0';
	if (n > 4 && !strcmp(buf + n - 4, ".lua"))
		buf[n - 4] = '\0';
	strncat(buf, ".events.jsonl", len - strlen(buf) - 1);
}

/* Appends s and sep to the text *buf of *used bytes. */
static int append_to(char **buf, size_t *used, const char *s, char sep)
{
	size_t len = strlen(s);
	char *grown = realloc(*buf, *used + len + 2);

	if (!grown)
		return -ENOMEM;
	*buf = grown;
	if (sep == ',' && *used)
		grown[(*used)++] = sep;
	memcpy(grown + *used, s, len);
	*used += len;
	if (sep == '\n')
		grown[(*used)++] = sep;
	grown[*used] = '\0';
	return 0;
}

static int append(struct totals *t, const char *s)
{
	return append_to(&t->junit, &t->junit_len, s, '\n');
}

static int int_field(lua_State *L, const char *key)
{
	int v;

	lua_getfield(L, -1, key);
	v = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

/* Tears down what the file left running. */
static void stop_all(lua_State *L)
{
	struct lnet *n;
	struct err err;
	lua_Integer i;

	lnet_push_all(L);
	for (i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		n = lnet_check(L, -1);
		lua_pop(L, 1);
		if (!n->emu)
			continue;
		err_clear(&err);
		if (emu_stop(n->emu, &err))
			cli_fail("%s", err.msg);
		n->emu = NULL;
	}
	lua_pop(L, 2);
}

static int run_one(const char *file, const struct test_opts *o,
		   struct totals *t)
{
	char path[4096];
	struct err err;
	lua_State *L;
	int rc = 0;

	L = script_new(&err);
	if (!L)
		return cli_fail("%s", err.msg);
	if (o->name) {
		lua_pushstring(L, o->name);
		lua_setfield(L, LUA_REGISTRYINDEX, LNET_NAME);
	}
	lua_createtable(L, 0, 6);
	lua_pushstring(L, file);
	lua_setfield(L, -2, "path");
	lua_pushinteger(L, t->tests + 1);
	lua_setfield(L, -2, "first");
	lua_pushinteger(L, o->seed);
	lua_setfield(L, -2, "seed");
	lua_pushboolean(L, o->fresh);
	lua_setfield(L, -2, "fresh");
	lua_pushnumber(L, o->timeout);
	lua_setfield(L, -2, "timeout");
	lua_pushboolean(L, getenv("LUNET_TRACE") != NULL);
	lua_setfield(L, -2, "trace");
	if (o->artifacts) {
		log_path(path, sizeof(path), o->artifacts, file);
		lua_pushstring(L, path);
		lua_setfield(L, -2, "events");
	}
	lua_pushboolean(L, o->report != NULL);
	lua_setfield(L, -2, "report");
	if (script_lib(L, "_run_file", -1, &err)) {
		rc = cli_fail("%s: %s", file, err.msg);
		t->failed++;
		t->errors++;
		t->tests++;
	} else {
		t->tests += int_field(L, "tests");
		t->errors += int_field(L, "errors");
		t->failed += int_field(L, "failures") + int_field(L, "errors");
		lua_getfield(L, -1, "time");
		t->time += lua_tonumber(L, -1);
		lua_getfield(L, -2, "junit");
		if (lua_isstring(L, -1) && append(t, lua_tostring(L, -1)))
			rc = cli_fail("out of memory");
		lua_getfield(L, -3, "report");
		if (lua_isstring(L, -1) &&
		    append_to(&t->report, &t->report_len, lua_tostring(L, -1),
			      ','))
			rc = cli_fail("out of memory");
		lua_pop(L, 4);
	}
	lua_pop(L, 1);
	stop_all(L);
	script_close(L);
	return rc;
}

static int write_junit(const char *path, const struct totals *t)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return cli_fail("%s: %s", path, strerror(errno));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"lunet\" tests=\"%d\" failures=\"%d\" "
		   "errors=\"%d\" time=\"%.3f\">\n%s</testsuites>\n",
		t->tests, t->failed - t->errors, t->errors, t->time,
		t->junit ? t->junit : "");
	if (fclose(f))
		return cli_fail("%s: %s", path, strerror(errno));
	return 0;
}

static int parse(int argc, char **argv, struct test_opts *o)
{
	static const struct option longopts[] = {
		{ "junit", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "artifacts", required_argument, NULL, 'a' },
		{ "report", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "fresh", no_argument, NULL, 'f' },
		{ "machines", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->seed = -1;
	o->timeout = 300;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "test", "hn:", longopts)) != -1) {
		switch (c) {
		case 'j':
			o->junit = optarg;
			break;
		case 'a':
			o->artifacts = optarg;
			break;
		case 'r':
			o->report = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'f':
			o->fresh = true;
			break;
		case 'm':
			cli_machines_opt = optarg;
			emu_machines_default(optarg, 0);
			break;
		case 's':
			errno = 0;
			o->seed = strtoll(optarg, &end, 0);
			if (errno || *end || o->seed < 0 ||
			    o->seed > 0x7fffffff)
				return cli_fail("--seed: '%s' is not a number "
						"from 0 to 2147483647", optarg);
			break;
		case 't':
			o->timeout = strtod(optarg, &end);
			if (*end || !(o->timeout > 0))
				return cli_fail("--timeout: '%s' is not a "
						"number of seconds", optarg);
			break;
		case 'h':
			cli_help_exit("test");
			break;
		}
	}
	if (optind == argc)
		cli_usage_exit("test");
	if (o->seed < 0)
		o->seed = cli_pick_seed();
	return 0;
}

int cmd_test(int argc, char **argv)
{
	struct test_opts o = { 0 };
	struct totals t = { 0 };
	struct files f = { 0 };
	size_t i;
	int rc = 0, k;

	if (parse(argc, argv, &o))
		return 1;
	for (k = optind; k < argc && !rc; k++)
		rc = collect(&f, argv[k]);
	if (!rc && !f.n)
		rc = cli_fail("no scenario files (*.lua) in %s", argv[optind]);
	if (!rc && (cli_need_root() || intr_install()))
		rc = 1;
	if (!rc && o.artifacts)
		rc = cli_make_dir(o.artifacts);
	if (!rc && o.report)
		rc = cli_make_dir(o.report);
	if (rc)
		goto out;
	printf("TAP version 13\n# lunet test: seed %lld (repeat with --seed "
	       "%lld)\n", o.seed, o.seed);
	fflush(stdout);
	for (i = 0; i < f.n && !intr_signal; i++)
		rc |= run_one(f.v[i], &o, &t);
	if (intr_signal)
		printf("Bail out! interrupted by signal %d\n",
		       (int)intr_signal);
	printf("1..%d\n# %d passed, %d failed (%.1f s, seed %lld)\n", t.tests,
	       t.tests - t.failed, t.failed, t.time, o.seed);
	fflush(stdout);
	if (o.junit)
		rc |= write_junit(o.junit, &t);
	if (o.report) {
		rc |= report_write(o.report, t.report, o.seed);
		if (!rc || t.tests)
			fprintf(stderr, "lunet: the report: %s/index.html\n",
				o.report);
	}
	if (!t.tests)
		rc = cli_fail("no lunet.test() cases found");
	if (t.failed || intr_signal)
		rc = 1;
out:
	for (i = 0; i < f.n; i++)
		free(f.v[i]);
	free(f.v);
	free(t.junit);
	free(t.report);
	return rc ? 1 : 0;
}
