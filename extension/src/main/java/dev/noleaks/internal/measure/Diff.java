package dev.noleaks.internal.measure;

import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.Reading;
import dev.noleaks.probe.Sockets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What changed between two readings (users see it as a {@code SnapshotDiff}): growth of the
 * continuous meters and the discrete resources (descriptors, threads) present in the later one
 * only.
 *
 * @param before the earlier snapshot
 * @param after the later snapshot
 */
public record Diff(Readings before, Readings after) {

  /** Java heap growth in bytes (negative when it shrank). */
  public long heapGrowth() {
    return after.heapUsed() - before.heapUsed();
  }

  /** Native {@code malloc} growth in bytes, when the platform can read it. */
  public Reading<Long> nativeGrowth() {
    if (!before.malloc().isAvailable()) {
      return before.nativeInUse();
    }
    return after.nativeInUse().map(a -> a - before.nativeInUse().orElseThrow());
  }

  /** Descriptors open in the later snapshot that were not open (same number and target) before. */
  public Reading<List<Descriptor>> newDescriptors() {
    return opened(before.descriptors(), after.descriptors());
  }

  /** Descriptors in {@code later} that were not in {@code earlier} (same number and target). */
  static Reading<List<Descriptor>> opened(
      Reading<List<Descriptor>> earlier, Reading<List<Descriptor>> later) {
    if (!earlier.isAvailable()) {
      return earlier;
    }
    Set<String> old = new HashSet<>();
    for (Descriptor d : earlier.orElseThrow()) {
      old.add(key(d));
    }
    return later.map(list -> list.stream().filter(d -> !old.contains(key(d))).toList());
  }

  /** Descriptors in {@code later} that were not in {@code earlier} and are not ignored. */
  public static List<Descriptor> opened(
      Reading<List<Descriptor>> earlier, Reading<List<Descriptor>> later, Ignores ignores) {
    List<Descriptor> opened =
        opened(earlier, later).toOptional().orElse(List.of()).stream()
            .filter(d -> !ignores.ignoresDescriptor(d))
            .filter(
                d ->
                    OpenSites.of(d.fd())
                        .map(site -> !ignores.ignoresOpener(site.thread(), site.stack()))
                        .orElse(true))
            .toList();
    if (opened.stream().noneMatch(d -> d.kind() == Descriptor.Kind.SOCKET)) {
      return opened;
    }
    Map<Long, String> sockets = Sockets.table();
    return opened.stream().filter(d -> !ignores.ignoresSocket(d, sockets)).toList();
  }

  /**
   * A descriptor's identity across snapshots: its number and target. A file deleted while open (a
   * build replacing a jar on the class path) reads back as {@code "path (deleted)"} and is still
   * the same descriptor.
   */
  public static String key(Descriptor d) {
    String target = d.target();
    if (target.endsWith(DELETED)) {
      target = target.substring(0, target.length() - DELETED.length());
    }
    return d.fd() + "\0" + target;
  }

  private static final String DELETED = " (deleted)";

  /** Java threads alive in the later snapshot that did not exist in the earlier one. */
  public List<JavaThread> newThreads() {
    return started(before.threads(), after.threads(), t -> false);
  }

  /** Threads in {@code later} that were not in {@code earlier} and are not ignored. */
  public static List<JavaThread> started(
      List<JavaThread> earlier, List<JavaThread> later, Ignores ignores) {
    return started(earlier, later, ignores::ignoresThread);
  }

  private static List<JavaThread> started(
      List<JavaThread> earlier, List<JavaThread> later, Predicate<JavaThread> ignored) {
    Set<Long> old = new HashSet<>();
    earlier.forEach(t -> old.add(t.id()));
    return later.stream().filter(t -> !old.contains(t.id()) && !ignored.test(t)).toList();
  }

  /** Change in the number of direct buffers. */
  public long directBufferGrowth() {
    return after.directBuffers().count() - before.directBuffers().count();
  }

  /** Change in direct buffer capacity, bytes. */
  public long directBufferBytesGrowth() {
    return after.directBuffers().bytes() - before.directBuffers().bytes();
  }

  /**
   * How much more direct memory the pools of well-known libraries hold ({@link Pools}): 0 when
   * either snapshot has no figure.
   */
  public long pooledDirectGrowth() {
    return pooledGrowth(before.pooledDirect(), after.pooledDirect());
  }

  /**
   * How much more heap the pools of well-known libraries hold ({@link Pools}): 0 when either
   * snapshot has no figure.
   */
  public long pooledHeapGrowth() {
    return pooledGrowth(before.pooledHeap(), after.pooledHeap());
  }

  /** A pool figure's growth; 0 when either reading has none (-1). */
  private static long pooledGrowth(long before, long after) {
    return before < 0 || after < 0 ? 0 : after - before;
  }

  /** Change in the number of mapped buffers. */
  public long mappedBufferGrowth() {
    return after.mappedBuffers().count() - before.mappedBuffers().count();
  }

  /** Change in mapped buffer capacity, bytes. */
  public long mappedBufferBytesGrowth() {
    return after.mappedBuffers().bytes() - before.mappedBuffers().bytes();
  }

  /** Bytes allocated by the thread that took both snapshots, between them. */
  public long allocatedBytes() {
    return after.allocatedBytes() - before.allocatedBytes();
  }
}
