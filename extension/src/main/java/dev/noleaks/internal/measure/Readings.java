package dev.noleaks.internal.measure;

import dev.noleaks.BufferPool;
import dev.noleaks.JavaThread;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.Reading;
import java.time.Instant;
import java.util.List;

/**
 * Every meter's reading at one moment, as the measuring stage takes them ({@link Meters#capture})
 * and the rules compare them ({@link #diff(Readings)}): heap used, buffer pools, native {@code
 * malloc} statistics, open descriptors, threads and resident memory. A meter the platform cannot
 * read is a {@link Reading.Unavailable} with the reason. Users see it as a {@code Snapshot}.
 *
 * @param takenAt when the readings were taken
 * @param heapUsed Java heap used, in bytes (right after a full GC when the snapshot was settled)
 * @param heapExact whether {@code heapUsed} was read right after a full GC ({@code System.gc()} is
 *     not disabled and the snapshot was settled)
 * @param directBuffers the {@code direct} buffer pool
 * @param mappedBuffers the {@code mapped} buffer pool
 * @param malloc glibc malloc statistics
 * @param jvmMalloc bytes the JVM itself has malloc'ed, from Native Memory Tracking (unavailable
 *     unless the JVM runs with {@code -XX:NativeMemoryTracking=summary}), with what NoLeaks' own
 *     native-site profiler keeps once loaded ({@link Meters#keptByNoLeaks})
 * @param descriptors open file descriptors
 * @param threads live Java threads
 * @param nativeThreadCount how many native threads the process has, JVM threads Java cannot see
 *     included
 * @param residentBytes resident set size
 * @param allocatedBytes bytes allocated so far by the thread that took the snapshot
 * @param pooledDirect direct bytes the pools of well-known libraries hold ({@link Pools}); -1 when
 *     none runs
 * @param pooledHeap heap bytes those pools hold; -1 when none runs
 */
public record Readings(
    Instant takenAt,
    long heapUsed,
    boolean heapExact,
    BufferPool directBuffers,
    BufferPool mappedBuffers,
    Reading<MallocStats> malloc,
    Reading<Long> jvmMalloc,
    Reading<List<Descriptor>> descriptors,
    List<JavaThread> threads,
    Reading<Integer> nativeThreadCount,
    Reading<Long> residentBytes,
    long allocatedBytes,
    long pooledDirect,
    long pooledHeap) {

  public Readings {
    threads = List.copyOf(threads);
  }

  /** This snapshot with a heap figure read later, after a full GC when {@code exact}. */
  public Readings withHeap(long used, boolean exact) {
    return new Readings(
        takenAt,
        used,
        exact,
        directBuffers,
        mappedBuffers,
        malloc,
        jvmMalloc,
        descriptors,
        threads,
        nativeThreadCount,
        residentBytes,
        allocatedBytes,
        pooledDirect,
        pooledHeap);
  }

  /** This snapshot with other buffer pools. */
  Readings withBuffers(BufferPool direct, BufferPool mapped) {
    return new Readings(
        takenAt,
        heapUsed,
        heapExact,
        direct,
        mapped,
        malloc,
        jvmMalloc,
        descriptors,
        threads,
        nativeThreadCount,
        residentBytes,
        allocatedBytes,
        pooledDirect,
        pooledHeap);
  }

  /** What changed from this snapshot to a later one. */
  public Diff diff(Readings later) {
    return new Diff(this, later);
  }

  /**
   * Native bytes in use by the program, when the platform can read them: glibc's {@code uordblks +
   * hblkhd}, less what the JVM malloc'ed for itself when Native Memory Tracking is on. Without it,
   * the figure includes the JIT's pooled arenas, which swing by MBs for seconds after compilations.
   */
  public Reading<Long> nativeInUse() {
    Reading<Long> raw = malloc.map(MallocStats::inUse);
    return jvmMalloc.isAvailable() ? raw.map(r -> r - jvmMalloc.orElseThrow()) : raw;
  }
}
