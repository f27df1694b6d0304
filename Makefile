# lunet: a network emulator.  See README.md.
#
#   make            build ./lunet and its man page, build/lunet.1
#   make run        install missing packages, build, run the default demo
#   make check      every test, under ASan/UBSan: unit tests, then as root the
#                   root unit tests and integration tests (fails when not root)
#   make unit       the unit tests that need no root
#   make root-unit  the unit tests that need root (run it as root)
#   make deps       install the Debian packages lunet needs (idempotent)
#   make install    PREFIX=/usr/local DESTDIR=: binary, man page, completion
#   make uninstall  the same PREFIX and DESTDIR: removes those three files
#   make man        only the man page, from docs/cli.md
#   make docs       the pictures of docs/pictures.md, drawn by lunet graph
#                   (and, as root, screenshots of a report and lunet web)
#   make bench      benchmarks (not part of check)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION := $(shell sed -n 's/.*"lunet \([0-9][0-9.]*\)\\n".*/\1/p' tools/main.c)
CC ?= cc
BUILD ?= build

PKGS := libmnl lua5.4 libpcap libmicrohttpd
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
	$(BUILD)/lua/lib/embed.o $(BUILD)/tools/assets/embed.o

# Each unit test links only the modules it tests.  Those of tests/unit/
# need no root and must not skip; those of tests/root/ need root, and fail
# when run by hand without it (tests/root/root.h).
UNIT := test_ip test_topo test_plan test_rtnl test_nl test_state \
	test_topo_gen test_events test_stream test_ctl test_capture
test_ip_OBJ := topo/ip.o
test_topo_OBJ := $(TOPO_SRC:.c=.o)
test_plan_OBJ := $(TOPO_SRC:.c=.o)
test_rtnl_OBJ := core/netlink/rtnl.o
test_nl_OBJ := core/netlink/nl.o core/netlink/rtnl.o
test_state_OBJ := core/control/state.o core/sys/proc.o core/sys/intr.o $(TOPO_SRC:.c=.o)
test_topo_gen_OBJ := $(TOPO_SRC:.c=.o) lua/lib/embed.o lua/lopts.o
test_events_OBJ := core/observe/events.o
test_stream_OBJ := core/observe/stream.o core/sys/netns.o
test_ctl_OBJ := core/control/ctl.o
UNIT += test_stats
UNIT += test_routing test_routing_conf test_speaker
test_routing_OBJ := $(TOPO_SRC:.c=.o)
test_speaker_OBJ := core/routing/conf.o core/routing/frr_conf.o \
	core/routing/bird_conf.o \
	$(TOPO_SRC:.c=.o)
test_routing_conf_OBJ := core/routing/conf.o core/routing/frr_conf.o \
	core/routing/bird_conf.o \
	$(TOPO_SRC:.c=.o)
UNIT += test_limits
test_limits_OBJ := core/sys/limits.o core/sys/sysctl.o $(TOPO_SRC:.c=.o)
UNIT += test_serial test_change
test_change_OBJ := $(TOPO_SRC:.c=.o)
test_serial_OBJ := $(TOPO_SRC:.c=.o)
UNIT += test_place test_machines
test_place_OBJ := $(TOPO_SRC:.c=.o)
test_machines_OBJ := topo/machines.o
UNIT += test_proto
test_proto_OBJ := core/cluster/proto.o
UNIT += test_lopts
test_lopts_OBJ := lua/lopts.o core/impair/impair_spec.o
UNIT += test_impair
UNIT += test_explore
test_explore_OBJ := lua/lib/embed.o lua/lopts.o
test_impair_OBJ := core/impair/impair_spec.o core/netlink/tc.o
test_stats_OBJ := core/observe/stats_msg.o core/observe/stats_fmt.o $(TOPO_SRC:.c=.o)
test_capture_OBJ := core/observe/capture_spec.o $(TOPO_SRC:.c=.o)
UNIT += test_draw
test_draw_OBJ := $(TOPO_SRC:.c=.o)
UNIT_BIN := $(addprefix $(BUILD)/tests/,$(UNIT))

ROOT_UNIT := test_probe test_nl_live test_impair_prog
test_probe_OBJ := core/observe/probe.o core/sys/netns.o
test_nl_live_OBJ := core/netlink/nl.o core/netlink/rtnl.o
test_impair_prog_OBJ := core/impair/impair_prog.o core/netlink/bpf.o
ROOT_UNIT_BIN := $(addprefix $(BUILD)/tests/root/,$(ROOT_UNIT))

# The root shell tests, named as tests/integration/run names them.
INTEGRATION := $(basename $(notdir $(wildcard tests/integration/t_*.sh)))

.PHONY: all run check unit root-unit integration deps install bench clean format
all: lunet man

lunet: $(BUILD)/lunet
	@if [ "$(BUILD)" = build ]; then cp $< $@.tmp && mv -f $@.tmp $@; fi

