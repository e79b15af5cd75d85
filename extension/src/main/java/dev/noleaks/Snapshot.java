package dev.noleaks;

import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.Reading;
import java.time.Instant;
import java.util.List;

/**
 * The process's memory and handles at one moment: heap used, buffer pools, native {@code malloc}
 * statistics, open descriptors, threads and resident memory.
 *
 * <p>{@link #take()} settles first (a full GC, then waits until asynchronous releases are done), so
 * two snapshots taken around a piece of code can be compared with {@link #diff(Snapshot)}. A meter
 * the platform cannot read is a {@link Reading.Unavailable} with the reason.
 *
 * @param takenAt when the readings were taken
 * @param heapUsed Java heap used, in bytes (right after a full GC when the snapshot was settled)
 * @param heapExact whether {@code heapUsed} was read right after a full GC ({@code System.gc()} is
 *     not disabled and the snapshot was settled)
 * @param directBuffers the {@code direct} buffer pool
 * @param mappedBuffers the {@code mapped} buffer pool
 * @param malloc glibc malloc statistics
 * @param jvmMalloc bytes the JVM itself has malloc'ed, from Native Memory Tracking (unavailable
 *     unless the JVM runs with {@code -XX:NativeMemoryTracking=summary})
 * @param descriptors open file descriptors
 * @param threads live Java threads
 * @param nativeThreadCount how many native threads the process has, JVM threads Java cannot see
 *     included
 * @param residentBytes resident set size
 * @param allocatedBytes bytes allocated so far by the thread that took the snapshot
 */
public record Snapshot(
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
    long allocatedBytes) {

  public Snapshot {
    threads = List.copyOf(threads);
  }

  /**
   * Settles the process and takes a snapshot: a full GC, then polls until buffer pools, descriptors
   * and threads read the same twice in a row (bounded by {@code noleaks.settle.timeout}, default 6
   * s, read from the system properties), so that buffers the cleaner frees just after the GC and
   * threads that are exiting are not caught half-way. Costs two GCs and ~20 ms when nothing moves.
   * A snapshot kept while the code runs is itself on the heap (a few KB with its thread stacks), so
   * a later snapshot's heap figure includes it.
   */
  public static Snapshot take() {
    return Settler.settleStable(
        LeakCheck.meters(), Settings.fromSystemProperties().settleTimeout());
  }

  /**
   * Takes a snapshot now, without a GC or any waiting: cheap (~0.5 ms), but heap figures include
   * garbage, and with Native Memory Tracking on the JVM's own malloc is read once, just before
   * glibc's, so a JIT compiler thread's malloc in between can move {@link #nativeInUse()} by KBs
   * ({@link #take()} reads the two together).
   */
  public static Snapshot now() {
    return LeakCheck.meters().capture(false, true, false);
  }

  /** This snapshot with a heap figure read later, after a full GC when {@code exact}. */
  Snapshot withHeap(long used, boolean exact) {
    return new Snapshot(
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
        allocatedBytes);
  }

  /** This snapshot with other buffer pools. */
  Snapshot withBuffers(BufferPool direct, BufferPool mapped) {
    return new Snapshot(
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
        allocatedBytes);
  }

  /** This snapshot without threads and descriptors that are on their way out. */
  Snapshot without(Left left) {
    return new Snapshot(
        takenAt,
        heapUsed,
        heapExact,
        directBuffers,
        mappedBuffers,
        malloc,
        jvmMalloc,
        descriptors.map(left::exceptDescriptors),
        left.exceptThreads(threads),
        nativeThreadCount,
        residentBytes,
        allocatedBytes);
  }

  /** What changed from this snapshot to a later one. */
  public SnapshotDiff diff(Snapshot later) {
    return new SnapshotDiff(this, later);
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
