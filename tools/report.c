/* "lunet test --report DIR": the run as one HTML page, its data (each
 * file's cases with their event logs, as JSON) between the assets that
 * draw it (tools/report.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tools/cli.h"
#include "tools/report.h"

extern const char lunet_uplot_js[], lunet_uplot_css[], lunet_report_js[],
	lunet_report_css[];

/* JSON inside <script>: "</" would end the element, so it is written
 * "<\/", which JSON reads as the same string. */
static void put_json(FILE *f, const char *s)
{
	const char *p;

	while ((p = strstr(s, "</"))) {
		fwrite(s, 1, (size_t)(p - s), f);
		fputs("<\\/", f);
		s = p + 2;
	}
	fputs(s, f);
}

int report_write(const char *dir, const char *files_json, long long seed)
{
	char path[4096], tmp[4200], date[64];
	time_t now = time(NULL);
	FILE *f;

	snprintf(path, sizeof(path), "%s/index.html", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime(&now));
	f = fopen(tmp, "w");
	if (!f)
		return cli_fail("%s: %s", tmp, strerror(errno));
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n<title>lunet test: seed %lld"
		   "</title>\n<style>\n%s\n%s</style>\n</head>\n<body>\n"
		   "<h1>lunet test</h1>\n<div id=\"summary\"></div>\n"
		   "<div id=\"cases\"></div>\n<script>\n%s\n</script>\n"
		   "<script id=\"data\" type=\"application/json\">"
		   "{\"seed\":%lld,\"date\":\"%s\",\"files\":[",
		seed, lunet_uplot_css, lunet_report_css, lunet_uplot_js, seed,
		date);
	put_json(f, files_json ? files_json : "");
	fprintf(f, "]}</script>\n<script>\n%s</script>\n</body>\n</html>\n",
		lunet_report_js);
	if (fclose(f) || rename(tmp, path) < 0) {
		remove(tmp);
		return cli_fail("%s: %s", path, strerror(errno));
	}
	return 0;
}