$(BUILD)/lunet: $(LUNET_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The pages' files (tools/assets/: uPlot, vendored from npm at the version
# of its package-lock.json, and lunet's own scripts) too.
ASSETS := $(filter-out %.S %.json %.LICENSE,$(wildcard tools/assets/*))
$(BUILD)/tools/assets/embed.o: tools/assets/embed.S $(ASSETS)
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

# The Lua library and the default topology are compiled into the binary.
$(BUILD)/lua/lib/embed.o: lua/lib/embed.S $(LUA_LIB) examples/default.lua
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

.SECONDEXPANSION:
# A test binary: its source and the objects of its _OBJ list.
TEST_LINK = $(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) $(LDFLAGS) \
	-o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)
$(BUILD)/tests/root/%: tests/root/%.c $$(addprefix $(BUILD)/,$$($$*_OBJ))
	@mkdir -p $(dir $@)
	$(TEST_LINK)
$(BUILD)/tests/%: tests/unit/%.c $$(addprefix $(BUILD)/,$$($$*_OBJ))
	@mkdir -p $(dir $@)
	$(TEST_LINK)

# tree-check: the layout and layering docs/architecture.md describes.
unit: $(UNIT_BIN)
	@tests/tree-check
	@tests/cmocka-run unit $(UNIT_BIN)

root-unit: $(ROOT_UNIT_BIN)
	@tests/cmocka-run "root unit" $(ROOT_UNIT_BIN)

# make check as root runs every test.  As anyone else it runs the unit
# tests, builds the root ones, names every root test it did not run, and
# fails: a run without the root tests is not a pass.
check: deps
	$(MAKE) BUILD=build/san SAN=1 unit build/san/lunet \
		$(addprefix build/san/tests/root/,$(ROOT_UNIT))
	@if [ "$$(id -u)" != 0 ]; then \
		tests/root-skipped $(ROOT_UNIT) -- $(INTEGRATION); \
		exit 1; \
	fi
	$(MAKE) BUILD=build/san SAN=1 root-unit
	LUNET=$(CURDIR)/build/san/lunet tests/integration/run

integration: lunet
	LUNET=$(CURDIR)/lunet tests/integration/run

run: deps lunet
	./lunet run examples/demo.lua

deps:
	@tools/deps

# Placement (lunet plan --time): 100,352 nodes node by node, then a
# fat-tree k=64 by pods, on 16 machines; printed, not checked.
bench: lunet
	@echo "placement on 16 machines (docs/machines.md):"
	@./lunet plan --time --no-groups --machines local:16 \
		--topo torus,x=224,y=224 | sed -n '1,2p'
	@./lunet plan --time --machines local:16 --topo fattree,k=64 | \
		sed -n '1,2p'
	tools/bench
	tools/bench-links
	tools/bench-routing
	tools/bench-machines
	tools/bench-change
	tools/bench-explore

# The pictures of docs/pictures.md, drawn from the examples and the
# generators by lunet graph (needs Graphviz, no root); committed, so that
# the docs read on a machine without either.
PICTURE_FILES := routers demo stp_ring campus
PICTURE_TOPOS := fattree,k=4 fattree,k=8 fattree,k=16 \
	leafspine,spines=4,leaves=8,hosts_per_leaf=4 torus,4,4
.PHONY: docs
docs: lunet
	@mkdir -p docs/pictures
	@for f in $(PICTURE_FILES); do \
		./lunet graph -q examples/$$f.lua -o docs/pictures/$$f.svg || \
			exit 1; \
	done
	@./lunet graph -q examples/routers.lua --ifnames \
		-o docs/pictures/routers-ifnames.svg
	@for t in $(PICTURE_TOPOS); do \
		./lunet graph -q --topo $$t \
			-o docs/pictures/$$(echo $$t | sed 's/,.*//')-$$(echo $$t | \
			sed 's/^[^,]*,//; s/[a-z_]*=//g; s/,/x/g').svg || exit 1; \
	done
	@if [ "$$(id -u)" = 0 ] && command -v chromium >/dev/null; then \
		tools/docs-shots; \
	else \
		echo "docs: the screenshots (report.png, web.png) need root and chromium: not made"; \
	fi
	@echo "docs/pictures: $$(ls docs/pictures | wc -l) pictures"

# The man page is docs/cli.md, converted; see tools/clidoc.
.PHONY: man
man: $(BUILD)/lunet.1

$(BUILD)/lunet.1: docs/cli.md tools/clidoc
	@mkdir -p $(dir $@)
	tools/clidoc man --source "lunet $(VERSION)" docs/cli.md >$@.tmp
	mv -f $@.tmp $@

install: $(BUILD)/lunet $(BUILD)/lunet.1
	install -D -m 755 $(BUILD)/lunet $(DESTDIR)$(BINDIR)/lunet
	install -D -m 644 $(BUILD)/lunet.1 $(DESTDIR)$(MANDIR)/man1/lunet.1
	install -D -m 644 tools/completion/lunet.bash $(DESTDIR)$(COMPDIR)/lunet

# Only the files: the directories may hold other programs' too.
.PHONY: uninstall
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lunet $(DESTDIR)$(MANDIR)/man1/lunet.1 \
		$(DESTDIR)$(COMPDIR)/lunet

format:
	clang-format -i $(TOPO_SRC) $(CORE_SRC) $(LUA_SRC) $(TOOL_SRC) \
		$(HDR) tests/unit/*.c tests/root/*.c

clean:
	rm -rf build lunet
