# sctpalg -- one non-recursive Makefile (Debian 12; no configure step).
# The test runners are scripts under test/.  `make help` prints this.
#
# make [target] [V=1 full commands] [PREFIX=/usr/local] [DESTDIR=...] [LTO=]
#      [-jN: jobs, every core by default]
#   all          sctpalgd, sctpalgctl, build/libsctpalg.a (default)
#   deps         install missing Debian packages (root; test/deps.sh)
#   check        deps, all, tools, then every stage below, with a summary
#   check-unit   Criterion unit tests under ASan + UBSan
#   check-static cppcheck
#   check-config golden config tests (test/config/run.sh)
#   check-man    mandoc -Tlint -Wstyle on man/
#   check-fuzz   libFuzzer targets briefly (FUZZ_SECONDS=60)
#   check-fastpath    the XDP fast path against the engine (root)
#   check-e2e    namespace end-to-end tests (root), most against
#                build/san/sctpalgd (ASan + UBSan)
#   check-completion  sctpalgctl's bash completion
#   fuzz         the fuzzers for longer (FUZZ_SECONDS=600)
#   demo         deps, all, then the namespace demonstration (root)
#   bench        deps, all, tools, then the engine in process, and packets/s
#                and CPU per packet through the box on veth: kernel NAT,
#                sctpalgd (fast-path off, xdp), stateless XDP limit (root)
#   soak         all, tools, then the long e2e runs (test/e2e/soak.sh, root)
#   tools        e2e and benchmark helper programs
#   lint         cppcheck, and clang-format on the changed lines
#                (LINT_BASE=main for a branch)
#   lint-all     clang-format differences over the whole tree
#   install uninstall clean help

# Every core unless told (make -jN, -j1); not with clean, which would
# race the build it precedes.  Sub-makes share the top one's jobs.
ifeq ($(MAKELEVEL)$(filter clean,$(MAKECMDGOALS)),0)
MAKEFLAGS += -j$(shell nproc)
endif

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
# bash-completion's directory for completions loaded on demand.
BASHCOMPDIR ?= /usr/share/bash-completion/completions
DESTDIR    ?=

CC      ?= gcc
# Compiler for the programs run during the build (table generators).
HOSTCC  ?= $(CC)
CLANG   ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	-Wmissing-prototypes -Wstrict-prototypes
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARNINGS) -MMD -MP
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
# Link-time optimisation of the shipped objects and the programs linked
# from them: a packet's path through the engine crosses a dozen small
# functions in as many files (README, Performance).  Fat objects, so that
# a link without it still works; `make LTO=` builds without.
LTO     ?= -flto=auto -ffat-lto-objects
ifneq ($(strip $(LTO)),)
AR      := gcc-ar
endif

pc = $(shell $(PKG_CONFIG) $(1) $(2) 2>/dev/null)
INIH_LIBS   := $(call pc,--libs,inih)
JSONC_LIBS  := $(call pc,--libs,json-c)
DAEMON_LIBS := $(call pc,--libs,libxdp libbpf liburing libnl-3.0 \
	libnl-route-3.0 libnl-genl-3.0 inih json-c)
DAEMON_CFLAGS := $(call pc,--cflags,libnl-3.0 libnl-route-3.0 libnl-genl-3.0)
# usrsctp: test_usrsctp_nat.c runs real stacks through the engine
# (AF_CONN, in process).
UNIT_LIBS := $(call pc,--libs,criterion liburing) $(INIH_LIBS) $(JSONC_LIBS) \
	$(or $(call pc,--libs,usrsctp),-lusrsctp)
# BPF programs include <linux/*.h> and <asm/types.h> from the host's
# multiarch directory.
DEB_HOST_MULTIARCH ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH \
	2>/dev/null || $(CC) -print-multiarch 2>/dev/null)
MULTIARCH := $(or $(DEB_HOST_MULTIARCH),x86_64-linux-gnu)
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -Iinclude -Ibuild \
	-I/usr/include/$(MULTIARCH)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2);
