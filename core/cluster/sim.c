/*
 * sim: simulated machines on this one (see sim.h): their namespaces, the
 * underlay bridge that joins them, and an sshd in each with a private
 * /run.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/cluster/sim.h"
#include "core/netlink/nl.h"
#include "core/netlink/rtnl.h"
#include "core/sys/netns.h"
#include "core/sys/proc.h"

#define SSHD "/usr/sbin/sshd"
#define SSH_KEYGEN "ssh-keygen"
#define MACHINE_RUN "/run/lunet-machine" /* inside a machine's /run */
#define MSG 512
#define IF_BRIDGE 2 /* the underlay's bridge */
#define IF_DATA 3   /* the data plane's bridge, beside it */
#define IF_ETH0 2   /* a machine's port on the underlay */
#define IF_ETH1 3   /* and on the data plane */
/* In the underlay's namespace: machine k's two ports. */
#define IF_MGMT_K(k) (16 + 2 * (k))
#define IF_DATA_K(k) (17 + 2 * (k))

int sim_nspath(char *buf, size_t len, const char *emu, const char *machine)
{
	int n = snprintf(buf, len, NETNS_RUN_DIR "/" NETNS_PREFIX "%s-+%s",
			 emu, machine);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Runs argv here and waits; 0 when it exits 0. */
static int run_wait(char *const argv[], int out)
{
	struct proc_opts o = { .in = -1, .out = out, .err = out };
	int status;
	pid_t pid;

	pid = proc_spawn(NULL, argv, &o);
	if (pid < 0)
		return pid;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "re");
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) &&
	    fread(buf, 1, n, f) == (size_t)n) {
		buf[n] = 0;
		*len = n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The emulation's two keys (the machines share a host key) and the
 * known_hosts file that names every machine with it. */
static int make_keys(const char *dir, uint32_t n, struct err *err)
{
	char host[256], client[256], path[256], ip[INET_ADDRSTRLEN];
	char *kg[] = { SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C",
		       "lunet", "-f", NULL, NULL };
	char *pub;
	size_t len;
	uint32_t k;
	FILE *f;
	int rc;

	snprintf(host, sizeof(host), "%s/host_key", dir);
	snprintf(client, sizeof(client), "%s/client_key", dir);
	kg[9] = host;
	rc = run_wait(kg, -1);
	kg[9] = client;
	if (!rc)
		rc = run_wait(kg, -1);
	if (rc)
		return err_set(err, rc, "local machines: ssh-keygen failed "
			       "(is openssh-client installed? 'make deps')");
	snprintf(path, sizeof(path), "%s/host_key.pub", dir);
	pub = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	f = pub ? fopen(path, "we") : NULL;
	if (!f) {
		free(pub);
		return err_set(err, -EIO, "local machines: cannot write %s",
			       path);
	}
	for (k = 1; k <= n; k++) {
		struct in_addr a = { htonl(SIM_NET + k) };

		fprintf(f, "%s %s", inet_ntop(AF_INET, &a, ip, sizeof(ip)),
			pub);
	}
	free(pub);
	return fclose(f) ? err_set(err, -EIO, "cannot write %s", path) : 0;
}

/* Opens a netlink socket in the namespace at path and comes back. */
static struct nl *nl_in(const char *path, int home, int *rc)
{
	struct nl *nl = NULL;

	*rc = netns_enter(path);
	if (*rc)
		return NULL;
	nl = nl_open();
	if (!nl)
		*rc = -errno;
	if (netns_return(home))
		abort(); /* every later step would act on the wrong one */
	return nl;
}

static int send_in(const char *path, int home, struct nl_batch *b,
		   struct err *err, const char *what)
{
	struct nl_fail f;
	struct nl *nl;
	int rc;

	nl = nl_in(path, home, &rc);
	if (nl) {
		rc = nl_batch_send(nl, b, &f);
		nl_close(nl);
	}
	nl_batch_reset(b);
	return rc ? err_set(err, rc, "local machines: %s: %s", what,
			    strerror(-rc)) : 0;
}

#define ADD(b, call)                                                        \
	({                                                                  \
		int __rc = nl_batch_reserve(b, MSG);                        \
		struct nlmsghdr *__h;                                       \
		if (!__rc) {                                                \
			__h = call;                                         \
			__rc = __h ? nl_batch_push(b, __h, 0) : -errno;     \
		}                                                           \
		__rc;                                                       \
	})
#define AT(b) nl_batch_tail(b), nl_batch_room(b)

/* The underlay: its namespace and bridge, and a veth from it to each
 * machine (the machine's end eth0, with its address). */
static int make_underlay(const char *emu, uint32_t n, struct sim_machine *m,
			 int home, struct err *err)
{
	char upath[NETNS_PATHSIZ], mpath[NETNS_PATHSIZ];
	struct nl_batch *b = nl_batch_new(64 * 1024);
	struct nl *nl = NULL;
	struct nl_fail f;
	uint32_t k;
	int rc, ufd = -1, mfd;

	if (!b)
		return err_set(err, -ENOMEM, "out of memory");
	rc = netns_setup();
	if (!rc)
		rc = sim_nspath(upath, sizeof(upath), emu, "underlay");
	if (!rc && (rc = netns_create(upath, home)))
		err_set(err, rc, "local machines: cannot create %s: %s",
			upath, strerror(-rc));
	if (!rc && !(rc = ADD(b, rtnl_link_set(AT(b), 1, true, -1))) &&
	    !(rc = ADD(b, rtnl_bridge_new(AT(b), "underlay", IF_BRIDGE, false,
					  true))) &&
	    !(rc = ADD(b, rtnl_bridge_new(AT(b), "data", IF_DATA, false,
					  true))))
		rc = ADD(b, rtnl_addr_new(AT(b), IF_BRIDGE, SIM_HOST,
					  SIM_PLEN));
	if (!rc)
		rc = send_in(upath, home, b, err, "underlay bridge");
	if (!rc && (ufd = netns_open(upath)) < 0)
		rc = err_set(err, ufd, "%s: %s", upath, strerror(-ufd));
	if (!rc && !(nl = nl_open()))
		rc = err_set(err, -errno, "netlink: %s", strerror(errno));
	for (k = 0; k < n && !rc; k++) {
		snprintf(m[k].name, sizeof(m[k].name), "m%u", k + 1);
		m[k].addr = SIM_NET + k + 1;
		rc = sim_nspath(mpath, sizeof(mpath), emu, m[k].name);
		if (!rc && (rc = netns_create(mpath, home))) {
			err_set(err, rc, "local machines: cannot create %s: %s",
				mpath, strerror(-rc));
			break;
		}
		mfd = netns_open(mpath);
		if (mfd < 0) {
			rc = err_set(err, mfd, "%s: %s", mpath, strerror(-mfd));
			break;
		}
		char dname[16];

		snprintf(dname, sizeof(dname), "d%u", k + 1);
		struct rtnl_veth_end end[2] = {
			{ .ifname = m[k].name, .netns_fd = ufd,
			  .ifindex = IF_MGMT_K(k), .master = IF_BRIDGE,
			  .up = true },
			{ .ifname = "eth0", .netns_fd = mfd,
			  .ifindex = IF_ETH0 },
		};
		struct rtnl_veth_end dend[2] = {
			{ .ifname = dname, .netns_fd = ufd,
			  .ifindex = IF_DATA_K(k), .master = IF_DATA,
			  .up = true },
			{ .ifname = "eth1", .netns_fd = mfd,
			  .ifindex = IF_ETH1 },
		};
		rc = ADD(b, rtnl_veth_new(AT(b), end, 0));
		if (!rc)
			rc = ADD(b, rtnl_veth_new(AT(b), dend, 0));
		if (!rc && (rc = nl_batch_send(nl, b, &f)))
			err_set(err, rc, "local machines: underlay link to %s: "
				"%s", m[k].name, strerror(-rc));
		nl_batch_reset(b);
		close(mfd);
		if (!rc && !(rc = ADD(b, rtnl_link_set(AT(b), 1, true, -1))) &&
		    !(rc = ADD(b, rtnl_link_set(AT(b), IF_ETH0, true, -1))) &&
		    !(rc = ADD(b, rtnl_link_set(AT(b), IF_ETH1, true, -1))) &&
		    !(rc = ADD(b, rtnl_addr_new(AT(b), IF_ETH1,
						SIM_DATA + k + 1, SIM_PLEN))))
			rc = ADD(b, rtnl_addr_new(AT(b), IF_ETH0, m[k].addr,
						  SIM_PLEN));
		if (!rc)
			rc = send_in(mpath, home, b, err, m[k].name);
	}
	if (ufd >= 0)
		close(ufd);
	nl_close(nl);
	nl_batch_free(b);
	return rc;
}

static int write_file(const char *path, const char *data, size_t len,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, data, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -1;
}

/* In the child that becomes machine k's sshd: its namespaces, its
 * private /run with what sshd needs, then sshd itself.  Never returns. */
static void sshd_child(const char *mpath, const char *dir,
		       const struct sim_machine *m, int log)
{
	char path[256], conf[1024], ip[INET_ADDRSTRLEN], dip[INET_ADDRSTRLEN];
	struct in_addr a = { htonl(m->addr) };
	struct in_addr d = { htonl(SIM_DATA + (m->addr - SIM_NET)) };
	char *hk, *ak;
	size_t hlen, alen;
	int null = open("/dev/null", O_RDONLY);

	setsid();
	dup2(null, 0);
	dup2(log, 1);
	dup2(log, 2);
	snprintf(path, sizeof(path), "%s/host_key", dir);
	hk = slurp(path, &hlen);
	snprintf(path, sizeof(path), "%s/client_key.pub", dir);
	ak = slurp(path, &alen);
	if (!hk || !ak || netns_enter(mpath) ||
	    unshare(CLONE_NEWNS | CLONE_NEWUTS) ||
	    sethostname(m->name, strlen(m->name)) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755") ||
	    mkdir("/run/sshd", 0755) || mkdir(MACHINE_RUN, 0700) ||
	    write_file(MACHINE_RUN "/host_key", hk, hlen, 0600) ||
	    write_file(MACHINE_RUN "/authorized_keys", ak, alen, 0600)) {
		dprintf(2, "lunet: machine %s: cannot prepare sshd: %s\n",
			m->name, strerror(errno));
		_exit(126);
	}
	snprintf(conf, sizeof(conf),
		 "# lunet: the sshd of simulated machine %s\n"
		 "ListenAddress %s\n"
		 "HostKey " MACHINE_RUN "/host_key\n"
		 "PidFile " MACHINE_RUN "/sshd.pid\n"
		 "AuthorizedKeysFile " MACHINE_RUN "/authorized_keys\n"
		 "PermitRootLogin prohibit-password\n"
		 "PasswordAuthentication no\n"
		 "KbdInteractiveAuthentication no\n"
		 "UsePAM no\nStrictModes no\nUseDNS no\nPrintMotd no\n"
		 "PrintLastLog no\nMaxSessions 256\nMaxStartups 256\n"
		 "AcceptEnv LUNET_* TERM\n"
		 "SetEnv LUNET_MACHINE=%s LUNET_UNDERLAY_ADDR=%s\n",
		 m->name, inet_ntop(AF_INET, &a, ip, sizeof(ip)), m->name,
		 inet_ntop(AF_INET, &d, dip, sizeof(dip)));
	if (write_file(MACHINE_RUN "/sshd_config", conf, strlen(conf), 0600)) {
		dprintf(2, "lunet: machine %s: cannot write sshd_config\n",
			m->name);
		_exit(126);
	}
	execl(SSHD, SSHD, "-D", "-e", "-f", MACHINE_RUN "/sshd_config",
	      (char *)NULL);
	dprintf(2, "lunet: machine %s: %s: %s\n", m->name, SSHD,
		strerror(errno));
	_exit(127);
}

/* Waits until machine m's sshd takes connections (from the underlay),
 * 10 s at most. */
static int wait_sshd(const char *upath, int home, const struct sim_machine *m)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(22),
				  .sin_addr.s_addr = htonl(m->addr) };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i, fd, rc = -ETIMEDOUT;

	if (netns_enter(upath))
		return -errno;
	for (i = 0; i < 500; i++) {
		if (!proc_alive(m->sshd)) {
			rc = -ESRCH;
			break;
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (void *)&sa, sizeof(sa)) == 0) {
			close(fd);
			rc = 0;
			break;
		}
		if (fd >= 0)
			close(fd);
		nanosleep(&ts, NULL);
	}
	if (netns_return(home))
		abort();
	return rc;
}

