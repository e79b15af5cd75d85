package dev.noleaks.probe;

import java.util.List;

/**
 * The operating system's view of this process: native allocator statistics, descriptors, native
 * threads and resident memory.
 *
 * <p>Every method returns a {@link Reading}; a meter the platform cannot read is {@link
 * Reading.Unavailable} with the reason, never an exception. Readings must not allocate native
 * memory on the hot path, so that the probe never measures itself.
 */
public interface Probe {

  /** The probe for the operating system this JVM runs on; created once. */
  static Probe current() {
    return Probes.current();
  }

  /** A short name of the platform, for reports: {@code "linux x86_64, glibc 2.36"}. */
  String platform();

  /** glibc {@code mallinfo2()}: the native heap's in-use and free bytes. */
  Reading<MallocStats> malloc();

  /** glibc {@code malloc_info()}: free chunks per arena, for fragmentation diagnosis. */
  Reading<MallocInfo> mallocInfo();

  /**
   * glibc {@code malloc_trim(0)}: gives free memory at the top of the heap (and whole free pages)
   * back to the operating system. The reading is whether any memory was released.
   */
  Reading<Boolean> trimNativeHeap();

  /** Resident set size in bytes ({@code /proc/self/statm}). Report only, never a threshold. */
  Reading<Long> residentBytes();

  /** Every open file descriptor with its target, except the one the listing itself opens. */
  Reading<List<Descriptor>> descriptors();

  /**
   * Every native thread of the process with its name, including GC and JIT compiler threads Java
   * cannot see: a directory listing and one file per thread (~0.15 ms for 25 threads).
   */
  Reading<List<NativeThread>> nativeThreads();

  /**
   * How many native threads the process has, Java's and the JVM's own: one small read, for
   * snapshots.
   */
  Reading<Integer> nativeThreadCount();
}
