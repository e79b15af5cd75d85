package dev.noleaks.internal.measure;

import dev.noleaks.probe.Reading;
import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The bytes the JVM itself has malloc'ed, from Native Memory Tracking ({@code
 * -XX:NativeMemoryTracking=summary}). Subtracted from glibc's in-use figure it leaves what the
 * test's code malloc'ed (JNA, JNI libraries): HotSpot pools the JIT's arena chunks and hands them
 * back every 5 s, so raw glibc readings swing by MBs after compilations; the difference stayed
 * within 10 KB while raw in-use swung by 620 KB (measured around a 1 MiB JNA leak, JDK 17).
 *
 * <p>What is subtracted is NMT's total malloc less its category {@code Other}: HotSpot books {@code
 * Unsafe.allocateMemory} there, and with it every direct {@code ByteBuffer} and the off-heap memory
 * of Netty, Agrona, Chronicle or LWJGL. That is the application's memory, not the JVM's:
 * subtracted, a 4 MB {@code Unsafe.allocateMemory} kept in a static was missed 6 of 6 times.
 * Measured: 4 MB from {@code Unsafe} and a 1 MB direct buffer read {@code Other (malloc=5010240
 * #4)} on JDK 17 and {@code (malloc=5034816 tag=Other #4)} on JDK 25. Everything else NMT tracks
 * (the JIT's arenas, class metadata, symbols, GC structures, thread stacks' bookkeeping, object
 * monitors, NMT's own) is the JVM's and is subtracted.
 */
public final class JvmMalloc {

  private static final Pattern TOTAL_MALLOC =
      Pattern.compile("(?m)^\\s*malloc:\\s*(\\d+)(?:\\s*#(\\d+))?");

  /** The application's category: its malloc line, JDK 17 and JDK 25 forms. */
  private static final Pattern OTHER_MALLOC =
      Pattern.compile(
          "(?m)^-\\s+Other \\([^)]*\\)\\s*\\n"
              + "\\s*\\(malloc=(\\d+)(?:\\s+tag=\\w+)?\\s+#(\\d+)");

  private final Reading<Long> off;

  /** Diagnostic commands run so far: JDK 17's leaks one malloc per call. */
  private long calls;

  private final ObjectName diagnostics;
  private final MBeanServer server;

  private JvmMalloc(Reading<Long> off, MBeanServer server, ObjectName diagnostics) {
    this.off = off;
    this.server = server;
    this.diagnostics = diagnostics;
  }

  public static JvmMalloc create() {
    String mode = Meters.vmOption("NativeMemoryTracking");
    if (mode.isEmpty() || mode.equals("off")) {
      return new JvmMalloc(
          Reading.unavailable(
              "Native Memory Tracking is off; start the JVM with"
                  + " -XX:NativeMemoryTracking=summary to subtract the JVM's own malloc (JIT arenas)"
                  + " from native readings"),
          null,
          null);
    }
    try {
      return new JvmMalloc(
          null,
          ManagementFactory.getPlatformMBeanServer(),
          new ObjectName("com.sun.management:type=DiagnosticCommand"));
    } catch (JMException e) {
      return new JvmMalloc(Reading.unavailable("DiagnosticCommand MBean: " + e), null, null);
    }
  }

  /** Whether Native Memory Tracking is on, so {@link #readBoth()} has a value. */
  public boolean enabled() {
    return off == null;
  }

  /** The JVM's own malloc'ed bytes and its count of live mallocs (-1 when not shown); ~0.3 ms. */
  public Reading<long[]> readBoth() {
    if (off != null) {
      return off.map(v -> new long[] {v, -1});
    }
    calls++;
    try {
      String summary =
          (String)
              server.invoke(
                  diagnostics,
                  "vmNativeMemory",
                  new Object[] {new String[] {"summary", "scale=b"}},
                  new String[] {String[].class.getName()});
      return own(summary);
    } catch (JMException | RuntimeException e) {
      return Reading.unavailable("VM.native_memory summary failed: " + e);
    }
  }

  /**
   * The JVM's own malloc'ed bytes and blocks in a {@code VM.native_memory summary}: the total less
   * the category {@code Other} (the application's {@code Unsafe} memory; absent when empty).
   */
  static Reading<long[]> own(String summary) {
    Matcher m = TOTAL_MALLOC.matcher(summary);
    if (!m.find()) {
      return Reading.unavailable("no total malloc line in VM.native_memory summary");
    }
    long bytes = Long.parseLong(m.group(1));
    long blocks = m.group(2) == null ? -1 : Long.parseLong(m.group(2));
    Matcher other = OTHER_MALLOC.matcher(summary);
    // Found from its line: the pattern tried at every line of the ~4 KB text cost a sixth of a
    // read.
    int at = summary.indexOf(" Other (");
    if (at >= 0 && other.region(summary.lastIndexOf('\n', at) + 1, summary.length()).lookingAt()) {
      bytes -= Long.parseLong(other.group(1));
      blocks = blocks < 0 ? -1 : blocks - Long.parseLong(other.group(2));
    }
    return Reading.of(new long[] {bytes, blocks});
  }

  /**
   * A glibc reading and the JVM's own malloc at the same moment: {@code glibc} is read between two
   * reads of NMT, again (up to {@value #ATTEMPTS} times) while the JVM malloc'ed or freed in
   * between. The two figures come from two calls ~0.3 ms apart, and a C2 compiler thread mallocs
   * and frees arena chunks of 32 KB to MBs meanwhile: read once each, in that order, the difference
   * of two snapshots around a 1 MiB JNA leak was off by -79 KB to +1 MB on JDK 25 (10 trials, JIT
   * busy); read like this, by at most 14 KB. JDK 17's diagnostic command leaks one 3-byte malloc
   * per call (19 B in NMT), so a count one higher still agrees.
   *
   * @param glibc reads glibc's statistics; must not malloc for the JVM
   * @return the glibc reading and the JVM's {bytes, blocks} read before it (unavailable when NMT is
   *     off or could not be read)
   */
  public <T> Paired<T> readWith(java.util.function.Supplier<T> glibc) {
    Reading<long[]> before = readBoth();
    long call = calls;
    T reading = glibc.get();
    for (int attempt = 1; attempt < ATTEMPTS && before.isAvailable(); attempt++) {
      Reading<long[]> after = readBoth();
      if (after.isAvailable() && agree(before.orElseThrow(), after.orElseThrow())) {
        break;
      }
      before = after;
      call = calls;
      reading = glibc.get();
    }
    return new Paired<>(reading, before, call);
  }

  /**
   * A glibc reading and the JVM's malloc read once just before it: half the cost of {@link
   * #readWith}, but a compiler thread's malloc in between is not caught.
   */
  <T> Paired<T> readOnce(java.util.function.Supplier<T> glibc) {
    Reading<long[]> jvm = readBoth();
    long call = calls;
    return new Paired<>(glibc.get(), jvm, call);
  }

  private static boolean agree(long[] before, long[] after) {
    return after[1] - before[1] <= 1 && Math.abs(after[0] - before[0]) <= 32;
  }

  /** Reads of NMT around glibc's until they agree. */
  static final int ATTEMPTS = 5;

  /**
   * A glibc reading and the JVM's malloc read just before it.
   *
   * @param glibc the glibc reading
   * @param jvm the JVM's malloc'ed bytes and blocks ({@code {bytes, blocks}})
   * @param call the number of diagnostic commands run up to and including the one {@code jvm} came
   *     from
   */
  public record Paired<T>(T glibc, Reading<long[]> jvm, long call) {}

  /**
   * Blocks the diagnostic command itself leaves malloc'ed per call: 1 on JDK 17 (a 3-byte copy of
   * an argument), 0 on JDK 25. The least growth of the block count over a few back-to-back calls:
   * the JVM's own activity can only add to it.
   */
  public long blocksPerCall() {
    long least = Long.MAX_VALUE;
    Reading<long[]> previous = readBoth();
    for (int i = 0; i < 4 && previous.isAvailable(); i++) {
      Reading<long[]> next = readBoth();
      if (!next.isAvailable()) {
        break;
      }
      least = Math.min(least, next.orElseThrow()[1] - previous.orElseThrow()[1]);
      previous = next;
    }
    return least == Long.MAX_VALUE ? 0 : Math.max(0, least);
  }
}
