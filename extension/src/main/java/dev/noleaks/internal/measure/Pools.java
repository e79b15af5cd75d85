package dev.noleaks.internal.measure;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Optional;

/**
 * Direct memory that well-known libraries keep in pools for reuse, read through the libraries' own
 * public metrics: a pool grows by whole chunks as its event-loop threads need them (Netty's
 * allocators by 128 KB or more), in whichever test's connection needed one, and keeps them. On
 * jsoup's suite, whose static Netty test servers run for the whole JVM, that growth failed 6 tests
 * with "direct buffers leaked". The buffer check leaves out direct memory a pool's own figure shows
 * it took ({@code Rules.buffers}).
 *
 * <p>The list is {@link #BUILT_IN}. A pool is read only while its library runs in the JVM (a live
 * thread of the library's thread class), so that reading it never initialises a library the tests
 * do not use; its figure is then read at every snapshot (a thread enumeration of ~10 µs and a few
 * reflective calls).
 */
public final class Pools {

  /**
   * A pool: the library's thread class that shows it runs, and how to read the direct bytes the
   * pool holds.
   *
   * @param name the pool as messages name it
   * @param threadClass a thread class only the library makes
   * @param reader reads the pool's direct bytes with the class loader of such a thread
   */
  public record Pool(String name, String threadClass, Reader reader) {}

  /** Reads a pool's bytes with the library's class loader: {@code {direct, heap}}. */
  @FunctionalInterface
  public interface Reader {
    long[] bytes(ClassLoader library) throws Throwable;
  }

  /**
   * Netty's default allocator ({@code ByteBufAllocator.DEFAULT}, adaptive from Netty 4.2, pooled
   * before), through {@code ByteBufAllocatorMetricProvider.metric().usedDirectMemory()}: the direct
   * chunks it holds, in use or kept for reuse.
   */
  public static final List<Pool> BUILT_IN =
      List.of(
          new Pool(
              "Netty's default allocator",
              "io.netty.util.concurrent.FastThreadLocalThread",
              Pools::nettyBytes));

  private static volatile Optional<Resolved> resolved = Optional.empty();

  /** A pool whose library was found, with its loader. */
  private record Resolved(Pool pool, ClassLoader loader) {}

  private Pools() {}

  /** No pool runs, or its figures cannot be read. */
  static final long[] NONE = {-1, -1};

  /**
   * The direct and heap bytes the pool of a library running in this JVM holds; {@link #NONE} when
   * none runs or its figures cannot be read.
   */
  static long[] bytes() {
    // Read only while the library runs: after its threads have ended (a test class shut its
    // event loops down), later checks, repeated mode's native trend among them, do not pay for
    // the library's metric at every reading.
    Optional<Resolved> r = find();
    if (r.isEmpty()) {
      return NONE;
    }
    if (resolved.isEmpty() || resolved.get().loader() != r.get().loader()) {
      resolved = r;
      nettyMetric = null;
    }
    r = resolved;
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
  private static Optional<Resolved> find() {
    for (Thread t : Meters.liveThreads()) {
      for (Class<?> c = t.getClass(); c != Thread.class && c != null; c = c.getSuperclass()) {
        for (Pool p : BUILT_IN) {
          if (c.getName().equals(p.threadClass())) {
            return Optional.of(new Resolved(p, c.getClassLoader()));
          }
        }
      }
    }
    return Optional.empty();
  }

  private static MethodHandle[] nettyMetric;

  private static long[] nettyBytes(ClassLoader library) throws Throwable {
    MethodHandle[] read = nettyMetric;
    if (read == null) {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> allocator = Class.forName("io.netty.buffer.ByteBufAllocator", true, library);
      Class<?> provider =
          Class.forName("io.netty.buffer.ByteBufAllocatorMetricProvider", true, library);
      Class<?> metric = Class.forName("io.netty.buffer.ByteBufAllocatorMetric", true, library);
      Object defaultAllocator = allocator.getField("DEFAULT").get(null);
      if (!provider.isInstance(defaultAllocator)) {
        return NONE; // an allocator without metrics: not read
      }
      MethodHandle metricOf =
          lookup
              .findVirtual(provider, "metric", MethodType.methodType(metric))
              .bindTo(defaultAllocator);
      MethodType used = MethodType.methodType(long.class);
      read =
          new MethodHandle[] {
            MethodHandles.filterReturnValue(
                metricOf, lookup.findVirtual(metric, "usedDirectMemory", used)),
            MethodHandles.filterReturnValue(
                metricOf, lookup.findVirtual(metric, "usedHeapMemory", used))
          };
      nettyMetric = read;
    }
    return new long[] {(long) read[0].invoke(), (long) read[1].invoke()};
  }
}
