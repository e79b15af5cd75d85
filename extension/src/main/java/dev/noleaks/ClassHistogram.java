package dev.noleaks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Live objects per class, from the DiagnosticCommand {@code GC.class_histogram}, in process. Taken
 * with {@code -all} right after our own full GC: the heap holds only live objects then, and
 * skipping the histogram's own GC makes it ~2 ms instead of ~5 ms on a small heap (measured).
 */
final class ClassHistogram {

  /** One class's growth between two histograms. */
  record Growth(String className, long instances, long bytes) {
    String describe() {
      if (instances > 0) {
        return "+" + Sizes.count(instances) + " " + className + " (" + Sizes.signed(bytes) + ")";
      }
      // Larger objects replaced smaller ones: say so rather than print "+0" or "-4" instances.
      String count =
          instances == 0 ? "as many instances" : Sizes.count(-instances) + " fewer instances";
      return className + " (" + Sizes.signed(bytes) + ", " + count + ")";
    }
  }

  private record Row(long instances, long bytes) {}

  private final Map<String, Row> rows;

  private ClassHistogram(Map<String, Row> rows) {
    this.rows = rows;
  }

  /**
   * The raw histogram of all objects (no GC of its own: call right after one), or empty when the
   * DiagnosticCommand MBean is not there.
   */
  static Optional<String> take() {
    return invoke(new String[] {"-all"});
  }

  /** The histogram of live objects, after a full GC of its own. */
  static Optional<String> takeLive() {
    return invoke(new String[0]);
  }

  private static Optional<String> invoke(String[] arguments) {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName name = new ObjectName("com.sun.management:type=DiagnosticCommand");
      Object text =
          server.invoke(
              name,
              "gcClassHistogram",
              new Object[] {arguments},
              new String[] {String[].class.getName()});
      return Optional.of((String) text);
    } catch (JMException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Heap bytes the histogram text retains: a {@code String} (24 B) and its {@code byte[]} (16 B
   * header, contents rounded up to 8), with compressed oops; one byte per character, two when a
   * class name has a character beyond Latin-1.
   */
  static long retainedBytes(String text) {
    long perChar = 1;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) > 0xFF) {
        perChar = 2;
        break;
      }
    }
    return 24 + ((16 + perChar * text.length() + 7) & ~7L);
  }

  /**
   * The histogram in {@code text} plus the {@code String} holding that text: it did not exist yet
   * when the histogram was taken, and a later histogram counts it while the caller keeps it.
   */
  static ClassHistogram parseKept(String text) {
    ClassHistogram h = parse(text);
    h.rows.merge("byte[]", new Row(1, retainedBytes(text) - 24), ClassHistogram::sum);
    h.rows.merge("java.lang.String", new Row(1, 24), ClassHistogram::sum);
    return h;
  }

  private static Row sum(Row a, Row b) {
    return new Row(a.instances + b.instances, a.bytes + b.bytes);
  }

  /** Parses lines like {@code " 1: 10000 160000 java.lang.Object (java.base@17)"}. */
  static ClassHistogram parse(String text) {
    Map<String, Row> rows = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || !f[0].endsWith(":")) {
        continue;
      }
      try {
        rows.merge(
            displayName(f[3]),
            new Row(Long.parseLong(f[1]), Long.parseLong(f[2])),
            ClassHistogram::sum);
      } catch (NumberFormatException e) {
        // header or total line
      }
    }
    return new ClassHistogram(rows);
  }

  /**
   * Classes whose bytes grew from {@code before} to this, largest first: at most {@code limit}, and
   * none under 1% of the total growth but the largest.
   */
  List<Growth> grownSince(ClassHistogram before, int limit) {
    List<Growth> result = new ArrayList<>();
    for (Map.Entry<String, Row> e : rows.entrySet()) {
      Row old = before.rows.getOrDefault(e.getKey(), new Row(0, 0));
      long bytes = e.getValue().bytes - old.bytes;
      long instances = e.getValue().instances - old.instances;
      // Bytes, not instances: one 2 MB array kept while a few small ones were freed is growth.
      if (bytes > 0) {
        result.add(new Growth(e.getKey(), instances, bytes));
      }
    }
    result.sort(Comparator.comparingLong(Growth::bytes).reversed());
    // Classes under 1% of the growth are the JVM's and the test framework's own churn (a Class,
    // two MemberNames): they hide the classes that matter, so they are left out.
    long total = result.stream().mapToLong(Growth::bytes).sum();
    List<Growth> shown = new ArrayList<>();
    for (Growth g : result) {
      if (shown.size() == limit || (!shown.isEmpty() && g.bytes() * 100 < total)) {
        break;
      }
      shown.add(g);
    }
    return shown;
  }

  /** JVM descriptors to Java names: {@code [B} → {@code byte[]}, {@code [Ljava.lang.String;} → … */
  static String displayName(String jvmName) {
    int dims = 0;
    while (dims < jvmName.length() && jvmName.charAt(dims) == '[') {
      dims++;
    }
    if (dims == 0) {
      return jvmName;
    }
    String element = jvmName.substring(dims);
    String base =
        switch (element) {
          case "B" -> "byte";
          case "C" -> "char";
          case "S" -> "short";
          case "I" -> "int";
          case "J" -> "long";
          case "F" -> "float";
          case "D" -> "double";
          case "Z" -> "boolean";
          default ->
              element.startsWith("L") && element.endsWith(";")
                  ? element.substring(1, element.length() - 1)
                  : element;
        };
    return base + "[]".repeat(dims);
  }
}
