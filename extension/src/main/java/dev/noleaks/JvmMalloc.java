package dev.noleaks;

import com.sun.management.HotSpotDiagnosticMXBean;
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
 */
final class JvmMalloc {

  private static final Pattern TOTAL_MALLOC = Pattern.compile("(?m)^\\s*malloc:\\s*(\\d+)");

  private final Reading<Long> off;
  private final ObjectName diagnostics;
  private final MBeanServer server;

  private JvmMalloc(Reading<Long> off, MBeanServer server, ObjectName diagnostics) {
    this.off = off;
    this.server = server;
    this.diagnostics = diagnostics;
  }

  static JvmMalloc create() {
    String mode = vmOption("NativeMemoryTracking");
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

  /** Whether Native Memory Tracking is on, so {@link #read()} has a value. */
  boolean enabled() {
    return off == null;
  }

  /** The JVM's own malloc'ed bytes now; ~0.3 ms. */
  Reading<Long> read() {
    if (off != null) {
      return off;
    }
    try {
      String summary =
          (String)
              server.invoke(
                  diagnostics,
                  "vmNativeMemory",
                  new Object[] {new String[] {"summary", "scale=b"}},
                  new String[] {String[].class.getName()});
      Matcher m = TOTAL_MALLOC.matcher(summary);
      return m.find()
          ? Reading.of(Long.parseLong(m.group(1)))
          : Reading.unavailable("no total malloc line in VM.native_memory summary");
    } catch (JMException | RuntimeException e) {
      return Reading.unavailable("VM.native_memory summary failed: " + e);
    }
  }

  private static String vmOption(String name) {
    try {
      HotSpotDiagnosticMXBean hotspot =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return hotspot == null ? "" : hotspot.getVMOption(name).getValue();
    } catch (IllegalArgumentException e) {
      return "";
    }
  }
}
