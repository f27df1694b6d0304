/* events tests: JSON lines built byte for byte, and written to a file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/observe/events.h"

static void test_begin(void **state)
{
	struct event_line l;

	event_begin(&l, 1.5, -1, "link_down");
	assert_int_equal(event_end(&l), 0);
	assert_string_equal(l.buf, "{\"t\":1.500000,\"event\":\"link_down\"}");
	event_line_free(&l);

	event_begin(&l, 0, 1700000000.25, "x");
	event_end(&l);
	assert_string_equal(l.buf,
			    "{\"t\":0.000000,\"ts\":1700000000.250,"
			    "\"event\":\"x\"}");
	event_line_free(&l);
}

static void test_values(void **state)
{
	struct event_line l;

	event_begin(&l, 2, -1, "probe_end");
	event_key(&l, "net");
	event_str(&l, "fab", 3);
	event_key(&l, "sent");
	event_int(&l, 300);
	event_key(&l, "loss");
	event_num(&l, 0.25);
	event_key(&l, "nan");
	event_num(&l, NAN);
	event_key(&l, "ok");
	event_bool(&l, true);
	event_key(&l, "none");
	event_null(&l);
	event_key(&l, "pairs");
	event_open(&l, '[');
	event_int(&l, 1);
	event_open(&l, '{');
	event_key(&l, "a");
	event_str(&l, "b", 1);
	event_close(&l, '}');
	event_close(&l, ']');
	assert_int_equal(event_end(&l), 0);
	assert_string_equal(l.buf,
			    "{\"t\":2.000000,\"event\":\"probe_end\","
			    "\"net\":\"fab\",\"sent\":300,\"loss\":0.25,"
			    "\"nan\":null,\"ok\":true,\"none\":null,"
			    "\"pairs\":[1,{\"a\":\"b\"}]}");
	event_line_free(&l);
}

static void test_escapes(void **state)
{
	static const char raw[] = "a\"b\\c\nd\te\x01" "f\x7f";
	struct event_line l;

	event_begin(&l, 0, -1, "e");
	event_key(&l, "s");
	event_str(&l, raw, sizeof(raw) - 1);
	event_end(&l);
	assert_string_equal(l.buf, "{\"t\":0.000000,\"event\":\"e\","
				   "\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001f"
				   "\\u007f\"}");
	event_line_free(&l);
}

/* A long value grows the buffer past its first size. */
static void test_long(void **state)
{
	struct event_line l;
	char big[5000];

	memset(big, 'x', sizeof(big));
	event_begin(&l, 0, -1, "e");
	event_key(&l, "s");
	event_str(&l, big, sizeof(big));
	assert_int_equal(event_end(&l), 0);
	assert_int_equal(l.len, strlen(l.buf));
	assert_true(l.len > sizeof(big));
	assert_int_equal(l.buf[l.len - 1], '}');
	event_line_free(&l);
}

static void test_file(void **state)
{
	char path[] = "/tmp/lunet-events-XXXXXX", buf[256];
	struct events *ev = events_new();
	struct event_line l;
	FILE *f;
	int fd;

	assert_non_null(ev);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	event_begin(&l, 0, -1, "one");
	event_end(&l);
	assert_int_equal(events_write(ev, &l), 0); /* no file: nothing */
	assert_int_equal(events_open(ev, path), 0);
	assert_int_equal(events_write(ev, &l), 0);
	event_line_free(&l);
	event_begin(&l, 1, -1, "two");
	event_end(&l);
	assert_int_equal(events_write(ev, &l), 0);
	event_line_free(&l);
	assert_true(events_clock(ev) >= 0);
	events_free(ev);

	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "{\"t\":0.000000,\"event\":\"one\"}\n");
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "{\"t\":1.000000,\"event\":\"two\"}\n");
	assert_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	unlink(path);

	ev = events_new();
	assert_int_equal(events_open(ev, "/nonexistent/dir/x"), -ENOENT);
	events_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_begin),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
