// SPDX-License-Identifier: Apache-2.0
/*
 * cpu-flags: does the guest CPU's cmpxchg16b leave RFLAGS holding only
 * bits a CPU can set? qemu 7.2's TCG (Debian 12's) computes the flags of
 * cmpxchg8b/16b from a lazy-flags state it has not stored: in a
 * translation block entered with that state "EFLAGS" (after popf or an
 * iret), an add before the cmpxchg16b makes RFLAGS its source operand.
 * The guest kernel's SLUB fast path is such an add (a pointer) and
 * cmpxchg16b; with the pointer's bit 17 (VM) in RFLAGS, the next interrupt
 * double-faults (vm-packages at ce77a86, EFLAGS ffabcec2). run-vm.sh hides
 * CX16, so the kernel uses its own emulation of cmpxchg16b; init runs
 * this at every boot and fails the run if the flags come back wrong.
 * exit: 0 no cmpxchg16b or the flags are right, 1 they are not.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>

/* CF 1 PF AF ZF SF TF IF DF OF IOPL NT AC VIF VIP ID: what pushfq can show */
#define DEFINED_FLAGS 0x3c7fd7ull

int main(void)
{
	static unsigned __int128 slot __attribute__((aligned(16)));
	/* the low half of the oops's pointer: bit 17 and bits 22-31 set */
	uint64_t operand = 0xff2daf78ffabccc0ull, sum = 0, flags;
	uint64_t expected_low = 0, expected_high = 0;
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) ||
	    !(ecx & bit_CMPXCHG16B)) {
		printf("cpu-flags: no cmpxchg16b\n");
		return 0;
	}
	/* popfq ends a qemu translation block with the lazy state EFLAGS */
	asm volatile("pushq $0x202\n\t"
		     "popfq\n\t"
		     "addq %[operand], %[sum]\n\t"
		     "cmpxchg16b %[slot]\n\t"
		     "pushfq\n\t"
		     "popq %[flags]"
		     : [flags] "=r"(flags), [slot] "+m"(slot),
		       "+a"(expected_low), "+d"(expected_high), [sum] "+r"(sum)
		     : "b"(0ull), "c"(0ull), [operand] "r"(operand)
		     : "cc", "memory");
	if (flags & ~DEFINED_FLAGS) {
		printf("cpu-flags: cmpxchg16b left RFLAGS %#llx: bits no CPU sets\n",
		       (unsigned long long)flags);
		return 1;
	}
	printf("cpu-flags: cmpxchg16b leaves RFLAGS %#llx\n",
	       (unsigned long long)flags);
	return 0;
}
