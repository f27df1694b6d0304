#include <errno.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "core/netlink/bpf.h"
#include "core/impair/impair_prog.h"

#define GOLDEN 0x9e3779b97f4a7c15ull
#define MIX1 0xbf58476d1ce4e5b9ull
#define MIX2 0x94d049bb133111ebull
#define SECOND 0x2545f4914f6cdd1dull /* a second draw from the first */

uint64_t impair_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * MIX1;
	z = (z ^ (z >> 27)) * MIX2;
	return z ^ (z >> 31);
}

uint64_t impair_draw(uint64_t seed, uint64_t n)
{
	return impair_mix(seed + n * GOLDEN);
}

#define SKB(f) ((int16_t)offsetof(struct __sk_buff, f))
#define CFG(f) ((int16_t)offsetof(struct impair_cfg, f))

enum { L_PASS, L_NOLOSS, L_NOCORRUPT, L_NODUP, L_NOTDUP, L_RELAYCHK,
       L_NOTARP, L_DRAW };

/* z = mix(z), with tmp as scratch. */
static void emit_mix(struct bpf_asm *a, int z, int tmp)
{
	A_MOV(a, tmp, z);
	A_ALUI(a, BPF_RSH, tmp, 30);
	A_ALU(a, BPF_XOR, z, tmp);
	bpf_ld64(a, tmp, 0, MIX1);
	A_ALU(a, BPF_MUL, z, tmp);
	A_MOV(a, tmp, z);
	A_ALUI(a, BPF_RSH, tmp, 27);
	A_ALU(a, BPF_XOR, z, tmp);
	bpf_ld64(a, tmp, 0, MIX2);
	A_ALU(a, BPF_MUL, z, tmp);
	A_MOV(a, tmp, z);
	A_ALUI(a, BPF_RSH, tmp, 31);
	A_ALU(a, BPF_XOR, z, tmp);
}

/* counter at cfg + off += 1 */
static void emit_count(struct bpf_asm *a, int16_t off)
{
	A_MOVI(a, BPF_REG_1, 1);
	A_XADD(a, BPF_REG_7, BPF_REG_1, off, 0);
}

/*
 * Registers: r6 the skb, r7 the settings, r8 the first draw, r9 the
 * second draw, r0-r5 scratch.  Stack: -4 the key, -8 the byte corrupted,
 * -16 its offset.  A duplicate is recognised by tc_index before the
 * settings are read.
 */
static void emit_corrupt(struct bpf_asm *a)
{
	/* offset = 14 + (draw2 >> 32) % (len - 14); bit = draw2 >> 61 */
	A_LDX(a, BPF_W, BPF_REG_4, BPF_REG_6, SKB(len));
	A_JI(a, BPF_JLE, BPF_REG_4, 14, L_NOCORRUPT);
	A_ALUI(a, BPF_SUB, BPF_REG_4, 14);
	A_MOV(a, BPF_REG_2, BPF_REG_9);
	A_ALUI(a, BPF_RSH, BPF_REG_2, 32);
	A_ALU(a, BPF_MOD, BPF_REG_2, BPF_REG_4);
	A_ALUI(a, BPF_ADD, BPF_REG_2, 14);
	A_STX(a, BPF_DW, BPF_REG_10, BPF_REG_2, -16);
	A_MOV(a, BPF_REG_1, BPF_REG_6);
	A_MOV(a, BPF_REG_3, BPF_REG_10);
	A_ALUI(a, BPF_ADD, BPF_REG_3, -8);
	A_MOVI(a, BPF_REG_4, 1);
	A_CALL(a, BPF_FUNC_skb_load_bytes);
	A_JI(a, BPF_JNE, BPF_REG_0, 0, L_NOCORRUPT);
	A_MOV(a, BPF_REG_3, BPF_REG_9);
	A_ALUI(a, BPF_RSH, BPF_REG_3, 61);
	A_MOVI(a, BPF_REG_2, 1);
	A_ALU(a, BPF_LSH, BPF_REG_2, BPF_REG_3);
	A_LDX(a, BPF_B, BPF_REG_3, BPF_REG_10, -8);
	A_ALU(a, BPF_XOR, BPF_REG_3, BPF_REG_2);
	A_STX(a, BPF_B, BPF_REG_10, BPF_REG_3, -8);
	A_MOV(a, BPF_REG_1, BPF_REG_6);
	A_LDX(a, BPF_DW, BPF_REG_2, BPF_REG_10, -16);
	A_MOV(a, BPF_REG_3, BPF_REG_10);
	A_ALUI(a, BPF_ADD, BPF_REG_3, -8);
	A_MOVI(a, BPF_REG_4, 1);
	A_MOVI(a, BPF_REG_5, 0);
	A_CALL(a, BPF_FUNC_skb_store_bytes);
	A_JI(a, BPF_JNE, BPF_REG_0, 0, L_NOCORRUPT);
	emit_count(a, CFG(corrupted));
}