int sim_up(const char *emu, const char *dir, uint32_t n,
	   struct sim_machine *m, struct err *err)
{
	char mpath[NETNS_PATHSIZ], upath[NETNS_PATHSIZ], log[256];
	int home, rc, fd;
	uint32_t k;
	pid_t pid;

	memset(m, 0, n * sizeof(*m));
	if (n < 1 || n > SIM_MAX)
		return err_set(err, -EINVAL, "local:%u: from 1 to %u machines",
			       n, SIM_MAX);
	if (access(SSHD, X_OK))
		return err_set(err, -ENOENT, "local machines need %s "
			       "(openssh-server: 'make deps')", SSHD);
	rc = make_keys(dir, n, err);
	if (rc)
		return rc;
	home = netns_open_self();
	if (home < 0)
		return err_set(err, home, "cannot open our namespace");
	rc = make_underlay(emu, n, m, home, err);
	sim_nspath(upath, sizeof(upath), emu, "underlay");
	for (k = 0; k < n && !rc; k++) {
		sim_nspath(mpath, sizeof(mpath), emu, m[k].name);
		snprintf(log, sizeof(log), "%s/%s.log", dir, m[k].name);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0600);
		if (fd < 0) {
			rc = err_set(err, -errno, "%s: %s", log,
				     strerror(errno));
			break;
		}
		pid = fork();
		if (pid == 0)
			sshd_child(mpath, dir, &m[k], fd);
		close(fd);
		if (pid < 0) {
			rc = err_set(err, -errno, "fork: %s", strerror(errno));
			break;
		}
		m[k].sshd = pid;
		m[k].sshd_start = proc_starttime(pid);
	}
	for (k = 0; k < n && !rc; k++) {
		rc = wait_sshd(upath, home, &m[k]);
		if (rc)
			err_set(err, rc, "machine %s: sshd did not start (%s; "
				"see %s/%s.log)", m[k].name, strerror(-rc),
				dir, m[k].name);
	}
	close(home);
	return rc;
}

