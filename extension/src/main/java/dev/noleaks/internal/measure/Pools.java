package dev.noleaks.internal.measure;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Optional;

/**
 * Direct and heap memory that well-known libraries keep in pools for reuse, read through the
 * libraries' own public metrics: a pool grows by whole chunks as its event-loop threads need them
 * (Netty's allocators by 128 KB or more), in whichever test's connection needed one, and keeps
 * them. On jsoup's suite, whose static Netty test servers run for the whole JVM, that growth failed
 * 6 tests with "direct buffers leaked". The buffer check leaves out direct memory a pool's own
 * figure shows it took, the native check what it took beside the JDK's buffers, the heap check its
 * heap chunks ({@code Rules}).
 *
 * <p>The list is {@link #BUILT_IN}. A pool is read only while its library runs in the JVM (a live
 * thread of the library's thread class), so that reading it never initialises a library the tests
 * do not use; its figure is then read at every snapshot (a thread enumeration of ~10 µs and a few
 * reflective calls).
 */
public final class Pools {

  /**
   * A pool: the library's thread class that shows it runs, and how to read the bytes the pool
   * holds.
   *
   * @param name the pool as messages name it
   * @param threadClass a thread class only the library makes
   * @param reader reads the pool's direct and heap bytes with the class loader of such a thread
   */
  public record Pool(String name, String threadClass, Reader reader) {}

  /** Reads a pool's bytes with the library's class loader: {@code {direct, heap}}. */
  @FunctionalInterface
  public interface Reader {
    long[] bytes(ClassLoader library) throws Throwable;
  }

  /**
   * Netty's default allocator ({@code ByteBufAllocator.DEFAULT}, adaptive from Netty 4.2, pooled
   * before), through {@code ByteBufAllocatorMetricProvider.metric().usedDirectMemory()} and {@code
   * usedHeapMemory()}: the direct and heap chunks it holds, in use or kept for reuse.
   */
  public static final List<Pool> BUILT_IN =
      List.of(
          new Pool(
              "Netty's default allocator",
              "io.netty.util.concurrent.FastThreadLocalThread",
              Pools::nettyBytes));

  /** A pool whose library runs, with the class loader of its thread. */
  private record Running(Pool pool, ClassLoader loader) {}

  private Pools() {}

  /** No pool runs, or its figures cannot be read. */
  static final long[] NONE = {-1, -1};

  /**
   * The direct and heap bytes the pool of a library running in this JVM holds; {@link #NONE} when
   * none runs or its figures cannot be read. Read only while the library runs: after its threads
   * have ended (a test class shut its event loops down), later checks, repeated mode's native trend
   * among them, do not pay for the library's metric at every reading.
   */
  static long[] bytes() {
    Optional<Running> r = find();
    if (r.isEmpty()) {
      return NONE;
    }
    try {
      return r.get().pool().reader().bytes(r.get().loader());
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e) {
        throw e;
      }
      return NONE;
    }
  }

  /** The first built-in pool whose library has a live thread, with that thread's class loader. */
  private static Optional<Running> find() {
    for (Thread t : Meters.liveThreads()) {
      for (Class<?> c = t.getClass(); c != Thread.class && c != null; c = c.getSuperclass()) {
        for (Pool p : BUILT_IN) {
          if (c.getName().equals(p.threadClass())) {
            return Optional.of(new Running(p, c.getClassLoader()));
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Netty's metric as read with one class loader: its direct and heap figures, or none when its
   * default allocator has no metric (looked up once, not at every reading).
   */
  private record NettyMetric(ClassLoader loader, Optional<MethodHandle[]> read) {}

  private static volatile NettyMetric nettyMetric;

  private static long[] nettyBytes(ClassLoader library) throws Throwable {
    NettyMetric metric = nettyMetric;
    if (metric == null || metric.loader() != library) {
      metric = new NettyMetric(library, nettyMetricOf(library));
      nettyMetric = metric;
    }
    if (metric.read().isEmpty()) {
      return NONE;
    }
    MethodHandle[] read = metric.read().get();
    return new long[] {(long) read[0].invoke(), (long) read[1].invoke()};
  }

  /** Netty's default allocator's direct and heap figures, when it has a metric. */
  private static Optional<MethodHandle[]> nettyMetricOf(ClassLoader library) throws Throwable {
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    Class<?> allocator = Class.forName("io.netty.buffer.ByteBufAllocator", true, library);
    Class<?> provider =
        Class.forName("io.netty.buffer.ByteBufAllocatorMetricProvider", true, library);
    Class<?> metric = Class.forName("io.netty.buffer.ByteBufAllocatorMetric", true, library);
    Object defaultAllocator = allocator.getField("DEFAULT").get(null);
    if (!provider.isInstance(defaultAllocator)) {
      return Optional.empty();
    }
    MethodHandle metricOf =
        lookup
            .findVirtual(provider, "metric", MethodType.methodType(metric))
            .bindTo(defaultAllocator);
    MethodType used = MethodType.methodType(long.class);
    return Optional.of(
        new MethodHandle[] {
          MethodHandles.filterReturnValue(
              metricOf, lookup.findVirtual(metric, "usedDirectMemory", used)),
          MethodHandles.filterReturnValue(
              metricOf, lookup.findVirtual(metric, "usedHeapMemory", used))
        });
  }
}
