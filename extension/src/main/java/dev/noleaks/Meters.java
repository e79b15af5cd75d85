package dev.noleaks;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.noleaks.probe.Probe;
import dev.noleaks.probe.Reading;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads every meter of a {@link Snapshot}. Created once per JVM, before any baseline: loading JNA
 * starts its cleaner thread and the JDK's process reaper, the probe allocates its buffers, and
 * class path jars are opened, so none of that looks like a test's leak.
 */
final class Meters {

  /** Frames kept per thread: enough to see where a leaked thread waits. */
  static final int STACK_DEPTH = 12;

  private static volatile Meters instance;

  private final Probe probe;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Optional<BufferPoolMXBean> direct;
  private final Optional<BufferPoolMXBean> mapped;
  private final com.sun.management.ThreadMXBean threadBean;
  private final Optional<CompilationMXBean> compilation;
  private final boolean explicitGcWorks;

  private Meters() {
    probe = Probe.current();
    List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
    direct = pools.stream().filter(p -> p.getName().equals("direct")).findFirst();
    mapped = pools.stream().filter(p -> p.getName().equals("mapped")).findFirst();
    threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    compilation =
        jit != null && jit.isCompilationTimeMonitoringSupported()
            ? Optional.of(jit)
            : Optional.empty();
    explicitGcWorks = !vmFlag("DisableExplicitGC");
  }

  /** The meters, initialised on first use with everything a baseline must already contain. */
  static Meters get() {
    Meters m = instance;
    if (m == null) {
      synchronized (Meters.class) {
        m = instance;
        if (m == null) {
          m = new Meters();
          m.warmUp();
          instance = m;
        }
      }
    }
    return m;
  }

  Probe probe() {
    return probe;
  }

  boolean explicitGcWorks() {
    return explicitGcWorks;
  }

  Optional<CompilationMXBean> compilation() {
    return compilation;
  }

  /** Reads every meter; {@code settled} records whether a full GC came right before. */
  Snapshot capture(boolean settled) {
    long heap = memory.getHeapMemoryUsage().getUsed();
    return new Snapshot(
        Instant.now(),
        heap,
        settled && explicitGcWorks,
        pool(direct),
        pool(mapped),
        probe.malloc(),
        probe.descriptors(),
        threads(),
        probe.nativeThreads(),
        probe.residentBytes(),
        threadBean.getCurrentThreadAllocatedBytes());
  }

  /** The cheap part of a snapshot that settling polls: pools, descriptors, thread ids. */
  Fingerprint fingerprint() {
    long[] ids = threadBean.getAllThreadIds();
    Arrays.sort(ids);
    Reading<List<String>> targets =
        probe.descriptors().map(list -> list.stream().map(d -> d.target()).sorted().toList());
    return new Fingerprint(pool(direct), pool(mapped), targets.toOptional(), ids);
  }

  long allocatedBytes() {
    return threadBean.getCurrentThreadAllocatedBytes();
  }

  static List<JavaThread> threads() {
    Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
    List<JavaThread> result = new ArrayList<>(all.size());
    for (Map.Entry<Thread, StackTraceElement[]> e : all.entrySet()) {
      Thread t = e.getKey();
      StackTraceElement[] stack = e.getValue();
      result.add(
          new JavaThread(
              t.getId(),
              t.getName(),
              t.isDaemon(),
              t.getState(),
              t.getClass().getName(),
              Arrays.asList(stack).subList(0, Math.min(stack.length, STACK_DEPTH))));
    }
    return result;
  }

  private static BufferPool pool(Optional<BufferPoolMXBean> bean) {
    return bean.map(b -> new BufferPool(b.getCount(), b.getTotalCapacity()))
        .orElse(BufferPool.NONE);
  }

  private static boolean vmFlag(String name) {
    try {
      HotSpotDiagnosticMXBean hotspot =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return hotspot != null && Boolean.parseBoolean(hotspot.getVMOption(name).getValue());
    } catch (IllegalArgumentException e) {
      return false; // not a HotSpot VM, or no such flag
    }
  }

  /**
   * Does once what would otherwise happen inside the first test: reads every meter (JNA loads,
   * buffers get allocated), loads the classes settling and reporting use, and makes the class
   * loaders open every jar on the class path (a lookup of a resource that does not exist walks the
   * whole path and keeps each jar open).
   */
  private void warmUp() {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    for (ClassLoader loader : new ClassLoader[] {system, context}) {
      if (loader != null) {
        loader.getResource("dev/noleaks/no-such-resource-opens-every-jar");
      }
    }
    Settler.collectGarbage();
    capture(true);
    fingerprint();
    probe.mallocInfo();
    ClassHistogram.take();
    Settler.warmUp(this);
  }
}