/* Runs argv inside machine m (its sshd's mount namespace and its network
 * namespace), 60 s at most. */
static void run_inside(const struct sim_machine *m, char *const argv[])
{
	char mnt[64], net[64];
	int status, i, mfd, nfd;
	pid_t pid;

	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)m->sshd);
	snprintf(net, sizeof(net), "/proc/%d/ns/net", (int)m->sshd);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		/* Both opened first: once in the machine's mount namespace,
		 * its /run hides the host's /run/netns. */
		nfd = open(net, O_RDONLY | O_CLOEXEC);
		mfd = open(mnt, O_RDONLY | O_CLOEXEC);
		if (nfd < 0 || mfd < 0 || setns(nfd, CLONE_NEWNET) ||
		    setns(mfd, CLONE_NEWNS)) {
			dprintf(2, "lunet: machine %s: cannot enter it: %s\n",
				m->name, strerror(errno));
			_exit(126);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 600; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

int sim_down(const char *emu, uint32_t n, const struct sim_machine *m,
	     char *const clean_argv[])
{
	char path[NETNS_PATHSIZ], name[16];
	ino_t inodes[SIM_MAX + 1];
	size_t ni = 0;
	uint32_t k, last = n ? n : SIM_MAX;
	int rc = 0, r;

	for (k = 0; k < last; k++) {
		snprintf(name, sizeof(name), "m%u", k + 1);
		if (sim_nspath(path, sizeof(path), emu, name))
			continue;
		if (n && clean_argv && m[k].sshd &&
		    proc_starttime(m[k].sshd) == m[k].sshd_start &&
		    proc_alive(m[k].sshd))
			run_inside(&m[k], clean_argv);
		if ((inodes[ni] = netns_inode(path)))
			ni++;
	}
	if (!sim_nspath(path, sizeof(path), emu, "underlay") &&
	    (inodes[ni] = netns_inode(path)))
		ni++;
	/* sshd, the workers it started, and the coordinator's ssh clients
	 * in the underlay: every process in these namespaces is ours. */
	if (ni) {
		ino_t *s = inodes;
		size_t i, j;

		for (i = 1; i < ni; i++) /* proc_kill_netns() wants them sorted */
			for (j = i; j > 0 && s[j - 1] > s[j]; j--) {
				ino_t x = s[j];
				s[j] = s[j - 1];
				s[j - 1] = x;
			}
		r = proc_kill_netns(inodes, ni);
		if (r < 0)
			rc = r;
	}
	/* Those sshds that are our own children are ours to reap. */
	for (k = 0; k < n; k++)
		if (m[k].sshd > 0)
			waitpid(m[k].sshd, NULL, WNOHANG);
	for (k = 0; k < last; k++) {
		snprintf(name, sizeof(name), "m%u", k + 1);
		if (!sim_nspath(path, sizeof(path), emu, name)) {
			r = netns_delete(path);
			if (r && r != -ENOENT && !rc)
				rc = r;
		}
	}
	if (!sim_nspath(path, sizeof(path), emu, "underlay")) {
		r = netns_delete(path);
		if (r && r != -ENOENT && !rc)
			rc = r;
	}
	return rc;
}

int sim_machine_set(const char *emu, uint32_t k, bool up, struct err *err)
{
	char upath[NETNS_PATHSIZ];
	struct nl_batch *b = nl_batch_new(4096);
	int home, rc;

	if (!b)
		return err_set(err, -ENOMEM, "out of memory");
	home = netns_open_self();
	rc = home < 0 ? home : sim_nspath(upath, sizeof(upath), emu, "underlay");
	if (!rc)
		rc = ADD(b, rtnl_link_set(AT(b), IF_DATA_K(k), up, -1));
	if (!rc)
		rc = send_in(upath, home, b, err, up ? "machine recovery" :
						      "machine failure");
	else
		err_set(err, rc, "machine m%u: %s", k + 1, strerror(-rc));
	if (home >= 0)
		close(home);
	nl_batch_free(b);
	return rc;
}
