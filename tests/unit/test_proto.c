/* The coordinator's and workers' messages: bytes on the wire, a round
 * trip of payloads large and empty, and the errors of a stream that is
 * not lunet's or ends too soon. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cluster/proto.h"

static int sv[2];
static struct proto tx, rx;

static int pair_up(void **ctx)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	proto_init(&tx, -1, sv[0]);
	proto_init(&rx, sv[1], -1);
	rx.timeout_ms = 2000;
	return 0;
}

static int pair_down(void **ctx)
{
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
	return 0;
}

static void test_bytes(void **ctx)
{
	char got[64];
	ssize_t n;

	assert_int_equal(proto_sendf(&tx, "link", "%u %s", 7, "down"), 0);
	n = read(sv[1], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	assert_string_equal(got, "link 6\n7 down");
	/* a verb with a space would break the header */
	assert_int_equal(proto_send(&tx, "two words", "", 0), -EINVAL);
}

static void test_roundtrip(void **ctx)
{
	char verb[PROTO_VERB_MAX], *data;
	size_t len, big = 300 * 1000, i;
	char *payload = malloc(big);
	struct err err;

	assert_non_null(payload);
	for (i = 0; i < big; i++)
		payload[i] = (char)(i * 7 + 1); /* newlines and NULs too */
	if (fork() == 0) { /* more than a socket buffer: a writer of its own */
		proto_send(&tx, "build", payload, big);
		proto_send(&tx, "ok", "", 0);
		proto_sendf(&tx, "error", "node %s: %s", "r1", "refused");
		_exit(0);
	}
	close(sv[0]);
	sv[0] = -1;
	err_clear(&err);
	assert_int_equal(proto_recv(&rx, verb, &data, &len, &err), 0);
	assert_string_equal(verb, "build");
	assert_int_equal(len, big);
	assert_memory_equal(data, payload, big);
	free(data);
	assert_int_equal(proto_recv(&rx, verb, &data, &len, &err), 0);
	assert_string_equal(verb, "ok");
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
	assert_int_equal(proto_recv(&rx, verb, &data, &len, &err), 0);
	assert_string_equal(verb, "error");
	assert_string_equal(data, "node r1: refused");
	free(data);
	/* the writer is gone: the end of the stream, between messages */
	assert_int_equal(proto_recv(&rx, verb, &data, &len, &err), -ENODATA);
	assert_null(data);
	free(payload);
}

/* Writes raw bytes, closes, and returns what proto_recv() made of them. */
static int recv_raw(const char *raw, struct err *err)
{
	char verb[PROTO_VERB_MAX], *data;
	size_t len;
	int rc;

	assert_int_equal(write(sv[0], raw, strlen(raw)), (ssize_t)strlen(raw));
	close(sv[0]);
	sv[0] = -1;
	err_clear(err);
	rc = proto_recv(&rx, verb, &data, &len, err);
	free(data);
	return rc;
}

static void test_not_lunet(void **ctx)
{
	struct err err;

	assert_int_equal(recv_raw("SSH-2.0-OpenSSH_9.2\r\n", &err), -EPROTO);
	assert_non_null(strstr(err.msg, "not a lunet message"));
	assert_non_null(strstr(err.msg, "SSH-2.0"));
}

static void test_bad_length(void **ctx)
{
	struct err err;

	assert_int_equal(recv_raw("ok 12x\n", &err), -EPROTO);
}

static void test_too_big(void **ctx)
{
	struct err err;

	assert_int_equal(recv_raw("build 999999999999\n", &err), -EPROTO);
}

static void test_truncated_payload(void **ctx)
{
	struct err err;

	assert_int_equal(recv_raw("build 10\nabc", &err), -EPROTO);
	assert_non_null(strstr(err.msg, "3 of 10 bytes"));
}

static void test_truncated_header(void **ctx)
{
	struct err err;

	assert_int_equal(recv_raw("hel", &err), -EPROTO);
	assert_non_null(strstr(err.msg, "inside a message header"));
}

static void test_timeout(void **ctx)
{
	char verb[PROTO_VERB_MAX], *data;
	struct err err;
	size_t len;

	rx.timeout_ms = 50;
	err_clear(&err);
	assert_int_equal(proto_recv(&rx, verb, &data, &len, &err),
			 -ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes, pair_up, pair_down),
		cmocka_unit_test_setup_teardown(test_roundtrip, pair_up,
						pair_down),
		cmocka_unit_test_setup_teardown(test_not_lunet, pair_up,
						pair_down),
		cmocka_unit_test_setup_teardown(test_bad_length, pair_up,
						pair_down),
		cmocka_unit_test_setup_teardown(test_too_big, pair_up,
						pair_down),
		cmocka_unit_test_setup_teardown(test_truncated_payload,
						pair_up, pair_down),
		cmocka_unit_test_setup_teardown(test_truncated_header,
						pair_up, pair_down),
		cmocka_unit_test_setup_teardown(test_timeout, pair_up,
						pair_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
