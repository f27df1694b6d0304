# lunet: a network emulator.  See README.md.
#
#   make            build ./lunet
#   make run        install missing packages, build, run the default demo
#   make check      unit tests and root integration tests, under ASan/UBSan
#   make deps       install the Debian packages lunet needs (idempotent)
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench      benchmarks (not part of check)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
CC ?= cc
BUILD ?= build

PKGS := libmnl lua5.4 libpcap
WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -D_GNU_SOURCE -I. $(WARN) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lm \
	$(shell pkg-config --libs libedit 2>/dev/null)
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

TOPO_SRC := $(wildcard topo/*.c)
CORE_SRC := $(wildcard core/*/*.c)
LUA_SRC := $(wildcard lua/*.c)
TOOL_SRC := $(wildcard tools/*.c tools/console/*.c)
HDR := $(wildcard */*.h */*/*.h)
LUA_LIB := $(wildcard lua/lib/*.lua)

OBJ = $(patsubst %.c,$(BUILD)/%.o,$(1))
LUNET_OBJ := $(call OBJ,$(TOPO_SRC) $(CORE_SRC) $(LUA_SRC) $(TOOL_SRC)) \
	$(BUILD)/lua/lib/embed.o

# Each unit test links only the modules it tests.
UNIT := test_ip test_topo test_plan test_rtnl test_nl test_nl_live test_state test_probe \
	test_topo_gen test_events test_stream test_ctl test_capture
test_ip_OBJ := topo/ip.o
test_topo_OBJ := $(TOPO_SRC:.c=.o)
test_plan_OBJ := $(TOPO_SRC:.c=.o)
test_rtnl_OBJ := core/netlink/rtnl.o
test_nl_OBJ := core/netlink/nl.o core/netlink/rtnl.o
test_nl_live_OBJ := core/netlink/nl.o core/netlink/rtnl.o
test_state_OBJ := core/control/state.o core/sys/proc.o core/sys/intr.o $(TOPO_SRC:.c=.o)
test_probe_OBJ := core/observe/probe.o core/sys/netns.o
test_topo_gen_OBJ := $(TOPO_SRC:.c=.o) lua/lib/embed.o lua/lopts.o
test_events_OBJ := core/observe/events.o
test_stream_OBJ := core/observe/stream.o core/sys/netns.o
test_ctl_OBJ := core/control/ctl.o
UNIT += test_stats
UNIT += test_lopts
test_lopts_OBJ := lua/lopts.o core/impair/impair_spec.o
UNIT += test_impair
test_impair_OBJ := core/impair/impair_spec.o core/impair/impair_prog.o core/netlink/bpf.o core/netlink/tc.o
test_stats_OBJ := core/observe/stats_msg.o core/observe/stats_fmt.o $(TOPO_SRC:.c=.o)
test_capture_OBJ := core/observe/capture_spec.o $(TOPO_SRC:.c=.o)
UNIT_BIN := $(addprefix $(BUILD)/tests/,$(UNIT))

.PHONY: all run check unit integration deps install bench clean format
all: lunet

lunet: $(BUILD)/lunet
	@if [ "$(BUILD)" = build ]; then cp $< $@.tmp && mv -f $@.tmp $@; fi

$(BUILD)/lunet: $(LUNET_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The Lua library and the default topology are compiled into the binary.
$(BUILD)/lua/lib/embed.o: lua/lib/embed.S $(LUA_LIB) examples/default.lua
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(addprefix $(BUILD)/,$$($$*_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ \
		$^ $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do $$t; done

check: deps
	$(MAKE) BUILD=build/san SAN=1 unit build/san/lunet
	LUNET=$(CURDIR)/build/san/lunet tests/integration/run

integration: lunet
	LUNET=$(CURDIR)/lunet tests/integration/run

run: deps lunet
	./lunet run examples/demo.lua

deps:
	@tools/deps

bench: lunet
	tools/bench
	tools/bench-links

install: lunet
	install -D -m 755 lunet $(DESTDIR)$(BINDIR)/lunet

format:
	clang-format -i $(TOPO_SRC) $(CORE_SRC) $(LUA_SRC) $(TOOL_SRC) \
		$(HDR) tests/unit/*.c

clean:
	rm -rf build lunet
