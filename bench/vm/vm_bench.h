/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the VM benchmark programs share (view_bw.c, mount_bw.c): they are
 * built with gcc -static and run in the busybox guest, so they cannot
 * link bench.c (which needs libfamfs) and keep these few helpers here:
 * the clock, median/min/max, bench.h's row line, and the fault rows
 * read from getrusage and the fsdev_dax driver's counters.
 */
#ifndef VM_BENCH_H
#define VM_BENCH_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MIB (1ULL << 20)
#define PMD_SIZE_B (2 * MIB)
#define PAGE_B 4096ULL

struct stat3 {
	double med, min, max;
};

static inline void vm_die(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static inline double vm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int vm_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of @n values (@v is reordered). */
static inline struct stat3 vm_stat_of(double *v, int n)
{
	struct stat3 s;

	qsort(v, n, sizeof(*v), vm_cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* One line of bench.h's protocol; a NaN ratio is printed as "-". */
static inline void vm_row(const char *id, const char *label,
			  const char *unit, struct stat3 f, const char *cname,
			  struct stat3 c, double ratio, const char *goal,
			  const char *note)
{
	printf("row\t%s\t%s\t%s\t%.6g\t%.6g\t%.6g\t%s\t%.6g\t%.6g\t%.6g\t",
	       id, label, unit, f.med, f.min, f.max, cname, c.med, c.min,
	       c.max);
	if (isnan(ratio))
		printf("-");
	else
		printf("%.4f", ratio);
	printf("\t%s\t%s\n", goal, note);
	fflush(stdout);
}

/* A fault counter of the driver (@sysdir/@name); -1 when unreadable. */
static inline long long vm_counter(const char *sysdir, const char *name)
{
	char path[320];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysdir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline long vm_minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

struct vm_faults {
	double minflt, pmd, pte;	/* per 2 MiB touched */
};

/*
 * Map one side afresh (so that no PMD is left from before), touch one
 * byte per 4 KiB page of it, reading or writing, and unmap it.
 */
typedef void (*vm_touch_fn)(void *side, bool write);

static inline struct vm_faults vm_count_faults(const char *sysdir,
					       vm_touch_fn touch, void *side,
					       bool write, uint64_t bytes)
{
	long long pmd0 = vm_counter(sysdir, "pmd_faults");
	long long pte0 = vm_counter(sysdir, "pte_faults");
	double units = (double)bytes / PMD_SIZE_B;
	struct vm_faults f;
	long m0 = vm_minflt();

	touch(side, write);
	f.minflt = (vm_minflt() - m0) / units;
	f.pmd = (vm_counter(sysdir, "pmd_faults") - pmd0) / units;
	f.pte = (vm_counter(sysdir, "pte_faults") - pte0) / units;
	return f;
}

#define VM_MAX_FAULT_REPS 32

/*
 * Fault rows (getrusage, driver PMD and PTE counters per 2 MiB; read
 * touches, then write touches) of side @a against side @b, touched
 * alternately first @reps times. Ids are @id_prefix.{minflt,pmd,pte}.
 * {read,write}, labels start with @label_prefix.
 */
static inline void vm_fault_rows(const char *sysdir, const char *id_prefix,
				 const char *label_prefix,
				 const char *cmp_name, vm_touch_fn touch,
				 void *a, void *b, uint64_t bytes, int reps,
				 const char *note)
{
	static const char *const what[] = { "minflt", "pmd", "pte" };
	static const char *const label[] = {
		"page faults per 2 MiB, %s touch (getrusage)",
		"driver PMD faults per 2 MiB, %s touch (sysfs)",
		"driver PTE faults per 2 MiB, %s touch (sysfs)",
	};
	static const char *const goal[] = {
		"value==1", "value==1", "value==0"
	};

	for (int w = 0; w <= 1; w++) {
		double v[3][VM_MAX_FAULT_REPS], r[3][VM_MAX_FAULT_REPS];
		char id[96], lab[160], text[128];

		for (int i = 0; i < reps && i < VM_MAX_FAULT_REPS; i++) {
			struct vm_faults fa, fb;

			if (i % 2 == 0)
				fa = vm_count_faults(sysdir, touch, a, w, bytes);
			fb = vm_count_faults(sysdir, touch, b, w, bytes);
			if (i % 2)
				fa = vm_count_faults(sysdir, touch, a, w, bytes);
			v[0][i] = fa.minflt;
			v[1][i] = fa.pmd;
			v[2][i] = fa.pte;
			r[0][i] = fb.minflt;
			r[1][i] = fb.pmd;
			r[2][i] = fb.pte;
		}
		for (int m = 0; m < 3; m++) {
			struct stat3 sa = vm_stat_of(v[m], reps);
			struct stat3 sb = vm_stat_of(r[m], reps);

			snprintf(id, sizeof(id), "%s.%s.%s", id_prefix,
				 what[m], w ? "write" : "read");
			snprintf(text, sizeof(text), label[m],
				 w ? "write" : "read");
			snprintf(lab, sizeof(lab), "%s%s", label_prefix, text);
			vm_row(id, lab, "faults/2MiB", sa, cmp_name, sb,
			       sb.med > 0 ? sa.med / sb.med : NAN, goal[m],
			       note);
		}
	}
}

#endif /* VM_BENCH_H */
