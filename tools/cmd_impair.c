/* "lunet impair": the console's impair command, sent to the process that
 * owns a running emulation (its "lunet up" daemon or console), which holds
 * the impairments' BPF map and relay. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/control/ctl.h"
#include "core/control/state.h"
#include "tools/cli.h"

static int ctl_line(const char *name, const char *line, char **text,
		    char **errtext);

/* cli_fail(), or the same sentence into f when there is one. */
static int say(FILE *f, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f)
		return cli_fail("%s", msg);
	fprintf(f, "%s", msg);
	return 1;
}

int cli_ctl_line(const char *name, const char *line)
{
	return ctl_line(name, line, NULL, NULL);
}

int cli_ctl_line_text(const char *name, const char *line, char **text)
{
	*text = NULL;
	return ctl_line(name, line, text, NULL);
}

int cli_ctl_capture(const char *name, const char *line, char **text,
		    char **errtext)
{
	*text = *errtext = NULL;
	return ctl_line(name, line, text, errtext);
}

/* Sends one console line to the owner of emulation name; its output to
 * stdout, or into *text (malloc'd) when text is given; its errors to
 * stderr, or with errtext into *errtext, and then so are this function's
 * own (it prints nothing). */
static int ctl_line(const char *name, const char *line, char **text,
		    char **errtext)
{
	char path[512], *buf;
	FILE *mem = NULL, *emem = NULL;
	size_t mlen = 0, elen = 0;
	int fd, rc = 1, type, status = 1;
	struct state_info info;
	size_t len;

	if (errtext) {
		emem = open_memstream(errtext, &elen);
		if (!emem)
			return 1;
	}
	fd = -ENOENT;
	if (state_read_info(name, &info) == -ENOENT)
		rc = say(emem, "no emulation named '%s'", name);
	else if (state_path(path, sizeof(path), name, CTL_FILE))
		rc = say(emem, "%s: name too long", name);
	else if ((fd = ctl_connect(path)) < 0)
		rc = say(emem, "%s: nobody serves its control socket (%s): "
				"only an emulation run by 'lunet up' or "
				"'lunet console' takes commands; a script "
				"impairs its links itself (l:impair{})",
				name, strerror(-fd));
	if (fd < 0) {
		if (emem)
			fclose(emem);
		return rc;
	}
	if (text)
		mem = open_memstream(text, &mlen);
	rc = ctl_recv(fd, &type, &buf, &len); /* the greeting */
	if (!rc)
		free(buf);
	if (!rc)
		rc = ctl_send(fd, CTL_LINE, line, strlen(line));
	while (!rc) {
		rc = ctl_recv(fd, &type, &buf, &len);
		if (rc)
			break;
		if (type == CTL_OUT)
			fwrite(buf, 1, len, mem ? mem : stdout);
		else if (type == CTL_ERR)
			fwrite(buf, 1, len, emem ? emem : stderr);
		else if (type == CTL_EXIT)
			status = ctl_status(buf, len);
		free(buf);
		if (type == CTL_EXIT || type == CTL_RUN)
			break;
	}
	close(fd);
	if (mem)
		fclose(mem);
	if (rc)
		status = say(emem, "%s: the control socket: %s", name,
			     strerror(-rc));
	if (emem)
		fclose(emem);
	return status;
}

int cmd_impair(int argc, char **argv)
{
	size_t len = sizeof("impair");
	char *line;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			cli_help_exit("impair");
		/* an emulation's name never starts with '-'; the words after
		 * it are the console's impair command's to check */
		if (i == 1 && argv[i][0] == '-')
			cli_bad_args("impair", "unknown option '%s'", argv[i]);
		if (strpbrk(argv[i], " \t\n'\"\\"))
			return cli_fail("impair: '%s': no spaces or quotes in "
					"settings",
					argv[i]);
		len += strlen(argv[i]) + 1;
	}
	if (argc < 2)
		cli_usage_exit("impair");
	if (cli_need_root())
		return 1;
	line = malloc(len);
	if (!line)
		return cli_fail("out of memory");
	strcpy(line, "impair");
	for (i = 2; i < argc; i++) {
		strcat(line, " ");
		strcat(line, argv[i]);
	}
	rc = cli_ctl_line(argv[1], line);
	free(line);
	return rc;
}
