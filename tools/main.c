/* lunet: the command line's entry point and its table of commands.  Each
 * command lives in a tools/cmd_*.c of its own; the work is done by
 * core/, topo/ and lua/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
	cli_plain_opts(argc, argv, "version", 0);
	printf("lunet 0.1.0\n");
	return 0;
}

static const struct cli_cmd cmds[] = {
	{ "run", cmd_run, "[FILE]",
	  "Build the topology FILE returns (the built-in default without\n"
	  "FILE), check that every host reaches every other, print the\n"
	  "result and tear it all down.  A script that starts networks\n"
	  "itself has them torn down when it ends or fails.\n"
	  "  -n, --name NAME  name the emulation NAME, whatever the file says\n"
	  "  -t, --topo SPEC  a generated topology instead of FILE, Mininet\n"
	  "                   style: fattree,k=4  linear,100  leafspine,spines=2\n"
	  "  -m, --machines SPEC  across machines: local:N, ssh://HOST,...\n"
	  "                   or k8s:NAMESPACE/SET:N (docs/machines.md)\n"
	  "  --push           copy this lunet to the machines first\n"
	  "  -e, --events FILE  the event log, a JSON line an event, as it\n"
	  "                   goes (for lunet replay)\n"
	  "  -q, --quiet      print only errors" },
	{ "up", cmd_up, "[FILE]",
	  "Build the topology and leave it running (state under\n"
	  "/run/lunet/NAME), owned by a daemon that 'lunet console\n"
	  "--attach NAME' talks to.  'lunet down NAME' removes it.\n"
	  "  -n, --name NAME  name the emulation NAME, whatever the file says\n"
	  "  -t, --topo SPEC  a generated topology instead of FILE\n"
	  "  -m, --machines SPEC  across machines, as for run\n"
	  "  --push           copy this lunet to the machines first\n"
	  "  -e, --events FILE  the event log, as for run (the daemon's)\n"
	  "  -q, --quiet      print only errors" },
	{ "console", cmd_console, "[FILE] | --topo SPEC | --attach NAME",
	  "Build the topology and open a console on it (nodes, pingall,\n"
	  "h1 ping h2, link s1 r1 down, lua ...; 'help' lists them); exit\n"
	  "tears it down.  With --attach, a console on an emulation left up\n"
	  "by 'lunet up' (or run by another console); exit leaves it up.\n"
	  "Commands may come from a pipe or a file: the exit status is the\n"
	  "last failing command's.  See docs/console.md.\n"
	  "  -a, --attach NAME  attach to the running emulation NAME\n"
	  "  -n, --name NAME    name the emulation NAME, whatever the file says\n"
	  "  -t, --topo SPEC    a generated topology instead of FILE\n"
	  "  -m, --machines SPEC  across machines, as for run\n"
	  "  -e, --events FILE  the session's event log (lunet replay)\n"
	  "  -q, --quiet        print only errors" },
	{ "test", cmd_test, "[OPTIONS] FILE|DIR...",
	  "Run the lunet.test() cases of scenario files (every *.lua under a\n"
	  "DIR), resetting networks between cases; TAP on stdout, exit\n"
	  "status 0 only when all pass.  See docs/scenarios.md.\n"
	  "  --junit FILE      also write a JUnit XML report to FILE\n"
	  "  --seed N          the seed of all randomness (printed otherwise)\n"
	  "  --artifacts DIR   write each file's event log (JSON lines) to DIR\n"
	  "  --report DIR      write DIR/index.html: every case's verdict,\n"
	  "                    faults, probe plots, counters and events\n"
	  "  --fresh           rebuild networks between cases, not reset\n"
	  "  --machines SPEC   run the networks across machines (local:N, ...)\n"
	  "  --timeout SECS    a case's default time limit (300)\n"
	  "  -n, --name NAME   name the first network of each file NAME" },
	{ "explore", cmd_explore, "[OPTIONS] FILE",
	  "Search for outages: run the fault schedules FILE's lunet.explore{}\n"
	  "asks for (every single or double failure, or seeded random ones)\n"
	  "against its lunet.invariant()s, shrink each failure to the fewest\n"
	  "faults that still break one, and write it as a scenario file for\n"
	  "'lunet test'; exit status 1 when an invariant broke.  See\n"
	  "docs/explore.md.\n"
	  "  --seed N          the seed of the schedules (printed otherwise)\n"
	  "  -o, --out DIR     where scenarios, logs and summaries go (out)\n"
	  "  --budget TIME     stop drawing schedules after TIME (60s)\n"
	  "  --trials N        stop after N schedules\n"
	  "  --random          random schedules even if the file says exhaustive\n"
	  "  --junit FILE      also write the JUnit XML summary to FILE\n"
	  "  --json FILE       also write the JSON summary to FILE\n"
	  "  -n, --name NAME   name the network NAME" },
	{ "replay", cmd_replay, "[OPTIONS] EVENTS.jsonl [FILE]",
	  "Apply the faults of a recorded event log (lunet test --artifacts,\n"
	  "lunet explore) again, at the same relative times, to the network\n"
	  "of FILE (the file the log names by default).  See docs/explore.md.\n"
	  "  --events FILE     write the replay's own event log to FILE\n"
	  "  -n, --name NAME   name the network NAME" },
	{ "plan", cmd_plan, "[--machines SPEC] [-v] [FILE | --topo SPEC]",
	  "Place the topology FILE returns (or --topo's) on machines without\n"
	  "building it: print each machine's nodes and load, then the links\n"
	  "between machines (VXLAN tunnels), pair by pair.  See\n"
	  "docs/machines.md.\n"
	  "  -m, --machines SPEC  local:N, ssh://[user@]host[:port],... or\n"
	  "                       k8s:NAMESPACE/STATEFULSET:N (local:2)\n"
	  "  -t, --topo SPEC      a generated topology instead of FILE\n"
	  "  -v, --nodes          also every node's machine\n"
	  "  --tolerance PCT      how far above its share a machine may go (10)\n"
	  "  --no-groups          place node by node, not by the generators'\n"
	  "                       groups (pods, racks)\n"
	  "  --time               say how long the placement took" },
	{ "down", cmd_down, "NAME...",
	  "Tear down running emulations, from their recorded state alone.\n"
	  "  -q, --quiet  print only errors" },
	{ "exec", cmd_exec, "NAME NODE COMMAND [ARG...]",
	  "Run COMMAND inside NODE of emulation NAME, with the terminal\n"
	  "and exit status of the command." },
	{ "ls", cmd_ls, "", "List emulations: status, nodes, links, owner." },
	{ "k8s", cmd_k8s, "manifests [--workers N] [--namespace NS] [--name NAME] [--image IMAGE]",
	  "Print the Kubernetes manifests (a namespace, a headless Service,\n"
	  "a StatefulSet of privileged worker pods with the kernel settings\n"
	  "they need) that make N pods the machines of\n"
	  "--machines k8s:NS/NAME:N.  See docs/machines.md.\n"
	  "  -w, --workers N     worker pods (2)\n"
	  "  --namespace NS      the namespace (lunet)\n"
	  "  -n, --name NAME     the StatefulSet and Service (lunet-worker)\n"
	  "  -i, --image IMAGE   an image with lunet in it (lunet:latest)" },
	{ "worker", cmd_worker, "NAME",
	  "One machine's part of an emulation across machines, driven over\n"
	  "its standard input and output by the lunet that placed it there\n"
	  "(through ssh or kubectl exec); not run by hand.  See\n"
	  "docs/machines.md." },
	{ "impair", cmd_impair, "NAME A B [SETTINGS] | NAME [A B]",
	  "Set the impairments of the link between A and B of emulation\n"
	  "NAME (run by 'lunet up' or a console), both directions unless\n"
	  "--from names one; without SETTINGS, show them.  Settings replace\n"
	  "those the direction had; 'clear' removes them.  See\n"
	  "docs/links.md.\n"
	  "  --delay D      added latency (20ms, 500us)\n"
	  "  --jitter D     +/- D around the delay, uniform\n"
	  "  --loss P       lost packets: 5% or 0.05\n"
	  "  --corrupt P    packets with one bit flipped\n"
	  "  --duplicate P  packets sent twice\n"
	  "  --reorder P    packets sent at once, ahead of the delayed ones\n"
	  "  --rate R       a cap: 10mbit, 1gbit\n"
	  "  --limit N      packets the delay holds (1000)\n"
	  "  --seed N       the draws' seed: the same seed, the same losses\n"
	  "  --from A       only what A sends" },
	{ "capture", cmd_capture,
	  "NAME TARGET... [-w FILE|-] [-c N] [-C SIZE [-W N]] [-s LEN] "
	  "[FILTER...]",
	  "Capture packets of emulation NAME into pcap files (tcpdump -r\n"
	  "reads them) until Ctrl-C, -c or the emulation's end.  TARGET is\n"
	  "NODE:IF, NODE (every interface: one file per interface,\n"
	  "FILE-IF.pcap, or DIR/NODE-IF.pcap when FILE is a directory) or\n"
	  "A-B / A,B (the link: what each end sends, so every packet once).\n"
	  "  -w, --write FILE      write to FILE; '-': a pcap stream on stdout\n"
	  "  -f, --filter FILTER   a BPF filter (or the words after the\n"
	  "                        targets)\n"
	  "  -c, --count N         stop after N packets\n"
	  "  -C SIZE               files of SIZE (millions of bytes, or 100k,\n"
	  "                        2m): FILE0, FILE1...\n"
	  "  -W N                  with -C, a ring of N files, FILE0 reused\n"
	  "  -s, --snaplen LEN     keep LEN bytes of each packet (262144)\n"
	  "  -q, --quiet           no messages, only errors" },
	{ "stats", cmd_stats,
	  "NAME [--top] [--json] [--interval S [--count N]] [--sort FIELD] "
	  "[-n N]",
	  "Packet, byte, drop and error counters of every link of emulation\n"
	  "NAME, read from the kernel: a table (A>B is what end A sent).\n"
	  "  -j, --json          one JSON document, both ends of every link\n"
	  "  -i, --interval S    a CSV time series: every S seconds, per link,\n"
	  "                      what it carried since the last row and rates\n"
	  "  -c, --count N       stop after N rows of links (N intervals)\n"
	  "  -t, --top           refresh like top, busiest links first (every\n"
	  "                      second, or --interval)\n"
	  "  -s, --sort FIELD    link, packets, bytes, drops or errors\n"
	  "  -n N                show N links" },
	{ "graph", cmd_graph, "[FILE | NAME | --topo SPEC] [-o FILE]",
	  "Draw a topology with Graphviz: the network FILE returns, a\n"
	  "generated one, or the running emulation NAME with each link's\n"
	  "state (down links red and dashed) and rate.  Tiers of a fabric\n"
	  "as ranks, hosts at the bottom; rings as rings.  Past 300 nodes, a\n"
	  "summary: a box per pod or rack.  See docs/pictures.md.\n"
	  "  -o, --output FILE  write to FILE (.svg, .png or .dot); DOT on\n"
	  "                     standard output otherwise\n"
	  "  -T, --format FMT   svg, png or dot, whatever FILE's suffix\n"
	  "  -t, --topo SPEC    a generated topology: fattree,k=8\n"
	  "  -i, --ifnames      label each link end with its interface\n"
	  "  --full             every node, however many\n"
	  "  --no-rates         a running emulation without the rates (which\n"
	  "                     take half a second of counters)\n"
	  "  -q, --quiet        print only errors" },
	{ "web", cmd_web, "NAME [--port P] [--addr ADDR]",
	  "Serve a live view of the running emulation NAME to a browser:\n"
	  "its drawing, links red when down and thicker with their rate,\n"
	  "updated as it changes; click a node for its interfaces,\n"
	  "addresses, routes and counters, a link to set it down or up or\n"
	  "impair it (through its console).  On 127.0.0.1 unless --addr;\n"
	  "elsewhere every request needs the token in the URL it prints.\n"
	  "Runs until Ctrl-C or the emulation's end.  See docs/pictures.md.\n"
	  "  -p, --port P      the TCP port (8080)\n"
	  "  -a, --addr ADDR   the IPv4 address to listen on (127.0.0.1)\n"
	  "  --token TOKEN     the token, rather than a random one\n"
	  "  -i, --ifnames     label link ends with their interfaces\n"
	  "  -q, --quiet       print only errors" },
	{ "apply", cmd_apply, "[--dry-run] NAME FILE",
	  "Make the running emulation NAME what the edited topology FILE\n"
	  "says: nodes and links compared by name, the difference printed\n"
	  "(- removed, + added, ~ impairments set in place) and built by\n"
	  "the process that owns NAME ('lunet up', a console).\n"
	  "  -n, --dry-run  print the difference only" },
	{ "clean", cmd_clean, "[--all] [NAME...]",
	  "Remove what a lunet that crashed or was killed left behind:\n"
	  "its processes, namespaces and records.  Without NAME, only\n"
	  "emulations whose owner is gone.\n"
	  "  -a, --all    every emulation, also those left up by 'lunet up'\n"
	  "               and those still owned by a running lunet\n"
	  "  -q, --quiet  print only errors" },
	{ "doctor", cmd_doctor, "",
	  "Probe the kernel for the features lunet uses and say which are\n"
	  "missing, and which way each link impairment goes on it.  Exit\n"
	  "status 1 when one lunet cannot do without is missing." },
	{ "help", cmd_help, "[COMMAND]", "Show help." },
	{ "version", cmd_version, "", "Print the version." },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int cmd_help(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		cli_help_exit("help");
	if (argc > 2)
		cli_bad_args("help", "unexpected argument '%s'", argv[2]);
	if (argc > 1 && cli_find_cmd(argv[1]))
		cli_help_exit(argv[1]);
	if (argc > 1)
		return cli_fail("unknown command '%s'", argv[1]);
	cli_usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	cli_commands(cmds, NCMDS);
	if (argc < 2) {
		cli_usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	c = cli_find_cmd(argv[1]);
	if (!c) {
		cli_fail("unknown command '%s'", argv[1]);
		cli_usage(stderr);
		return 1;
	}
	return c->fn(argc - 1, argv + 1);
}

