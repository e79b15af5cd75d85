package dev.noleaks.probe;

/**
 * The fields of glibc's {@code struct mallinfo2} that matter for leaks and fragmentation, in bytes.
 *
 * @param arena bytes obtained from the system for the main and other arenas (non-mmapped)
 * @param ordinaryBlocks number of free chunks ({@code ordblks})
 * @param mmappedBlocks number of chunks allocated with mmap ({@code hblks})
 * @param mmappedBytes bytes in chunks allocated with mmap ({@code hblkhd})
 * @param allocatedBytes bytes in use in arena chunks ({@code uordblks})
 * @param freeBytes bytes in free arena chunks ({@code fordblks})
 * @param releasableBytes top-most releasable bytes ({@code keepcost})
 */
public record MallocStats(
    long arena,
    long ordinaryBlocks,
    long mmappedBlocks,
    long mmappedBytes,
    long allocatedBytes,
    long freeBytes,
    long releasableBytes) {

  /** Bytes the program holds: {@code uordblks + hblkhd}. */
  public long inUse() {
    return allocatedBytes + mmappedBytes;
  }

  /** Free bytes held by the allocator as a fraction of its arena ({@code fordblks / arena}). */
  public double freeRatio() {
    return arena == 0 ? 0.0 : (double) freeBytes / arena;
  }
}
