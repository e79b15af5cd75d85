package dev.noleaks.internal.measure;

import java.lang.management.ManagementFactory;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
public final class ClassHistogram {

  /** One class's growth between two histograms. */
  public record Growth(String className, long instances, long bytes) {}

  private record Row(long instances, long bytes) {}

  private final Map<String, Row> rows;

  private ClassHistogram(Map<String, Row> rows) {
    this.rows = rows;
  }

  /**
   * The raw histogram of all objects (no GC of its own: call right after one), or empty when the
   * DiagnosticCommand MBean is not there.
   */
  public static Optional<String> take() {
    return invoke(new String[] {"-all"});
  }

  /** The histogram of live objects, after a full GC of its own. */
  public static Optional<String> takeLive() {
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
  public static long retainedBytes(String text) {
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
  public static ClassHistogram parseKept(String text) {
    ClassHistogram h = parse(text);
    h.rows.merge("byte[]", new Row(1, retainedBytes(text) - 24), ClassHistogram::sum);
    h.rows.merge("java.lang.String", new Row(1, 24), ClassHistogram::sum);
    return h;
  }

  private static Row sum(Row a, Row b) {
    return new Row(a.instances + b.instances, a.bytes + b.bytes);
  }

  /** Parses lines like {@code " 1: 10000 160000 java.lang.Object (java.base@17)"}. */
  public static ClassHistogram parse(String text) {
    // In the text's order: RunHistograms keeps counts per class by position.
    Map<String, Row> rows = new LinkedHashMap<>();
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
  public List<Growth> grownSince(ClassHistogram before, int limit) {
    List<Growth> result = new ArrayList<>();
    for (Map.Entry<String, Row> e : rows.entrySet()) {
      Row old = before.rows.getOrDefault(e.getKey(), new Row(0, 0));
      long bytes = e.getValue().bytes - old.bytes;
      long instances = e.getValue().instances - old.instances;
      // Bytes, not instances: one 2 MB array kept while a few small ones were freed is growth.
      if (bytes > 0 && !ours(e.getKey())) {
        result.add(new Growth(e.getKey(), instances, bytes));
      }
    }
    return largest(result, limit);
  }

  /**
   * The largest of {@code grown}, by bytes: at most {@code limit}, and none under 1% of their total
   * but the largest.
   */
  private static List<Growth> largest(List<Growth> grown, int limit) {
    List<Growth> result = new ArrayList<>(grown);
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

  /** Where NoLeaks' own classes come from: this module's and the probe module's. */
  private static final List<Optional<URL>> OWN_SOURCES =
      List.of(source(ClassHistogram.class), source(dev.noleaks.probe.Probe.class));

  private static Optional<URL> source(Class<?> c) {
    CodeSource source = c.getProtectionDomain().getCodeSource();
    return Optional.ofNullable(source == null ? null : source.getLocation());
  }

  /**
   * Whether {@code className} is one of NoLeaks' own classes, an array of them or a lambda of
   * theirs: what the library holds while it reports (a {@code Finding}) is not what the test
   * leaked. Test classes in the same package are the user's: they come from another code source.
   */
  static boolean ours(String className) {
    if (!className.startsWith("dev.noleaks.")) {
      return false;
    }
    String name = className;
    for (String cut : new String[] {"[", "$$", "/"}) {
      int at = name.indexOf(cut);
      name = at < 0 ? name : name.substring(0, at);
    }
    try {
      Class<?> c = Class.forName(name, false, ClassHistogram.class.getClassLoader());
      return OWN_SOURCES.contains(source(c));
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * The live histograms of a repeated run, to name the classes that grew in every run rather than
   * all that grew between its start and its end. With one histogram after the warm-up and one after
   * the findings, an 80 B/run {@code long[8]} leak was listed sixth, after +279 {@code
   * java.lang.invoke.LambdaForm$Name} (30 KB of growth against 1.7 KB measured: lambda forms spun
   * while the message was built), and NoLeaks' own {@code Finding} was listed. A class that grows
   * in every run grows in both parts of the repetition, at about the same rate per run; one-time
   * growth (class initialisation, lambda forms, caches filled once) lands in one part.
   *
   * <p>All three are live histograms, each after a full GC of its own. A histogram with {@code
   * -all} also counts what was allocated since the last GC and is already garbage: the diagnostic
   * command's own objects and other threads' (a busy machine leaves more time for them), which came
   * off the growth of the same classes (+19 java.lang.Object reported for 20 leaked, JDK 25 under
   * load).
   */
  public static final class RunHistograms {

    /** The first histogram's text, taken before the baseline reading. */
    private final String start;

    /**
     * Instances per class of {@link #start}, in its order, at the midpoint: an array allocated
     * before the baseline, so that taking them leaves nothing behind that the heap readings see.
     */
    private final long[] middle;

    private int middleRuns;

    private Optional<String> end = Optional.empty();

    private int endRuns;

    private RunHistograms(String start) {
      this.start = start;
      this.middle = new long[parse(start).rows.size()];
      // The midpoint's code runs once here, before the baseline: its first run loads classes.
      count(start);
    }

    /** Takes the first histogram; call before the baseline reading. */
    public static Optional<RunHistograms> start() {
      Optional<String> text = takeLive();
      return text.isPresent() ? Optional.of(new RunHistograms(text.get())) : Optional.empty();
    }

    /**
     * Counts instances per class after {@code runs} measured runs. Call right after a reading: the
     * histogram's text and parse are garbage by the next one. No lambda here: linking one at the
     * midpoint would keep its class in the heap.
     */
    public void middle(int runs) {
      Optional<String> text = takeLive();
      if (text.isPresent()) {
        count(text.get());
        middleRuns = runs;
      }
    }

    private void count(String text) {
      ClassHistogram at = parse(text);
      int i = 0;
      for (String name : parse(start).rows.keySet()) {
        Row row = at.rows.get(name);
        middle[i++] = row == null ? 0 : row.instances;
      }
    }

    /** Takes the last histogram, after {@code runs} measured runs. */
    public void end(int runs) {
      end = takeLive();
      endRuns = runs;
    }

    /**
     * Classes that gained instances in every run, as far as three histograms tell: at least one per
     * two runs from start to end, in both parts when the midpoint was counted, and at rates per run
     * no more than twice each other. Largest first by bytes, at most {@code limit}, none under 1%
     * of their total but the largest, none of NoLeaks' own.
     */
    public List<Growth> grownEveryRun(int limit) {
      if (end.isEmpty()) {
        return List.of();
      }
      ClassHistogram before = parseKept(start);
      // The midpoint's counts were allocated after the start histogram and are alive at the end.
      before.rows.merge("long[]", new Row(1, 16 + 8L * middle.length), ClassHistogram::sum);
      Map<String, Integer> position = new HashMap<>();
      for (String name : parse(start).rows.keySet()) {
        position.put(name, position.size());
      }
      List<Growth> steady = new ArrayList<>();
      for (Map.Entry<String, Row> e : parse(end.get()).rows.entrySet()) {
        String name = e.getKey();
        Row old = before.rows.getOrDefault(name, new Row(0, 0));
        long instances = e.getValue().instances - old.instances;
        Integer at = position.get(name);
        boolean steadyGrowth =
            instances * 2 >= endRuns
                && (at == null
                    || middleRuns <= 0
                    || steady(
                        middle[at] - old.instances,
                        middleRuns,
                        e.getValue().instances - middle[at],
                        endRuns - middleRuns));
        if (steadyGrowth && !ours(name)) {
          steady.add(new Growth(name, instances, e.getValue().bytes - old.bytes));
        }
      }
      return largest(steady, limit);
    }

    /**
     * Whether {@code first} instances over {@code firstRuns} and {@code second} over {@code
     * secondRuns} are both growth at rates per run no more than twice each other.
     */
    static boolean steady(long first, int firstRuns, long second, int secondRuns) {
      return first > 0
          && second > 0
          && 2 * first * secondRuns >= second * firstRuns
          && 2 * second * firstRuns >= first * secondRuns;
    }
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
