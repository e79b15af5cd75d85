package dev.noleaks.internal.measure;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.noleaks.BufferPool;
import dev.noleaks.JavaThread;
import dev.noleaks.probe.CompilerActivity;
import dev.noleaks.probe.MallocStats;
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
 * Reads every meter of a {@link Readings}. Created once per JVM, before any baseline: loading JNA
 * starts its cleaner thread and the JDK's process reaper, the probe allocates its buffers, and
 * class path jars are opened, so none of that looks like a test's leak.
 */
public final class Meters {

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
  private final JvmMalloc jvmMalloc = JvmMalloc.create();
  private final Optional<CompilerActivity> compilerActivity;
  private volatile Allocations atLastCapture;

  /**
   * What NoLeaks' own tools loaded in the middle of a check keep for good, left out of every later
   * reading ({@link #keptByNoLeaks}): heap bytes, and native bytes (with Native Memory Tracking
   * only, counted as the JVM's own).
   */
  private volatile long ownHeap;

  private volatile long ownNative;

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
    explicitGcWorks = !Boolean.parseBoolean(vmOption("DisableExplicitGC"));
    compilerActivity = CompilerActivity.open(probe);
  }

  /** Whether the current thread has read every meter once ({@link #get}). */
  private static final ThreadLocal<Boolean> READ_HERE = new ThreadLocal<>();

  /**
   * The meters, initialised on first use with everything a baseline must already contain; on a
   * thread that has not read them yet, every meter is read once first, since some readings leave
   * state of the reading thread's own behind.
   */
  public static Meters get() {
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
    if (READ_HERE.get() == null) {
      READ_HERE.set(Boolean.TRUE);
      m.capture(false, false);
      m.fingerprint();
      primeTemporaryBuffer();
    }
    return m;
  }

  /** What {@link #primeTemporaryBuffer} leaves in the calling thread's cache. */
  static final int TEMPORARY_BUFFER = 64 * 1024;

  /**
   * Leaves a {@value #TEMPORARY_BUFFER} B direct buffer in the JDK's per-thread cache of temporary
   * buffers, which channel I/O on heap buffers takes from (a {@code Files.copy} or {@code
   * Files.newInputStream} read through 8-16 KB at a time): the first such I/O on a thread would
   * otherwise allocate one and keep it, a direct buffer that looks leaked by whichever test did it
   * first. The platform MBean server's start did the same by chance (8 KB) for the thread that
   * started it; a thread of NoLeaks' own now may, so each checking thread gets its own here.
   */
  private static void primeTemporaryBuffer() {
    try (java.nio.channels.Pipe.SinkChannel sink = java.nio.channels.Pipe.open().sink()) {
      sink.configureBlocking(false); // takes the buffer whatever the pipe has room for
      sink.write(java.nio.ByteBuffer.wrap(new byte[TEMPORARY_BUFFER]));
    } catch (java.io.IOException e) {
      // No pipes: then the first test that does channel I/O may be told it ran twice.
    }
  }

  public Probe probe() {
    return probe;
  }

  /**
   * Whether native readings exclude the JVM's own malloc (Native Memory Tracking is on). Then the
   * JIT's arenas do not move them and nothing needs to wait for the compiler to go idle.
   */
  public boolean nativeExcludesJvm() {
    return jvmMalloc.enabled();
  }

  public boolean explicitGcWorks() {
    return explicitGcWorks;
  }

  Optional<CompilationMXBean> compilation() {
    return compilation;
  }

  /** The JIT compiler threads' CPU time, where the platform shows it. */
  Optional<CompilerActivity> compilerActivity() {
    return compilerActivity;
  }

  /** Reads every meter; {@code settled} records whether a full GC came right before. */
  Readings capture(boolean settled) {
    return capture(settled, true);
  }

  /** Reads every meter; without {@code stacks} the threads carry no frames (a baseline's). */
  public Readings capture(boolean settled, boolean stacks) {
    return capture(settled, stacks, true);
  }

  /**
   * Reads every meter. {@code paired}: the JVM's own malloc is read on both sides of glibc's until
   * the two agree ({@link JvmMalloc#readWith}, two NMT reads of ~0.3 ms each when the JVM is
   * quiet); otherwise once, just before glibc's.
   */
  public Readings capture(boolean settled, boolean stacks, boolean paired) {
    return capture(settled, stacks, paired, true);
  }

  private Readings capture(boolean settled, boolean stacks, boolean paired, boolean handles) {
    long heap = heapUsed();
    // Read straight after the heap: from here on the threads' allocation counters bound what they
    // can have added to the heap (see SingleRun.measureHeap).
    long allocated = threadBean.getCurrentThreadAllocatedBytes();
    atLastCapture = Allocations.read(threadBean);
    // glibc and the JVM's own malloc read at one moment: see JvmMalloc.readWith.
    long[] pooled = Pools.bytes();
    JvmMalloc.Paired<Reading<MallocStats>> malloc =
        paired ? jvmMalloc.readWith(probe::malloc) : jvmMalloc.readOnce(probe::malloc);
    return new Readings(
        Instant.now(),
        heap,
        settled && explicitGcWorks,
        pool(direct),
        pool(mapped),
        malloc.glibc(),
        malloc.jvm().map(j -> j[0] + ownNative),
        handles ? probe.descriptors() : Reading.unavailable(MEMORY_ONLY),
        handles ? threads(stacks) : List.of(),
        handles ? probe.nativeThreadCount() : Reading.unavailable(MEMORY_ONLY),
        handles ? probe.residentBytes() : Reading.unavailable(MEMORY_ONLY),
        allocated,
        pooled[0],
        pooled[1]);
  }

  /**
   * Reads the memory meters only, without a GC: the heap, the buffer pools and glibc's figures with
   * the JVM's own malloc paired around them, as {@link #capture(boolean, boolean, boolean)}. The
   * descriptors, threads, native thread count and resident memory are not read (each says so): what
   * decides whether a first run grew needs none of them, and the descriptor listing alone was a
   * fifth of a clean check's cost.
   */
  public Readings captureMemory() {
    return capture(false, false, true, false);
  }

  private static final String MEMORY_ONLY = "not read: a reading of memory only";

  /** {@code s} with the buffer pools read now: two MXBean reads, no GC, nothing else read. */
  public Readings withBuffersNow(Readings s) {
    return s.withBuffers(pool(direct), pool(mapped));
  }

  /** The cheap part of a snapshot that settling polls: pools, descriptors, thread ids. */
  Fingerprint fingerprint() {
    long[] ids = threadBean.getAllThreadIds();
    Arrays.sort(ids);
    Reading<List<String>> targets =
        probe.descriptors().map(list -> list.stream().map(d -> d.target()).sorted().toList());
    return new Fingerprint(pool(direct), pool(mapped), targets.toOptional(), ids);
  }

  public long heapUsed() {
    return memory.getHeapMemoryUsage().getUsed() - ownHeap;
  }

  /**
   * Leaves out of every later reading what a tool of NoLeaks' own, loaded in the middle of a check,
   * keeps for good: {@code heap} bytes of the heap after a GC, {@code nativeBytes} of malloc'ed
   * memory, counted with the JVM's own (only where Native Memory Tracking reads that: elsewhere
   * nothing is loaded mid-check). Readings taken before and after the load then differ by what the
   * code under test did, as if the tool had been loaded before the first baseline.
   */
  public synchronized void keptByNoLeaks(long heap, long nativeBytes) {
    ownHeap += heap;
    ownNative += nativeBytes;
  }

  /** Every thread's allocation counter, read right after the heap by the last capture. */
  public Allocations allocationsAtLastCapture() {
    return atLastCapture;
  }

  public Allocations allocations() {
    return Allocations.read(threadBean);
  }

  public long allocatedBytes() {
    return threadBean.getCurrentThreadAllocatedBytes();
  }

  public static List<JavaThread> threads(boolean stacks) {
    if (!stacks) {
      // Without stacks the live threads are enumerated from the root thread group: no safepoint,
      // ~10 µs instead of ~100 µs for Thread.getAllStackTraces() (measured, 20 threads).
      List<JavaThread> result = new ArrayList<>();
      for (Thread t : liveThreads()) {
        result.add(thread(t, List.of()));
      }
      return result;
    }
    Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
    List<JavaThread> result = new ArrayList<>(all.size());
    for (Map.Entry<Thread, StackTraceElement[]> e : all.entrySet()) {
      StackTraceElement[] stack = e.getValue();
      result.add(
          thread(e.getKey(), Arrays.asList(stack).subList(0, Math.min(stack.length, STACK_DEPTH))));
    }
    return result;
  }

  private static JavaThread thread(Thread t, List<StackTraceElement> stack) {
    return new JavaThread(
        t.getId(), t.getName(), t.isDaemon(), t.getState(), t.getClass().getName(), stack);
  }

  /** Every live platform thread, from the root thread group. */
  static List<Thread> liveThreads() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] all = new Thread[root.activeCount() + 8];
    int n;
    while ((n = root.enumerate(all, true)) == all.length) {
      all = new Thread[all.length * 2];
    }
    return Arrays.asList(all).subList(0, n);
  }

  private static BufferPool pool(Optional<BufferPoolMXBean> bean) {
    return bean.map(b -> new BufferPool(b.getCount(), b.getTotalCapacity()))
        .orElse(new BufferPool(0, 0));
  }

  /** A HotSpot VM option's value, or "" when this is not HotSpot or there is no such option. */
  static String vmOption(String name) {
    try {
      HotSpotDiagnosticMXBean hotspot =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return hotspot == null ? "" : hotspot.getVMOption(name).getValue();
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /**
   * The JDK keeps a socket of its own open from the first network use on (seen on JDK 25: one
   * {@code socket:[…]} appears with the first ServerSocket and never closes), so the first test
   * that touches the network must not be the one to open it.
   */
  private static void openLoopbackConnection() {
    try (java.net.ServerSocket server =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        java.net.Socket client =
            new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort());
        java.net.Socket accepted = server.accept()) {
      client.getOutputStream().flush();
      accepted.getInputStream().available();
    } catch (java.io.IOException e) {
      // No loopback networking: then no test uses it either.
    }
  }

  /**
   * Does once what would otherwise happen inside the first test: reads every meter (JNA loads,
   * buffers get allocated), loads the classes settling uses, and makes the class loaders open every
   * jar on the class path (a lookup of a resource that does not exist walks the whole path and
   * keeps each jar open). The engine adds a dry run of a whole check ({@code LeakCheck.meters()}),
   * whose baseline runs the first full GC: one here as well stopped every thread for nothing.
   */
  private void warmUp() {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    for (ClassLoader loader : new ClassLoader[] {system, context}) {
      if (loader != null) {
        loader.getResource("dev/noleaks/no-such-resource-opens-every-jar");
      }
    }
    fingerprint();
    probe.mallocInfo();
    Settler.warmUp(this);
    java.time.LocalDateTime.now().toString();
    java.time.ZoneId.systemDefault().getRules();
    openLoopbackConnection();
  }
}
