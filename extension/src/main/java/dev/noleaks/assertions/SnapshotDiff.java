package dev.noleaks.assertions;

import dev.noleaks.JavaThread;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.Reading;
import java.util.List;

/**
 * What changed between two snapshots: growth of the continuous meters and the discrete resources
 * (descriptors, threads) present in the later one only. Obtained from {@link
 * Snapshot#diff(Snapshot)}.
 */
public final class SnapshotDiff {

  private final Diff diff;

  SnapshotDiff(Diff diff) {
    this.diff = diff;
  }

  /** The earlier snapshot. */
  public Snapshot before() {
    return new Snapshot(diff.before());
  }

  /** The later snapshot. */
  public Snapshot after() {
    return new Snapshot(diff.after());
  }

  /** Java heap growth in bytes (negative when it shrank). */
  public long heapGrowth() {
    return diff.heapGrowth();
  }

  /** Native {@code malloc} growth in bytes, when the platform can read it. */
  public Reading<Long> nativeGrowth() {
    return diff.nativeGrowth();
  }

  /** Descriptors open in the later snapshot that were not open (same number and target) before. */
  public Reading<List<Descriptor>> newDescriptors() {
    return diff.newDescriptors();
  }

  /** Java threads alive in the later snapshot that did not exist in the earlier one. */
  public List<JavaThread> newThreads() {
    return diff.newThreads();
  }

  /** Change in the number of direct buffers. */
  public long directBufferGrowth() {
    return diff.directBufferGrowth();
  }

  /** Change in direct buffer capacity, bytes. */
  public long directBufferBytesGrowth() {
    return diff.directBufferBytesGrowth();
  }

  /** Change in the number of mapped buffers. */
  public long mappedBufferGrowth() {
    return diff.mappedBufferGrowth();
  }

  /** Change in mapped buffer capacity, bytes. */
  public long mappedBufferBytesGrowth() {
    return diff.mappedBufferBytesGrowth();
  }

  /** Bytes allocated by the thread that took both snapshots, between them. */
  public long allocatedBytes() {
    return diff.allocatedBytes();
  }

  Diff diff() {
    return diff;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SnapshotDiff d && diff.equals(d.diff);
  }

  @Override
  public int hashCode() {
    return diff.hashCode();
  }

  @Override
  public String toString() {
    return "SnapshotDiff[before=" + before() + ", after=" + after() + "]";
  }
}
