/*
 * The report of "lunet test --report DIR" (tools/report.c): DIR/index.html,
 * one self-contained page (uPlot and the page's script and style inside
 * it, tools/assets/) that opens from a file without a server.
 */
#ifndef LUNET_REPORT_H
#define LUNET_REPORT_H

/* The files' cases, one JSON object per file as lunet._run_file returns
 * it (lua/lib/test.lua), joined by commas.  Writes DIR/index.html (DIR
 * made first).  Returns 0, or 1 after saying why. */
int report_write(const char *dir, const char *files_json, long long seed);

#endif
