/*
 * bpf: the bpf() system call for what lunet needs (array maps and tc
 * classifier programs) and a small assembler with labels for writing the
 * programs in C.
 *
 * lunet writes its few BPF programs as instructions (core/impair/impair_prog.c)
 * rather than compiling C with clang: no compiler, no ELF loader, no
 * libbpf at build or run time, and the constants a program needs (a map,
 * a key, an interface index) go straight into its instructions.
 */
#ifndef LUNET_BPF_H
#define LUNET_BPF_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

/* An array map of max_entries values of value_size bytes, zeroed.
 * Returns an fd or -errno. */
int bpf_array_new(const char *name, uint32_t value_size,
		  uint32_t max_entries);

int bpf_map_set(int fd, uint32_t key, const void *value);
int bpf_map_get(int fd, uint32_t key, void *value);

/* Loads a BPF_PROG_TYPE_SCHED_CLS program.  Returns an fd, or -errno with
 * the verifier's log (its last line is the reason) in log. */
int bpf_prog_load_cls(const char *name, const struct bpf_insn *insn,
		      size_t n, char *log, size_t loglen);

/* ---- the assembler ---------------------------------------------------- */

#define BPF_ASM_LABELS 32

struct bpf_asm {
	struct bpf_insn *insn;
	size_t n, cap;
	int label[BPF_ASM_LABELS]; /* instruction index, -1 until placed */
	int err;                   /* the first failure (-ENOMEM, -EINVAL) */
};

void bpf_asm_init(struct bpf_asm *a);
void bpf_asm_free(struct bpf_asm *a);

/* Resolves the jumps to labels.  Returns 0 or -errno (a label used but
 * never placed, or an earlier failure). */
int bpf_asm_end(struct bpf_asm *a);

void bpf_emit(struct bpf_asm *a, uint8_t code, uint8_t dst, uint8_t src,
	      int16_t off, int32_t imm);
/* dst = imm (two instructions); with src BPF_PSEUDO_MAP_FD, imm is a map
 * fd. */
void bpf_ld64(struct bpf_asm *a, uint8_t dst, uint8_t src, uint64_t imm);
/* A jump to label: code is BPF_JMP | op | BPF_K or BPF_X. */
void bpf_jmp(struct bpf_asm *a, uint8_t code, uint8_t dst, uint8_t src,
	     int32_t imm, int label);
void bpf_label(struct bpf_asm *a, int label);

/* Shorthands, in the spirit of the kernel's filter.h. */
#define A_MOV(a, d, s) bpf_emit(a, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define A_MOVI(a, d, i) bpf_emit(a, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define A_MOV32(a, d, s) bpf_emit(a, BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define A_ALU(a, op, d, s) bpf_emit(a, BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define A_ALUI(a, op, d, i) bpf_emit(a, BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define A_LDX(a, sz, d, s, off) bpf_emit(a, BPF_LDX | BPF_MEM | (sz), d, s, off, 0)
#define A_STX(a, sz, d, s, off) bpf_emit(a, BPF_STX | BPF_MEM | (sz), d, s, off, 0)
#define A_ST(a, sz, d, off, i) bpf_emit(a, BPF_ST | BPF_MEM | (sz), d, 0, off, i)
/* *(u64 *)(d + off) += s, atomically; with BPF_FETCH, s gets the old
 * value. */
#define A_XADD(a, d, s, off, fetch)                                           \
	bpf_emit(a, BPF_STX | BPF_DW | BPF_ATOMIC, d, s, off, BPF_ADD | (fetch))
#define A_CALL(a, fn) bpf_emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define A_EXIT(a) bpf_emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define A_JI(a, op, d, i, l) bpf_jmp(a, BPF_JMP | (op) | BPF_K, d, 0, i, l)
#define A_JR(a, op, d, s, l) bpf_jmp(a, BPF_JMP | (op) | BPF_X, d, s, 0, l)
#define A_JA(a, l) bpf_jmp(a, BPF_JMP | BPF_JA, 0, 0, 0, l)

#endif
