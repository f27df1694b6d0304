#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/netlink/bpf.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long rc = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return rc < 0 ? -errno : (int)rc;
}

static void set_name(char *dst, const char *name)
{
	/* BPF_OBJ_NAME_LEN with its NUL; the kernel refuses other chars
	 * than alnum, '_' and '.' */
	strncpy(dst, name, BPF_OBJ_NAME_LEN - 1);
}

int bpf_array_new(const char *name, uint32_t value_size,
		  uint32_t max_entries)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = sizeof(uint32_t);
	attr.value_size = value_size;
	attr.max_entries = max_entries ? max_entries : 1;
	set_name(attr.map_name, name);
	return sys_bpf(BPF_MAP_CREATE, &attr);
}

static int elem(int cmd, int fd, uint32_t key, const void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (uintptr_t)&key;
	attr.value = (uintptr_t)value;
	return sys_bpf(cmd, &attr);
}

int bpf_map_set(int fd, uint32_t key, const void *value)
{
	return elem(BPF_MAP_UPDATE_ELEM, fd, key, value);
}

int bpf_map_get(int fd, uint32_t key, void *value)
{
	return elem(BPF_MAP_LOOKUP_ELEM, fd, key, value);
}

int bpf_prog_load_cls(const char *name, const struct bpf_insn *insn,
		      size_t n, char *log, size_t loglen)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = (uintptr_t)insn;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uintptr_t) "GPL";
	set_name(attr.prog_name, name);
	if (log && loglen)
		log[0] = 0;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd != -EACCES && fd != -EINVAL)
		return fd;
	if (!log || loglen < 2)
		return fd;
	/* Again, with the verifier's log, to say why. */
	attr.log_buf = (uintptr_t)log;
	attr.log_size = (uint32_t)loglen;
	attr.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	log[loglen - 1] = 0;
	return fd;
}

void bpf_asm_init(struct bpf_asm *a)
{
	memset(a, 0, sizeof(*a));
	memset(a->label, 0xff, sizeof(a->label));
}

void bpf_asm_free(struct bpf_asm *a)
{
	free(a->insn);
	a->insn = NULL;
	a->n = a->cap = 0;
}

void bpf_emit(struct bpf_asm *a, uint8_t code, uint8_t dst, uint8_t src,
	      int16_t off, int32_t imm)
{
	struct bpf_insn *p;

	if (a->err)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;

		p = realloc(a->insn, cap * sizeof(*p));
		if (!p) {
			a->err = -ENOMEM;
			return;
		}
		a->insn = p;
		a->cap = cap;
	}
	p = &a->insn[a->n++];
	memset(p, 0, sizeof(*p));
	p->code = code;
	p->dst_reg = dst & 0xf;
	p->src_reg = src & 0xf;
	p->off = off;
	p->imm = imm;
}

void bpf_ld64(struct bpf_asm *a, uint8_t dst, uint8_t src, uint64_t imm)
{
	bpf_emit(a, BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (int32_t)imm);
	bpf_emit(a, 0, 0, 0, 0, (int32_t)(imm >> 32));
}

/* A jump to a label keeps the label's number in off until bpf_asm_end()
 * turns it into a distance; imm is marked so that it knows which jumps
 * to fix. */
#define LABEL_FIX 0x4000

void bpf_jmp(struct bpf_asm *a, uint8_t code, uint8_t dst, uint8_t src,
	     int32_t imm, int label)
{
	if (label < 0 || label >= BPF_ASM_LABELS) {
		a->err = -EINVAL;
		return;
	}
	bpf_emit(a, code, dst, src, (int16_t)(LABEL_FIX | label), imm);
}

void bpf_label(struct bpf_asm *a, int label)
{
	if (label < 0 || label >= BPF_ASM_LABELS || a->label[label] >= 0)
		a->err = -EINVAL;
	else
		a->label[label] = (int)a->n;
}

static int is_jump(const struct bpf_insn *p)
{
	uint8_t op = BPF_OP(p->code);

	return BPF_CLASS(p->code) == BPF_JMP && op != BPF_CALL &&
	       op != BPF_EXIT;
}

int bpf_asm_end(struct bpf_asm *a)
{
	size_t i;
	int l;

	for (i = 0; i < a->n && !a->err; i++) {
		struct bpf_insn *p = &a->insn[i];

		if (p->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			i++; /* the second half of a 64-bit load */
			continue;
		}
		if (!is_jump(p) || !(p->off & LABEL_FIX))
			continue;
		l = p->off & ~LABEL_FIX;
		if (l >= BPF_ASM_LABELS || a->label[l] < 0)
			a->err = -EINVAL;
		else
			p->off = (int16_t)(a->label[l] - (int)i - 1);
	}
	return a->err;
}
