// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page faults for mappings of the device and of views.
 *
 * Both map a linear space described by a range list onto physical
 * memory; a PMD is inserted whenever the virtual 2 MiB block lies in the
 * vma and its physical memory is 2 MiB aligned and contiguous, otherwise
 * the fault falls back to a PTE.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/dax.h>
#include "fsdev.h"

/*
 * Whole-device mappings record the device page in the folio, as
 * device_dax does, so the kernel's generic memory_failure handling (no
 * holder) can find and signal the processes mapping a poisoned page.
 */
static void fsdev_set_folio_mapping(struct vm_area_struct *vma, pgoff_t pgoff,
				    u64 phys, unsigned long nr_pages)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	unsigned long i;

	for (i = 0; i < nr_pages; i++) {
		struct folio *folio = pfn_folio(PHYS_PFN(phys) + i);

		if (folio->mapping)
			continue;
		folio->mapping = mapping;
		folio->index = pgoff + i;
	}
}

static vm_fault_t fsdev_pte_fault(struct vm_fault *vmf, struct fsdev *fsdev,
				  const struct fsdev_range *map,
				  unsigned int nr, bool set_folio_mapping)
{
	u64 offset = (u64)vmf->pgoff << PAGE_SHIFT;
	u64 phys, contig;
	vm_fault_t ret;
	pfn_t pfn;

	if (fsdev_range_offset_to_phys(map, nr, offset, &phys, &contig))
		return VM_FAULT_SIGBUS;
	if (fsdev_poisoned(fsdev, phys, PAGE_SIZE))
		return VM_FAULT_HWPOISON;

	/*
	 * A write to a private mapping: hand the core the device page to
	 * copy from (it copies with a machine-check safe copy and maps the
	 * copy); the device page itself is never mapped writable there.
	 */
	if (vmf->cow_page) {
		vmf->page = pfn_to_page(PHYS_PFN(phys));
		get_page(vmf->page);
		atomic64_inc(&fsdev->pte_faults);
		return 0;
	}

	pfn = phys_to_pfn_t(phys, PFN_DEV | PFN_MAP);
	if (set_folio_mapping)
		fsdev_set_folio_mapping(vmf->vma, vmf->pgoff, phys, 1);
	ret = vmf_insert_mixed(vmf->vma, vmf->address, pfn);
	if (ret == VM_FAULT_NOPAGE)
		atomic64_inc(&fsdev->pte_faults);
	return ret;
}

static vm_fault_t fsdev_pmd_fault(struct vm_fault *vmf, struct fsdev *fsdev,
				  const struct fsdev_range *map,
				  unsigned int nr, bool set_folio_mapping)
{
	unsigned long pmd_addr = vmf->address & PMD_MASK;
	struct vm_area_struct *vma = vmf->vma;
	u64 phys, contig;
	vm_fault_t ret;
	pgoff_t pgoff;
	bool write;
	pfn_t pfn;

	if (pmd_addr < vma->vm_start || pmd_addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	/* copy-on-write happens a page at a time */
	if (!(vma->vm_flags & VM_SHARED) && (vmf->flags & FAULT_FLAG_WRITE))
		return VM_FAULT_FALLBACK;

	pgoff = linear_page_index(vma, pmd_addr);
	if (fsdev_range_offset_to_phys(map, nr, (u64)pgoff << PAGE_SHIFT,
				       &phys, &contig))
		return VM_FAULT_FALLBACK;
	if (!IS_ALIGNED(phys, PMD_SIZE) || contig < PMD_SIZE)
		return VM_FAULT_FALLBACK;
	/* around a bad page the block is mapped by pages, the bad one not */
	if (fsdev_poisoned(fsdev, phys, PMD_SIZE))
		return VM_FAULT_FALLBACK;

	pfn = phys_to_pfn_t(phys, PFN_DEV | PFN_MAP);
	if (set_folio_mapping)
		fsdev_set_folio_mapping(vma, pgoff, phys, PMD_SIZE >> PAGE_SHIFT);
	/*
	 * Writable and dirty only for a write fault. A read maps the block
	 * with the vma's protection, read-only whenever the core tracks
	 * writes (soft-dirty, write-notify), and the first write then comes
	 * back here to make that PMD writable (vmf->orig_pmd is then the
	 * PMD, counted apart). Made writable on a read, every read would
	 * count as a write, and a private mapping would write the device.
	 */
	write = vmf->flags & FAULT_FLAG_WRITE;
	ret = vmf_insert_pfn_pmd(vmf, pfn, write);
	if (ret == VM_FAULT_NOPAGE)
		atomic64_inc(pmd_none(vmf->orig_pmd) ? &fsdev->pmd_faults :
						       &fsdev->pmd_write_faults);
	return ret;
}

/*
 * Liveness is checked under the dax read lock: unbind marks the device
 * dead, then kill_dax() waits for these readers before the mappings are
 * zapped, so no PTE can be installed after the zap. Poison is checked
 * under the mapping's invalidate_lock, which memory failure handling
 * takes exclusively to unmap a page it has just marked bad.
 */
vm_fault_t fsdev_map_fault(struct vm_fault *vmf, unsigned int order,
			   struct fsdev *fsdev,
			   const struct fsdev_range *map, unsigned int nr,
			   bool set_folio_mapping)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	vm_fault_t ret;
	int id;

	id = dax_read_lock();
	filemap_invalidate_lock_shared(mapping);
	if (READ_ONCE(fsdev->dead))
		ret = VM_FAULT_SIGBUS;
	else if (order == 0)
		ret = fsdev_pte_fault(vmf, fsdev, map, nr, set_folio_mapping);
	else if (order == PMD_ORDER)
		ret = fsdev_pmd_fault(vmf, fsdev, map, nr, set_folio_mapping);
	else
		ret = VM_FAULT_FALLBACK;
	filemap_invalidate_unlock_shared(mapping);
	dax_read_unlock(id);
	return ret;
}

/* Align the virtual address to the file offset so PMDs are possible. */
unsigned long fsdev_get_unmapped_area(struct file *file, unsigned long addr,
				      unsigned long len, unsigned long pgoff,
				      unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