endif

# Include paths by directory: include/ holds the contracts between
# directories, each directory's private headers sit beside its sources,
# and a directory sees only its own, so the pure engine and config cannot
# include a daemon header (README, Layout).  build/ holds the generated
# gen/*.h tables and the BPF skeletons.
SRC_DIRS   := engine conf ctl daemon
INC_engine := -Iinclude -Isrc/engine -Ibuild
INC_conf   := -Iinclude -Isrc/conf
INC_ctl    := -Iinclude -Isrc/ctl
INC_daemon := -Iinclude -Isrc/daemon -Ibuild $(DAEMON_CFLAGS)
# Tests, fuzzers and tools reach into every directory.
INC_test   := -Iinclude $(SRC_DIRS:%=-Isrc/%) -Ibuild -Itest/unit -Itest/e2e
# The include flags for a source file: its directory's, else the tests'.
inc = $(or $(INC_$(word 2,$(subst /, ,$(1)))),$(INC_test))

# ---- sources, and the lists each program links ----
# gen_*.c are build-time generators, not part of the library.
GEN_SRCS    := $(wildcard src/engine/gen_*.c)
LIB_SRCS    := $(filter-out $(GEN_SRCS),\
	$(wildcard src/engine/*.c src/conf/*.c))
DAEMON_SRCS := $(wildcard src/daemon/*.c)
CTL_SRCS    := $(wildcard src/ctl/*.c)
BPF_SRCS    := $(wildcard src/bpf/*.bpf.c)
# The control protocol's half that sctpalgd links too: command names,
# the associations and capture filters, pcapng blocks.
CTL_SHARED_SRCS := $(addprefix src/ctl/,ctl_proto.c ctl_filter.c \
	cap_filter.c pcapng.c)
# sctpalgctl's modules but its main (answers read with json-c, tables,
# Prometheus output): unit-tested and fuzzed in process.
CTL_LIB_SRCS := $(filter-out src/ctl/sctpalgctl.c,$(CTL_SRCS))
# Daemon modules without AF_XDP, BPF or netlink, unit-tested in process;
# the datapath and forward_link over a fake backend and kroute
# (test/unit/kroute_fake.h).
DAEMON_CORE_SRCS := $(addprefix src/daemon/,loop.c log.c assoc_log.c \
	drop_log.c ctl_server.c ctl_render.c pidfile.c daemonize.c \
	privdrop.c state_file.c mon_event.c mon_watch.c capture.c \
	forward_link.c) \
	$(wildcard src/daemon/datapath*.c)
# sctpalgd = library + SCTPALGD_SRCS; the unit tests = library +
# UNIT_LINK_SRCS; the fuzzers = library + FUZZ_LINK_SRCS (build/fuzz-obj).
SCTPALGD_SRCS  := $(DAEMON_SRCS) $(CTL_SHARED_SRCS)
UNIT_LINK_SRCS := $(DAEMON_CORE_SRCS) $(CTL_LIB_SRCS) $(wildcard test/unit/*.c)
FUZZ_LINK_SRCS := $(CTL_LIB_SRCS) test/unit/pkt_build.c \
	test/unit/engine_fixture.c test/unit/adv_harness.c

LIB_OBJS  := $(LIB_SRCS:%.c=build/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=build/san/%.o)
SKELS     := $(BPF_SRCS:src/bpf/%.bpf.c=build/%.skel.h)
FUZZERS   := $(patsubst test/fuzz/%.c,build/fuzz/%,$(wildcard test/fuzz/fuzz_*.c))
# test/e2e/peer_common.c is a part of both test endpoints, sctp_peer and
# test/vm/ksctp_peer, not a tool of its own.
E2E_TOOLS := $(patsubst test/e2e/%.c,build/test/e2e/%,\
	$(filter-out test/e2e/peer_common.c,$(wildcard test/e2e/*.c)))
# test/bench/blast_*.c are parts of sctp_blast, not tools of their own.
BENCH_TOOLS := $(patsubst test/bench/%.c,build/test/bench/%,\
	$(filter-out %.bpf.c test/bench/blast_%.c,$(wildcard test/bench/*.c)))
FAST_DIFF := build/test/fastpath/fast_diff
FAST_BENCH := build/test/fastpath/fast_bench
LIBSCTP_A := $(wildcard /usr/lib/$(MULTIARCH)/libsctp.a)

.DEFAULT_GOAL := all
all: build/libsctpalg.a build/sctpalgd build/sctpalgctl
tools: $(E2E_TOOLS) $(BENCH_TOOLS) $(FAST_DIFF) $(FAST_BENCH) \
	$(if $(LIBSCTP_A),build/test/vm/ksctp_peer)

# ---- objects: shipped (-O2), and sanitized for the tests ----
define compile
	$(call msg,$(1),$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(2) $(call inc,$<) -c $< -o $@
endef
build/%.o: %.c
	$(call compile,CC,$(LTO))
build/san/%.o: %.c
	$(call compile,CC-SAN,$(SAN))

build/libsctpalg.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# CRC32c tables (as Linux's lib/gen_crc32table.c): a generator built for
# the build host, run; -Ibuild finds them as "gen/...".
GEN_HDRS := build/gen/crc32c_table.h build/gen/crc32c_zeros.h
build/gen/gen_crc32c_table: src/engine/gen_crc32c_table.c
	$(call msg,HOSTCC,$@)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) -std=gnu11 -O2 $(WARNINGS) -o $@ $<
build/gen/crc32c_%.h: build/gen/gen_crc32c_table
	$(call msg,GEN,$@)
	$(Q)$< $(filter zeros,$*) > $@.tmp && mv $@.tmp $@
build/src/engine/crc32c.o build/san/src/engine/crc32c.o: $(GEN_HDRS)

# BPF: an object, then a skeleton header embedding it (the object is kept
# for bpftool and llvm-objdump).  test/bench/xdp_limit.bpf.c is the
# benchmark's yardstick, a stateless XDP NAT.
define bpf_skel
	$(call msg,BPF,$@)
	@mkdir -p $(@D) $(dir $(1))
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(1)
	$(Q)$(BPFTOOL) gen skeleton $(1) > $@.tmp && mv $@.tmp $@
endef
build/%.skel.h: src/bpf/%.bpf.c include/xdp_steer.h include/xdp_fast.h \
		build/gen/crc32c_zeros.h src/bpf/fast_path.h
	$(call bpf_skel,build/bpf/$*.bpf.o)
build/test/bench/%.skel.h: test/bench/%.bpf.c
	$(call bpf_skel,$(@:.skel.h=.bpf.o))
$(SCTPALGD_SRCS:%.c=build/%.o) $(SCTPALGD_SRCS:%.c=build/san/%.o): $(SKELS)

# ---- programs; the unit tests; the fuzzers (libFuzzer, clang) ----
# $(call link,FLAGS,LIBS): $@ from the objects, archives and sources
# among its prerequisites (generated headers are prerequisites too).
# Built from several sources at once, -MMD would write each one's
# headers to the same $@.d, the last one's winning: the headers of all
# of them go there instead, so that a change to any rebuilds $@.
define link
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(1) -o $@ $(filter %.o %.a %.c,$^) $(2)
	$(if $(word 2,$(filter %.c,$^)),$(Q)$(CC) \
		$(filter-out -MMD -MP,$(CFLAGS)) $(1) -MM -MP -MT $@ \
		$(filter %.c,$^) > $@.d)
endef
build/sctpalgd: $(SCTPALGD_SRCS:%.c=build/%.o) build/libsctpalg.a
	$(call link,$(LTO),$(DAEMON_LIBS))
build/san/sctpalgd: $(SCTPALGD_SRCS:%.c=build/san/%.o) $(SAN_LIB_OBJS)
	$(call link,$(SAN),$(DAEMON_LIBS))
build/sctpalgctl: $(CTL_SRCS:%.c=build/%.o) build/libsctpalg.a
	$(call link,$(LTO),$(INIH_LIBS) $(JSONC_LIBS))
build/test/unit: $(UNIT_LINK_SRCS:%.c=build/san/%.o) $(SAN_LIB_OBJS)
	$(call link,$(SAN),$(UNIT_LIBS))

# The library and FUZZ_LINK_SRCS are compiled once for all the fuzzers
# (instrumented, without libFuzzer's main), each fuzzer's own file at
# its link.
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARNINGS) $(INC_test) \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS := $(patsubst %.c,build/fuzz-obj/%.o,$(LIB_SRCS) $(FUZZ_LINK_SRCS))
.SECONDARY: $(FUZZ_OBJS)
build/fuzz-obj/src/engine/crc32c.o: $(GEN_HDRS)
build/fuzz-obj/%.o: %.c
	$(call msg,CC-FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
		-c $< -o $@
build/fuzz/%: test/fuzz/%.c $(FUZZ_OBJS)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
		$(FUZZ_OBJS) $(INIH_LIBS) $(JSONC_LIBS)

# ---- test tools: e2e helpers, benchmarks, fast-path differential ----
# A tool is linked from the sources of its prerequisites (an e2e tool's
# are its program and TOOL_SRCS_<name>) and TOOL_LIBS_<name>.
# Benchmarks (-O2, no sanitizers), the fast-path differential test and
# the fuzz corpus generator drive the engine in process (ENGINE_DRIVER).
ENGINE_DRIVER := test/unit/pkt_build.c test/unit/engine_fixture.c \
	build/libsctpalg.a
TOOL_SRCS_xsk_forward := $(addprefix src/daemon/,xsk_port.c xdp_prog.c fast_kv.c)
TOOL_LIBS_xsk_forward := $(call pc,--libs,libxdp libbpf)
TOOL_SRCS_sctp_peer := test/e2e/peer_common.c
TOOL_LIBS_sctp_peer := $(or $(call pc,--libs,usrsctp),-lusrsctp) -lpthread
TOOL_SRCS_kroute_probe := src/daemon/kroute.c src/daemon/log.c \
	src/engine/nat_addr.c
TOOL_LIBS_kroute_probe := $(DAEMON_CFLAGS) \
	$(call pc,--libs,libnl-3.0 libnl-route-3.0)
# The flood generator and the packet forger: the engine's own CRC32c.
TOOL_SRCS_sctp_flood := src/engine/crc32c.c
TOOL_SRCS_sctp_forge := src/engine/crc32c.c
TOOL_LIBS_fast_diff := $(call pc,--libs,libbpf)
TOOL_LIBS_fast_bench := $(call pc,--libs,libbpf)
TOOL_LIBS_xdp_limit := $(call pc,--libs,libbpf)
# The DATA flood by BPF_PROG_RUN in live-frame mode (test/bench/blast_live.c).
TOOL_SRCS_sctp_blast := test/bench/blast_live.c
TOOL_LIBS_sctp_blast := $(call pc,--libs,libbpf)
# The kernel SCTP VM's peer (test/vm/, test/e2e/test_kernel_*.sh).
TOOL_LIBS_ksctp_peer := -static -l:libsctp.a
link_tool = $(call link,$(INC_test) -Ibuild/test/bench,$(TOOL_LIBS_$(@F)))
.SECONDEXPANSION:
$(E2E_TOOLS): build/test/e2e/%: test/e2e/%.c $$(TOOL_SRCS_$$*) $(SKELS) \
		$(GEN_HDRS)
	$(link_tool)
$(BENCH_TOOLS): build/test/bench/%: test/bench/%.c $$(TOOL_SRCS_$$*) \
		$(ENGINE_DRIVER)
	$(call link,$(LTO) $(INC_test) -Ibuild/test/bench,$(TOOL_LIBS_$(@F)))
build/test/bench/xdp_limit: build/test/bench/xdp_limit.skel.h
build/test/bench/sctp_blast: build/test/bench/xdp_live_gen.skel.h \
	test/bench/blast_live.h
$(FAST_DIFF): test/fastpath/fast_diff.c src/daemon/fast_kv.c \
		$(ENGINE_DRIVER) $(SKELS)
	$(link_tool)
# The fast path's program against the limit's, alone (figures).
$(FAST_BENCH): test/fastpath/fast_bench.c src/daemon/fast_kv.c \
		$(ENGINE_DRIVER) $(SKELS) build/test/bench/xdp_limit.skel.h
	$(link_tool)
# The fuzzers' seed corpus generator (run by hand, output committed).
build/test/fuzz-corpus: test/fuzz/make_corpus.c $(ENGINE_DRIVER)
	$(link_tool)
build/test/vm/ksctp_peer: test/vm/ksctp_peer.c test/e2e/peer_common.c
	$(link_tool)

# ---- tests (README, Tests); each stage also runs alone ----
CHECK_STAGES := check-unit check-static check-config check-man check-fuzz \
	check-fastpath check-e2e check-completion
FUZZ_SECONDS ?= 60
FUZZ_REPLAY_ONLY ?= fuzz_adversary
FAST_DIFF_PACKETS ?= 4000
.PHONY: all tools deps check $(CHECK_STAGES) fuzz demo bench soak lint \
	lint-all install uninstall clean help

deps:
	$(Q)bash test/deps.sh
check: deps
	$(Q)$(MAKE) --no-print-directory all tools
	$(Q)MAKE="$(MAKE)" bash test/check.sh $(CHECK_STAGES)
check-unit: build/test/unit
	$(Q)bash test/run_unit.sh
check-static:
	$(Q)bash test/run_static.sh
check-config: build/sctpalgd
	@echo "== config golden tests"
	$(Q)bash test/config/run.sh
check-man:
	$(Q)bash test/run_man.sh
check-fuzz: $(FUZZERS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_REPLAY_ONLY="$(FUZZ_REPLAY_ONLY)" \
		bash test/run_fuzz.sh $(FUZZERS)
check-fastpath: $(FAST_DIFF)
	$(Q)FAST_DIFF_PACKETS=$(FAST_DIFF_PACKETS) bash test/run_fastpath.sh
check-e2e: all tools build/san/sctpalgd
	$(Q)bash test/run_e2e.sh
check-completion: build/sctpalgctl
	@echo "== bash completion of sctpalgctl"
	$(Q)bash test/completion/test_sctpalgctl.sh
fuzz:
	$(MAKE) check-fuzz FUZZ_SECONDS=600 FUZZ_REPLAY_ONLY=
	$(MAKE) check-fastpath FAST_DIFF_PACKETS=400000
demo bench: deps
	$(Q)$(MAKE) --no-print-directory all tools
	$(Q)bash $(if $(filter demo,$@),test/e2e/demo.sh,test/bench/run.sh)
soak: all tools
	$(Q)bash test/e2e/soak.sh
lint: check-static
	$(Q)bash test/lint.sh $(LINT_BASE)
lint-all:
	$(Q)bash test/lint.sh --all

# ---- install (conf/install.sh) ----
install: all
uninstall:
INSTALL_DIRS := DESTDIR SBINDIR BINDIR MANDIR SYSCONFDIR UNITDIR BASHCOMPDIR
install uninstall:
	$(Q)$(foreach d,$(INSTALL_DIRS),$(d)='$($(d))') bash conf/install.sh $@

clean:
	rm -rf build

help:
	@sed -n '4,/^$$/s/^# \{0,1\}//p' Makefile

-include $(shell find build -name '*.d' 2>/dev/null)
