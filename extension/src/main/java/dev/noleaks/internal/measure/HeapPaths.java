package dev.noleaks.internal.measure;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.noleaks.internal.config.HeapDump;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import shark.ApplicationLeak;
import shark.CloseableHeapGraph;
import shark.FilteringLeakingObjectFinder;
import shark.HeapAnalysis;
import shark.HeapAnalysisFailure;
import shark.HeapAnalysisSuccess;
import shark.HeapAnalyzer;
import shark.HeapObject;
import shark.HprofHeapGraph;
import shark.HprofRecordTag;
import shark.LeakTrace;
import shark.LeakTraceReference;
import shark.MetadataExtractor;

/**
 * Where a heap leak is held: the shortest strong path from a GC root to the instances of the class
 * that grew, read from a heap dump of live objects with shark (LeakCanary's heap analyser). Runs
 * only when a heap leak was found: a dump and its analysis took 1–2 s for 7–260 MB dumps here in a
 * warm JVM; the first in a JVM loads shark and Kotlin's library (4 s in the examples).
 *
 * <p>The instances are grouped by the shape of their path (shark's leak signature: field names,
 * entries without their index or key); the group whose size is nearest the class's growth is the
 * leak's, since what a test leaks shares one path while the instances that were there before
 * scatter over many (module tables, the JDK's caches). A group is shown only when it holds at least
 * half the growth and at most three times it.
 */
public final class HeapPaths {

  private static final AtomicLong DUMPS = new AtomicLong();

  private HeapPaths() {}

  /**
   * One path: {@code static CacheExample.UNBOUNDED → HashMap[…] → CacheExample$Document}.
   *
   * @param className the class whose instances it holds
   * @param instances how many of them share the path
   * @param steps from the root (a static field, or a GC root's description) to the class
   */
  public record Path(String className, int instances, List<String> steps) {
    public Path {
      steps = List.copyOf(steps);
    }
  }

