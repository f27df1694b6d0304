/* The control socket: frames on the wire, errors, and a server on a loop
 * answering a client. */
#include <errno.h>
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/control/ctl.h"

static void test_frame_bytes(void **ctx)
{
	static const unsigned char want[] = { 'L', 0, 0, 0, 5, 'n', 'o',
					      'd', 'e', 's' };
	unsigned char got[32];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ctl_send(sv[0], CTL_LINE, "nodes", 5), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(ctl_send_status(sv[0], 258), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), 9);
	assert_memory_equal(got, "X\0\0\0\4\0\0\1\2", 9);
	close(sv[0]);
	close(sv[1]);
}

static void test_roundtrip(void **ctx)
{
	size_t len;
	char *buf;
	int sv[2], t;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ctl_send(sv[0], CTL_OUT, "hello\n", 6), 0);
	assert_int_equal(ctl_send(sv[0], CTL_ERR, NULL, 0), 0);
	assert_int_equal(ctl_send_status(sv[0], -3), 0);
	assert_int_equal(ctl_recv(sv[1], &t, &buf, &len), 0);
	assert_int_equal(t, CTL_OUT);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);
	assert_int_equal(ctl_recv(sv[1], &t, &buf, &len), 0);
	assert_int_equal(t, CTL_ERR);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	assert_int_equal(ctl_recv(sv[1], &t, &buf, &len), 0);
	assert_int_equal(t, CTL_EXIT);
	assert_int_equal(ctl_status(buf, len), -3);
	free(buf);
	close(sv[0]);
	assert_int_equal(ctl_recv(sv[1], &t, &buf, &len), -ECONNRESET);
	close(sv[1]);
}

static void test_bad_frames(void **ctx)
{
	static const unsigned char huge[] = { 'O', 0x7f, 0xff, 0xff, 0xff };
	static const unsigned char cut[] = { 'O', 0, 0, 0, 9, 'a', 'b' };
	size_t len;
	char *buf;
	int sv[2], t;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], huge, sizeof(huge)), sizeof(huge));
	assert_int_equal(ctl_recv(sv[1], &t, &buf, &len), -EPROTO);
	close(sv[0]);
	close(sv[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], cut, sizeof(cut)), sizeof(cut));
	close(sv[0]);
	assert_int_equal(ctl_recv(sv[1], &t, &buf, &len), -EPROTO);
	close(sv[1]);
	assert_int_equal(ctl_status("\1", 1), 1);
}

/* The server's handler: echoes the line back in capitals. */
static void on_request(void *arg, struct ctl_conn *conn, int type,
		       const char *buf, size_t len)
{
	char up[64];
	size_t i;

	*(int *)arg += 1;
	assert_int_equal(type, CTL_LINE);
	assert_int_equal(buf[len], '\0');
	for (i = 0; i < len && i < sizeof(up); i++)
		up[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i];
	assert_int_equal(ctl_reply(conn, CTL_OUT, up, i), 0);
	assert_int_equal(ctl_reply_status(conn, 7), 0);
}

static void test_server(void **ctx)
{
	struct ev_loop *loop = ev_loop_new(0);
	char dir[] = "/tmp/lunet-ctl.XXXXXX", path[64];
	struct ctl_server *s;
	struct stat st;
	int fd, err, t, calls = 0, i;
	size_t len;
	char *buf;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl", dir);
	s = ctl_server_new(loop, path, "lunet-ctl 1 test", on_request, &calls,
			   &err);
	assert_non_null(s);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = ctl_connect(path);
	assert_true(fd >= 0);
	ev_run(loop, EVRUN_NOWAIT); /* accept, greet */
	assert_int_equal(ctl_recv(fd, &t, &buf, &len), 0);
	assert_int_equal(t, CTL_HELLO);
	assert_string_equal(buf, "lunet-ctl 1 test");
	free(buf);

	/* Two requests in one write: both are answered, in order. */
	assert_int_equal(ctl_send(fd, CTL_LINE, "ping", 4), 0);
	assert_int_equal(ctl_send(fd, CTL_LINE, "net", 3), 0);
	for (i = 0; i < 10 && calls < 2; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(calls, 2);
	assert_int_equal(ctl_recv(fd, &t, &buf, &len), 0);
	assert_string_equal(buf, "PING");
	free(buf);
	assert_int_equal(ctl_recv(fd, &t, &buf, &len), 0);
	assert_int_equal(ctl_status(buf, len), 7);
	free(buf);
	assert_int_equal(ctl_recv(fd, &t, &buf, &len), 0);
	assert_string_equal(buf, "NET");
	free(buf);
	assert_int_equal(ctl_recv(fd, &t, &buf, &len), 0);
	free(buf);

	/* Held: nothing is read until released. */
	ctl_server_hold(s, true);
	assert_int_equal(ctl_send(fd, CTL_LINE, "x", 1), 0);
	ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(calls, 2);
	ctl_server_hold(s, false);
	for (i = 0; i < 10 && calls < 3; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(calls, 3);

	ctl_server_free(s);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(ctl_connect(path), -ENOENT);
	close(fd);
	rmdir(dir);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_bytes),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
