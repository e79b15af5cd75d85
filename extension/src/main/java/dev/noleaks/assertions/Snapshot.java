package dev.noleaks.assertions;

import dev.noleaks.BufferPool;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.engine.LeakCheck;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.Settler;
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
 * the platform cannot read is a {@link Reading.Unavailable} with the reason. Snapshots are only
 * taken, never built: a meter NoLeaks adds later is one more method here, not a broken constructor.
 */
public final class Snapshot {

  private final Readings readings;

  Snapshot(Readings readings) {
    this.readings = readings;
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
    return new Snapshot(
        Settler.settleStable(LeakCheck.meters(), Settings.fromSystemProperties().settleTimeout()));
  }

  /**
   * Takes a snapshot now, without a GC or any waiting: cheap (~0.5 ms), but heap figures include
   * garbage, and with Native Memory Tracking on the JVM's own malloc is read once, just before
   * glibc's, so a JIT compiler thread's malloc in between can move {@link #nativeInUse()} by KBs
   * ({@link #take()} reads the two together).
   */
  public static Snapshot now() {
    return new Snapshot(LeakCheck.meters().capture(false, true, false));
  }

  /** What changed from this snapshot to a later one. */
  public SnapshotDiff diff(Snapshot later) {
    return new SnapshotDiff(readings.diff(later.readings));
  }

  /** When the readings were taken. */
  public Instant takenAt() {
    return readings.takenAt();
  }

  /** Java heap used, in bytes (right after a full GC when the snapshot was settled). */
  public long heapUsed() {
    return readings.heapUsed();
  }

  /**
   * Whether {@link #heapUsed()} was read right after a full GC ({@code System.gc()} is not disabled
   * and the snapshot was settled).
   */
  public boolean heapExact() {
    return readings.heapExact();
  }

  /** The {@code direct} buffer pool. */
  public BufferPool directBuffers() {
    return readings.directBuffers();
  }

  /** The {@code mapped} buffer pool. */
  public BufferPool mappedBuffers() {
    return readings.mappedBuffers();
  }

  /** glibc malloc statistics. */
  public Reading<MallocStats> malloc() {
    return readings.malloc();
  }

  /**
   * Bytes the JVM itself has malloc'ed, from Native Memory Tracking (unavailable unless the JVM
   * runs with {@code -XX:NativeMemoryTracking=summary}).
   */
  public Reading<Long> jvmMalloc() {
    return readings.jvmMalloc();
  }

  /** Open file descriptors. */
  public Reading<List<Descriptor>> descriptors() {
    return readings.descriptors();
  }

  /** Live Java threads. */
  public List<JavaThread> threads() {
    return readings.threads();
  }

  /** How many native threads the process has, JVM threads Java cannot see included. */
  public Reading<Integer> nativeThreadCount() {
    return readings.nativeThreadCount();
  }

  /** Resident set size. */
  public Reading<Long> residentBytes() {
    return readings.residentBytes();
  }

  /** Bytes allocated so far by the thread that took the snapshot. */
  public long allocatedBytes() {
    return readings.allocatedBytes();
  }

  /**
   * Native bytes in use by the program, when the platform can read them: glibc's {@code uordblks +
   * hblkhd}, less what the JVM malloc'ed for itself when Native Memory Tracking is on. Without it,
   * the figure includes the JIT's pooled arenas, which swing by MBs for seconds after compilations.
   */
  public Reading<Long> nativeInUse() {
    return readings.nativeInUse();
  }

  Readings readings() {
    return readings;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Snapshot s && readings.equals(s.readings);
  }

  @Override
  public int hashCode() {
    return readings.hashCode();
  }

  @Override
  public String toString() {
    return "Snapshot" + readings.toString().substring("Readings".length());
  }
}