static void emit_dup(struct bpf_asm *a)
{
	A_MOVI(a, BPF_REG_2, IMPAIR_DUP_MARK);
	A_STX(a, BPF_W, BPF_REG_6, BPF_REG_2, SKB(tc_index));
	A_MOV(a, BPF_REG_1, BPF_REG_6);
	A_LDX(a, BPF_W, BPF_REG_2, BPF_REG_6, SKB(ifindex));
	A_MOVI(a, BPF_REG_3, 0);
	A_CALL(a, BPF_FUNC_clone_redirect);
	A_MOVI(a, BPF_REG_2, 0);
	A_STX(a, BPF_W, BPF_REG_6, BPF_REG_2, SKB(tc_index));
	A_JI(a, BPF_JNE, BPF_REG_0, 0, L_NODUP);
	emit_count(a, CFG(duplicated));
}

static int load(struct bpf_asm *a, const char *name, char *log,
		size_t loglen)
{
	int rc = bpf_asm_end(a);

	if (!rc)
		rc = bpf_prog_load_cls(name, a->insn, a->n, log, loglen);
	bpf_asm_free(a);
	return rc;
}

int impair_prog_egress(int map_fd, uint32_t key, char *log, size_t loglen)
{
	struct bpf_asm a;

	bpf_asm_init(&a);
	A_MOV(&a, BPF_REG_6, BPF_REG_1);
	A_ST(&a, BPF_W, BPF_REG_10, -4, (int32_t)key);
	bpf_ld64(&a, BPF_REG_1, BPF_PSEUDO_MAP_FD, (uint32_t)map_fd);
	A_MOV(&a, BPF_REG_2, BPF_REG_10);
	A_ALUI(&a, BPF_ADD, BPF_REG_2, -4);
	A_CALL(&a, BPF_FUNC_map_lookup_elem);
	A_JI(&a, BPF_JEQ, BPF_REG_0, 0, L_PASS);
	A_MOV(&a, BPF_REG_7, BPF_REG_0);

	/* What comes back from the relay has had its impairments. */
	A_LDX(&a, BPF_W, BPF_REG_2, BPF_REG_7, CFG(relay));
	A_JI(&a, BPF_JEQ, BPF_REG_2, 0, L_RELAYCHK);
	A_LDX(&a, BPF_W, BPF_REG_3, BPF_REG_6, SKB(ingress_ifindex));
	A_JR(&a, BPF_JEQ, BPF_REG_3, BPF_REG_2, L_PASS);
	bpf_label(&a, L_RELAYCHK);

	/* A duplicate is not duplicated again (r0 = 1 for one). */
	A_MOVI(&a, BPF_REG_0, 0);
	A_LDX(&a, BPF_W, BPF_REG_2, BPF_REG_6, SKB(tc_index));
	A_JI(&a, BPF_JNE, BPF_REG_2, IMPAIR_DUP_MARK, L_NOTDUP);
	A_MOVI(&a, BPF_REG_2, 0);
	A_STX(&a, BPF_W, BPF_REG_6, BPF_REG_2, SKB(tc_index));
	A_MOVI(&a, BPF_REG_0, 1);
	bpf_label(&a, L_NOTDUP);
	A_STX(&a, BPF_DW, BPF_REG_10, BPF_REG_0, -24);

	/* r8 = draw(seed, n), n counted atomically (ARP apart); r9 = a
	 * second draw */
	A_LDX(&a, BPF_DW, BPF_REG_8, BPF_REG_7, CFG(seed));
	A_MOVI(&a, BPF_REG_1, 1);
	A_LDX(&a, BPF_W, BPF_REG_2, BPF_REG_6, SKB(protocol));
	A_JI(&a, BPF_JNE, BPF_REG_2, htons(ETH_P_ARP), L_NOTARP);
	A_XADD(&a, BPF_REG_7, BPF_REG_1, CFG(count_arp), BPF_FETCH);
	A_ALUI(&a, BPF_XOR, BPF_REG_8, IMPAIR_ARP_SALT);
	A_JA(&a, L_DRAW);
	bpf_label(&a, L_NOTARP);
	A_XADD(&a, BPF_REG_7, BPF_REG_1, CFG(count), BPF_FETCH);
	bpf_label(&a, L_DRAW);
	bpf_ld64(&a, BPF_REG_2, 0, GOLDEN);
	A_ALU(&a, BPF_MUL, BPF_REG_1, BPF_REG_2);
	A_ALU(&a, BPF_ADD, BPF_REG_8, BPF_REG_1);
	emit_mix(&a, BPF_REG_8, BPF_REG_2);
	bpf_ld64(&a, BPF_REG_9, 0, SECOND);
	A_ALU(&a, BPF_XOR, BPF_REG_9, BPF_REG_8);
	emit_mix(&a, BPF_REG_9, BPF_REG_2);

	/* loss: the low 32 bits of the first draw */
	A_MOV32(&a, BPF_REG_3, BPF_REG_8);
	A_LDX(&a, BPF_DW, BPF_REG_2, BPF_REG_7, CFG(loss));
	A_JR(&a, BPF_JGE, BPF_REG_3, BPF_REG_2, L_NOLOSS);
	emit_count(&a, CFG(lost));
	/* Stolen, not shot: the sender hears "sent", as from a wire that
	 * lost it (a shot packet is ENOBUFS to the sender, who retries). */
	A_MOVI(&a, BPF_REG_0, TC_ACT_STOLEN);
	A_EXIT(&a);
	bpf_label(&a, L_NOLOSS);

	/* corruption: the high 32 bits of the first draw */
	A_MOV(&a, BPF_REG_3, BPF_REG_8);
	A_ALUI(&a, BPF_RSH, BPF_REG_3, 32);
	A_LDX(&a, BPF_DW, BPF_REG_2, BPF_REG_7, CFG(corrupt));
	A_JR(&a, BPF_JGE, BPF_REG_3, BPF_REG_2, L_NOCORRUPT);
	emit_corrupt(&a);
	bpf_label(&a, L_NOCORRUPT);

	/* duplication: the low 32 bits of the second draw */
	A_LDX(&a, BPF_DW, BPF_REG_2, BPF_REG_10, -24);
	A_JI(&a, BPF_JNE, BPF_REG_2, 0, L_NODUP);
	A_MOV32(&a, BPF_REG_3, BPF_REG_9);
	A_LDX(&a, BPF_DW, BPF_REG_2, BPF_REG_7, CFG(dup));
	A_JR(&a, BPF_JGE, BPF_REG_3, BPF_REG_2, L_NODUP);
	emit_dup(&a);
	bpf_label(&a, L_NODUP);

	/* delay, jitter, reordering: the relay */
	A_LDX(&a, BPF_W, BPF_REG_1, BPF_REG_7, CFG(relay));
	A_JI(&a, BPF_JEQ, BPF_REG_1, 0, L_PASS);
	A_MOVI(&a, BPF_REG_2, 0);
	A_CALL(&a, BPF_FUNC_redirect);
	A_EXIT(&a);

	bpf_label(&a, L_PASS);
	A_MOVI(&a, BPF_REG_0, TC_ACT_OK);
	A_EXIT(&a);
	return load(&a, "lunet_impair", log, loglen);
}

int impair_prog_return(int ifindex, char *log, size_t loglen)
{
	struct bpf_asm a;

	bpf_asm_init(&a);
	A_MOVI(&a, BPF_REG_1, ifindex);
	A_MOVI(&a, BPF_REG_2, 0);
	A_CALL(&a, BPF_FUNC_redirect);
	A_EXIT(&a);
	return load(&a, "lunet_relay_ret", log, loglen);
}