  /**
   * What the analysis found.
   *
   * @param paths the path, or none when no single path holds most of the growth
   * @param unavailable why there are no paths, when the analysis could not run
   * @param keptDump the heap dump, when a setting keeps it
   * @param took how long the dump and its analysis took
   */
  public record Outcome(
      List<Path> paths,
      Optional<String> unavailable,
      Optional<java.nio.file.Path> keptDump,
      Duration took) {
    public Outcome {
      paths = List.copyOf(paths);
    }

    static Outcome unavailable(String why, long start) {
      return new Outcome(
          List.of(),
          Optional.of(why),
          Optional.empty(),
          Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * What holds the instances of the classes that {@code grown} lists, as {@code setting} asks:
   * empty when it says never, or no class grew in count (a histogram could not be taken).
   */
  public static Optional<Outcome> of(List<ClassHistogram.Growth> grown, HeapDump setting) {
    Map<String, Long> counted = new LinkedHashMap<>();
    grown.stream()
        .filter(g -> g.instances() > 0)
        .forEach(g -> counted.put(g.className(), g.instances()));
    if (setting == HeapDump.NEVER || counted.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(find(HeapDump.directory(), counted, setting == HeapDump.KEEP));
  }

  /**
   * Dumps the live heap into {@code directory} (made owner-only) and finds the path to the
   * instances of one class of {@code grown} (class name to instance growth, largest growth in bytes
   * first; classes that grew in count only): {@link #target}. The dump is deleted afterwards unless
   * {@code keep}.
   */
  public static Outcome find(java.nio.file.Path directory, Map<String, Long> grown, boolean keep) {
    long start = System.nanoTime();
    Runtime runtime = Runtime.getRuntime();
    long used = runtime.totalMemory() - runtime.freeMemory();
    // shark indexes every object of the dump, some tens of bytes each: a heap of 256 MB in 1 KB
    // objects was analysed within -Xmx400m (measured); many small objects need more. Half the
    // heap's size free keeps a failing test from ending in an OutOfMemoryError instead.
    if (runtime.maxMemory() - used < used / 2) {
      return Outcome.unavailable(
          "the heap ("
              + (used >> 20)
              + " MB used of "
              + (runtime.maxMemory() >> 20)
              + " MB) leaves too little room to analyse its dump in this JVM",
          start);
    }
    java.nio.file.Path dump;
    try {
      dump = dumpLiveHeap(directory);
    } catch (IOException | RuntimeException e) {
      return Outcome.unavailable(
          "the heap could not be dumped into " + directory + ": " + e, start);
    }
    try {
      String target = target(grown).orElseThrow();
      List<Path> paths = analyse(dump.toFile(), target, grown.get(target));
      return new Outcome(
          paths,
          Optional.empty(),
          keep ? Optional.of(dump) : Optional.empty(),
          Duration.ofNanos(System.nanoTime() - start));
    } catch (LinkageError e) {
      return Outcome.unavailable(
          "shark (com.squareup.leakcanary:shark) is not on the class path: " + e, start);
    } catch (RuntimeException | OutOfMemoryError e) {
      return Outcome.unavailable("shark could not analyse the heap dump: " + e, start);
    } finally {
      if (!keep) {
        try {
          Files.deleteIfExists(dump);
        } catch (IOException e) {
          // left behind in the owner-only directory; the next build's clean removes it
        }
      }
    }
  }

  private static java.nio.file.Path dumpLiveHeap(java.nio.file.Path directory) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      // createDirectories leaves an existing directory's permissions as they were
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    } else {
      Files.createDirectories(directory);
    }
    java.nio.file.Path dump =
        directory.resolve(
            "heap-" + ProcessHandle.current().pid() + "-" + DUMPS.incrementAndGet() + ".hprof");
    Files.deleteIfExists(dump); // dumpHeap refuses an existing file
    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
        .dumpHeap(dump.toString(), true);
    return dump;
  }

  private static List<Path> analyse(File dump, String target, long growth) {
    HeapAnalysis analysis;
    try (CloseableHeapGraph graph =
        HprofHeapGraph.Companion.openHeapGraph(dump, null, EnumSet.allOf(HprofRecordTag.class))) {
      analysis =
          new HeapAnalyzer(step -> {})
              .analyze(
                  dump,
                  graph,
                  new FilteringLeakingObjectFinder(
                      List.of(object -> target.equals(className(object)))),
                  List.of(),
                  false,
                  List.of(),
                  MetadataExtractor.Companion.getNO_OP());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (analysis instanceof HeapAnalysisFailure failure) {
      throw new IllegalStateException(failure.getException());
    }
    return nearest(((HeapAnalysisSuccess) analysis).getApplicationLeaks(), growth)
        .map(trace -> List.of(new Path(target, trace.count(), steps(trace.trace()))))
        .orElse(List.of());
  }

  /**
   * The class a path is wanted to: the code's own class that grew most in bytes, else the class
   * that grew most. One class: with several, shark counted the instances of one on the paths to
   * another twice (3,992 of 2,000 sessions held in a map, beside its nodes and keys; measured).
   */
  static Optional<String> target(Map<String, Long> grown) {
    return grown.keySet().stream()
        .filter(c -> !fromTheJdk(c))
        .findFirst()
        .or(() -> grown.keySet().stream().findFirst());
  }

  private record Group(LeakTrace trace, int count) {}

  /** The group of paths whose size is nearest the growth, if near enough. */
  private static Optional<Group> nearest(List<ApplicationLeak> groups, long growth) {
    Group best = null;
    for (ApplicationLeak group : groups) {
      int count = group.getLeakTraces().size();
      // Up to three times: repeated mode's growth counts the measured runs, the heap holds the
      // warm-up runs' instances too (5 warm-up runs beside as few as 5 measured ones).
      if (count * 2L < growth || count > growth * 3) {
        continue;
      }
      if (best == null || Math.abs(count - growth) < Math.abs(best.count() - growth)) {
        best = new Group(group.getLeakTraces().get(0), count);
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean fromTheJdk(String className) {
    return className.startsWith("java.")
        || className.startsWith("javax.")
        || className.startsWith("jdk.")
        || className.startsWith("sun.")
        || !className.contains("."); // primitive arrays
  }

  /**
   * The path from the last static field on it (where a leak is usually held: the rest of the path
   * up to it is how the JVM reaches that class), else from the GC root.
   */
  static List<String> steps(LeakTrace trace) {
    List<LeakTraceReference> references = trace.getReferencePath();
    int from = 0;
    for (int i = 0; i < references.size(); i++) {
      if (references.get(i).getReferenceType() == LeakTraceReference.ReferenceType.STATIC_FIELD) {
        from = i;
      }
    }
    List<String> steps = new ArrayList<>();
    if (references.isEmpty()
        || references.get(from).getReferenceType()
            != LeakTraceReference.ReferenceType.STATIC_FIELD) {
      steps.add("GC root (" + trace.getGcRootType().getDescription() + ")");
    }
    for (LeakTraceReference r : references.subList(from, references.size())) {
      steps.add(step(r));
    }
    steps.add(simpleName(trace.getLeakingObject().getClassName()));
    return steps;
  }

  private static String step(LeakTraceReference r) {
    String owner = simpleName(r.getOriginObject().getClassName());
    String name = r.getReferenceDisplayName();
    return switch (r.getReferenceType()) {
      case STATIC_FIELD -> "static " + owner + "." + name;
      case INSTANCE_FIELD -> owner + "." + name;
      case LOCAL -> "a local variable of thread " + owner;
      case ARRAY_ENTRY -> owner + entry(name);
    };
  }

  /**
   * An array or collection entry: {@code [i]}, {@code ["key"]}, {@code [key]} for a map's key; an
   * entry keyed by an object shark shows by its id is {@code […]}, which says as much and reads
   * shorter.
   */
  private static String entry(String displayName) {
    if (displayName.startsWith("[instance @")) {
      return "[…]";
    }
    if (displayName.matches("\\[\\d+]")) {
      return "[i]"; // one of many: the first one's index would say nothing of the others
    }
    return displayName.equals("[key()]") ? "[key]" : displayName;
  }

  /** A class name without its package: {@code CacheExample$Document}, {@code byte[]}. */
  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  private static String className(HeapObject object) {
    if (object instanceof HeapObject.HeapInstance i) {
      return i.getInstanceClassName();
    }
    if (object instanceof HeapObject.HeapObjectArray a) {
      return a.getArrayClassName();
    }
    if (object instanceof HeapObject.HeapPrimitiveArray a) {
      return a.getArrayClassName();
    }
    return "";
  }

  /** The steps joined as messages show them. */
  public static String joined(Path path) {
    return path.steps().stream().collect(Collectors.joining(" → "));
  }
}
