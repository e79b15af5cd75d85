package dev.noleaks.internal.measure;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.noleaks.internal.config.HeapDump;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
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
import shark.IgnoredReferenceMatcher;
import shark.LeakTrace;
import shark.LeakTraceReference;
import shark.MetadataExtractor;
import shark.ReferencePattern;

/**
 * Where a heap leak is held: the shortest strong path from a GC root to the new instances of the
 * class that grew, read from heap dumps of live objects with shark (LeakCanary's heap analyser).
 * Runs only for a leak: the dumps and their analysis took 1.3–4.7 s in the examples here (2 cores,
 * a build beside); the first in a JVM loads shark and Kotlin's library (4–5 s).
 *
 * <p>The instances are grouped by the shape of their path (shark's leak signature: field names,
 * entries without their index or key). Which group holds the <em>new</em> ones is read from two
 * dumps when there are two: one taken after a first run whose memory grew ({@link #dumpBefore}),
 * one at the end; the group that grew between them is the leak's, whatever earlier tests left in
 * the same place. With one dump (repeated mode, {@code noleaks.rerun=never}) it is the group whose
 * size is nearest the growth, from half to three times it; when another group is as near, both are
 * shown, since one dump cannot tell them apart.
 */
public final class HeapPaths {

  private static final AtomicLong DUMPS = new AtomicLong();

  /**
   * References that do not keep an object alive, which shark would otherwise follow: a weak, soft
   * or phantom reference's referent (every direct buffer is the referent of its {@code Cleaner},
   * which a static list of the JDK holds), and the GC's list of discovered references; and the path
   * of the first run's dump, which NoLeaks made after that run and holds until the check ends (it
   * was named as a holder of a grown {@code byte[]}).
   */
  private static final List<IgnoredReferenceMatcher> NOT_STRONG =
      List.of(
          new IgnoredReferenceMatcher(
              new ReferencePattern.InstanceFieldPattern("java.lang.ref.Reference", "referent")),
          new IgnoredReferenceMatcher(
              new ReferencePattern.InstanceFieldPattern("java.lang.ref.Reference", "discovered")),
          // NoLeaks' own: the first run's dump, made after it, held while the check ends
          new IgnoredReferenceMatcher(
              new ReferencePattern.InstanceFieldPattern(Dump.class.getName(), "file")));

  /**
   * The largest heap dumped before an end that may find no leak: a first use that passes pays the
   * dump, 0.2–0.7 s for 260 MB here; above this, a leak's end reads one dump.
   */
  static final long MAX_DUMP_BEFORE = 256L << 20;

  private static final Set<String> BUFFER_CLASSES =
      Set.of("java.nio.DirectByteBuffer", "java.nio.DirectByteBufferR");

  private HeapPaths() {}

  /**
   * One path: {@code static CacheExample.UNBOUNDED → HashMap[…] → CacheExample$Document}.
   *
   * @param instances how many of the instances share the path
   * @param grewBy how many more there were than in the earlier dump, when there was one
   * @param steps from the root (a static field, or a GC root's description) to the class
   * @param holdsTheRest whether the other new instances of the class are reached through these
   * @param throughAPool whether the path runs through a pool's own structures ({@link
   *     dev.noleaks.internal.config.Ignores#pools})
   */
  public record Path(
      int instances,
      OptionalInt grewBy,
      List<String> steps,
      boolean holdsTheRest,
      boolean throughAPool) {
    public Path {
      steps = List.copyOf(steps);
    }
  }

  /**
   * What the analysis found.
   *
   * @param paths the path, several when one dump could not tell which, none when no single path
   *     holds most of the growth
   * @param unavailable why there are no paths, when the analysis could not run
   * @param keptDump the heap dump, when a setting keeps it
   * @param took how long the dumps and their analysis took
   * @param beforeTheSecondRun whether two dumps saw no path gain: the paths are then the nearest in
   *     size of the end's dump, as with one dump, since the new instances were there after the
   *     first run already
   */
  public record Outcome(
      List<Path> paths,
      Optional<String> unavailable,
      Optional<java.nio.file.Path> keptDump,
      Duration took,
      boolean beforeTheSecondRun) {
    public Outcome {
      paths = List.copyOf(paths);
    }

    static Outcome unavailable(String why, long start) {
      return new Outcome(
          List.of(),
          Optional.of(why),
          Optional.empty(),
          Duration.ofNanos(System.nanoTime() - start),
          false);
    }

    /** Whether the paths are several groups alike in size that one dump could not tell apart. */
    public boolean alike() {
      return paths.size() > 1 && paths.stream().allMatch(p -> p.grewBy().isEmpty());
    }

    /**
     * Whether everything that grew between two dumps is held through a well-known pool's own
     * structures: that pool's growth, kept for reuse.
     */
    public boolean pooledOnly() {
      return !paths.isEmpty()
          && paths.stream().allMatch(p -> p.grewBy().isPresent() && p.throughAPool());
    }
  }

  /**
   * A dump of the live heap taken between a check's runs, read at its end if a leak is found; its
   * file is deleted by {@link #close}, or when the JVM exits if a check never ends.
   */
  public static final class Dump implements AutoCloseable {
    private final java.nio.file.Path file;

    private Dump(java.nio.file.Path file) {
      this.file = file;
      file.toFile().deleteOnExit();
    }

    @Override
    public void close() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // left behind in the owner-only directory; deleted when the JVM exits
      }
    }
  }

  /**
   * A dump of the live heap now, for an end that may find a leak, as {@code setting} asks; empty
   * when it says never, the heap cannot be dumped, or more than {@link #MAX_DUMP_BEFORE} is in use
   * (the end then reads one dump). Costs the dump only: 40–110 ms for a 7 MB heap here, 0.2–0.7 s
   * for 260 MB.
   */
  public static Optional<Dump> dumpBefore(HeapDump setting) {
    Runtime runtime = Runtime.getRuntime();
    if (setting == HeapDump.NEVER
        || !roomToAnalyse()
        || runtime.totalMemory() - runtime.freeMemory() > MAX_DUMP_BEFORE) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Dump(dumpLiveHeap(HeapDump.directory())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The instances a path is wanted to.
   *
   * @param instances which objects they are
   * @param own whether they are of the code's own class (not the JDK's)
   * @param growth how many more of them there are
   * @param pools classes whose structures hold what they took for reuse: a path through one of them
   *     (or a class nested in it) is a pool's ({@link Path#throughAPool})
   */
  record Target(
      Predicate<HeapObject> instances,
      boolean own,
      long growth,
      Optional<String> ignoringLocalsOf,
      List<String> pools) {

    static Target of(String className, long growth) {
      return new Target(
          o -> className.equals(className(o)),
          !fromTheJdk(className),
          growth,
          Optional.empty(),
          List.of());
    }
  }

  /** Holds the reference an assertion asks about while the heap is dumped, to find it there. */
  static final class Watched {
    final Reference<?> reference;

    Watched(Reference<?> reference) {
      this.reference = reference;
    }
  }

  private static final AtomicReference<Watched> WATCHED = new AtomicReference<>();

  /**
   * What holds the referent of {@code reference}, which a garbage collection did not clear, as
   * {@code setting} asks: the shortest path other than through a local variable of the calling
   * thread (the test's own locals, which the test can see).
   */
  public static Optional<Outcome> ofReferent(Reference<?> reference, HeapDump setting) {
    if (setting == HeapDump.NEVER) {
      return Optional.empty();
    }
    Predicate<HeapObject> referent =
        new Predicate<>() {
          private OptionalLong id;

          @Override
          public boolean test(HeapObject o) {
            if (id == null) {
              id = watchedReferent(o.getGraph());
            }
            return id.isPresent() && o.getObjectId() == id.getAsLong();
          }
        };
    WATCHED.set(new Watched(reference));
    try {
      return Optional.of(
          find(
              HeapDump.directory(),
              new Target(
                  referent, false, 1, Optional.of(Thread.currentThread().getName()), List.of()),
              setting == HeapDump.KEEP,
              Optional.empty()));
    } finally {
      WATCHED.set(null);
    }
  }

  /**
   * The id of the referent of the reference that {@link #WATCHED} held when the heap was dumped.
   */
  private static OptionalLong watchedReferent(shark.HeapGraph graph) {
    HeapObject.HeapClass watched = graph.findClassByName(Watched.class.getName());
    if (watched == null) {
      return OptionalLong.empty();
    }
    for (java.util.Iterator<HeapObject.HeapInstance> i = watched.getInstances().iterator();
        i.hasNext(); ) {
      shark.HeapField ref = i.next().get(Watched.class.getName(), "reference");
      if (ref == null || ref.getValue().isNullReference()) {
        continue;
      }
      HeapObject reference = graph.findObjectByIdOrNull(ref.getValue().getAsNonNullObjectId());
      if (reference instanceof HeapObject.HeapInstance r) {
        shark.HeapField referent = r.get("java.lang.ref.Reference", "referent");
        if (referent != null && referent.getValue().isNonNullReference()) {
          return OptionalLong.of(referent.getValue().getAsNonNullObjectId());
        }
      }
    }
    return OptionalLong.empty();
  }

  /**
   * What holds the new instances of the classes that {@code grown} lists, as {@code setting} asks:
   * empty when it says never, or no class grew in count (a histogram could not be taken). The class
   * is the code's own class that grew most in bytes, else the class that grew most: one class,
   * since with several shark counted the instances of one on the paths to another twice (3,992 of
   * 2,000 sessions held in a map, beside its nodes and keys; measured).
   */
  public static Optional<Outcome> of(
      List<ClassHistogram.Growth> grown, HeapDump setting, Optional<Dump> before) {
    List<ClassHistogram.Growth> counted = grown.stream().filter(g -> g.instances() > 0).toList();
    Optional<ClassHistogram.Growth> chosen =
        counted.stream()
            .filter(g -> !fromTheJdk(g.className()))
            .findFirst()
            .or(() -> counted.stream().findFirst());
    if (setting == HeapDump.NEVER || chosen.isEmpty()) {
      return Optional.empty();
    }
    Target target = Target.of(chosen.get().className(), chosen.get().instances());
    return Optional.of(find(HeapDump.directory(), target, setting == HeapDump.KEEP, before));
  }

  /**
   * What holds {@code more} buffers of the JDK's {@code pool} ({@code direct} or {@code mapped})
   * that a buffer finding counts, as {@code setting} asks. Each is a {@code DirectByteBuffer} (or
   * its read-only kin) on the heap: a mapped one has a file descriptor, a direct one none; slices
   * and duplicates (an attachment) are not counted in the pool, so they are left out.
   */
  public static Optional<Outcome> ofBuffers(
      String pool, long more, List<String> pools, HeapDump setting, Optional<Dump> before) {
    if (setting == HeapDump.NEVER || more <= 0) {
      return Optional.empty();
    }
    boolean mapped = pool.equals("mapped");
    Predicate<HeapObject> buffers =
        o ->
            o instanceof HeapObject.HeapInstance i
                && BUFFER_CLASSES.contains(i.getInstanceClassName())
                && isNull(i, "java.nio.DirectByteBuffer", "att")
                && isNull(i, "java.nio.MappedByteBuffer", "fd") != mapped;
    return Optional.of(
        find(
            HeapDump.directory(),
            new Target(buffers, false, more, Optional.empty(), pools),
            setting == HeapDump.KEEP,
            before));
  }

  private static boolean isNull(HeapObject.HeapInstance i, String declaringClass, String field) {
    shark.HeapField f = i.get(declaringClass, field);
    return f == null || f.getValue().isNullReference();
  }

  /**
   * shark indexes every object of a dump, some tens of bytes each: a heap of 256 MB in 1 KB objects
   * was analysed within -Xmx400m (measured); many small objects need more. Half the heap's size
   * free keeps a failing test from ending in an OutOfMemoryError instead.
   */
  private static boolean roomToAnalyse() {
    Runtime runtime = Runtime.getRuntime();
    long used = runtime.totalMemory() - runtime.freeMemory();
    return runtime.maxMemory() - used >= used / 2;
  }

  /**
   * Dumps the live heap into {@code directory} (made owner-only) and finds the path to {@code
   * target}'s new instances, against {@code before} when there is one. The end's dump is deleted
   * afterwards unless {@code keep}.
   */
  static Outcome find(
      java.nio.file.Path directory, Target target, boolean keep, Optional<Dump> before) {
    long start = System.nanoTime();
    if (!roomToAnalyse()) {
      Runtime runtime = Runtime.getRuntime();
      return Outcome.unavailable(
          "the heap ("
              + ((runtime.totalMemory() - runtime.freeMemory()) >> 20)
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
      List<ApplicationLeak> now = groups(dump.toFile(), target);
      Optional<Map<String, Integer>> earlier =
          before.map(b -> counts(groups(b.file.toFile(), target)));
      Optional<List<Path>> grown = earlier.map(counts -> grew(now, counts, target));
      // Two dumps and no path gained: the new ones were there after the first run already (its
      // set-up or its body). The nearest in size then, among the paths that run through code
      // outside the JDK (on jsoup the nearest were otherwise the JDK's perf counters' buffers,
      // there from the start).
      boolean gainedNone = grown.isPresent() && grown.get().isEmpty();
      List<Path> paths =
          gainedNone
              ? nearest(
                  now.stream().filter(g -> !allInTheJdk(g.getLeakTraces().get(0))).toList(), target)
              : grown.orElseGet(() -> nearest(now, target));
      Optional<String> notFound =
          gainedNone && paths.isEmpty()
              ? Optional.of(
                  "no path gained instances between the first run's heap dump and this one: the"
                      + " new ones were there after the first run already (its set-up or its"
                      + " body), and every path as many hold runs through the JDK's own classes")
              : Optional.empty();
      return new Outcome(
          paths,
          notFound,
          keep ? Optional.of(dump) : Optional.empty(),
          Duration.ofNanos(System.nanoTime() - start),
          gainedNone);
    } catch (LinkageError e) {
      return Outcome.unavailable(
          "shark (com.squareup.leakcanary:shark) is not on the class path: " + e, start);
    } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
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

  /** The target's instances in {@code dump}, grouped by the shape of their paths. */
  static List<ApplicationLeak> groups(File dump, Target target) {
    HeapAnalysis analysis;
    try (CloseableHeapGraph graph =
        new DumpedRootsGraph(
            HprofHeapGraph.Companion.openHeapGraph(
                dump, null, EnumSet.allOf(HprofRecordTag.class)))) {
      analysis =
          new HeapAnalyzer(step -> {})
              .analyze(
                  dump,
                  graph,
                  new FilteringLeakingObjectFinder(List.of(o -> target.instances().test(o))),
                  ignored(target),
                  false,
                  List.of(),
                  MetadataExtractor.Companion.getNO_OP());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (analysis instanceof HeapAnalysisFailure failure) {
      throw new IllegalStateException(failure.getException());
    }
    return ((HeapAnalysisSuccess) analysis).getApplicationLeaks();
  }

  private static List<IgnoredReferenceMatcher> ignored(Target target) {
    if (target.ignoringLocalsOf().isEmpty()) {
      return NOT_STRONG;
    }
    List<IgnoredReferenceMatcher> ignored = new ArrayList<>(NOT_STRONG);
    ignored.add(
        new IgnoredReferenceMatcher(
            new ReferencePattern.JavaLocalPattern(target.ignoringLocalsOf().get())));
    return ignored;
  }

  private static Map<String, Integer> counts(List<ApplicationLeak> groups) {
    Map<String, Integer> counts = new HashMap<>();
    groups.forEach(g -> counts.put(g.getSignature(), g.getLeakTraces().size()));
    return counts;
  }

  /**
   * The groups that gained instances since the earlier dump, most first: at most {@link
   * #MAX_GROWN}, one of them not through a pool when one is ({@link Outcome#pooledOnly} then says
   * no).
   */
  private static List<Path> grew(
      List<ApplicationLeak> now, Map<String, Integer> before, Target target) {
    List<Path> grown = new ArrayList<>();
    for (ApplicationLeak g : now) {
      int gained = g.getLeakTraces().size() - before.getOrDefault(g.getSignature(), 0);
      if (gained > 0) {
        grown.add(path(g, OptionalInt.of(gained), false, target));
      }
    }
    grown.sort(java.util.Comparator.comparingInt((Path p) -> -p.grewBy().getAsInt()));
    List<Path> shown = new ArrayList<>(grown.subList(0, Math.min(grown.size(), MAX_GROWN)));
    if (!shown.isEmpty() && shown.stream().allMatch(Path::throughAPool)) {
      // a pool's paths must never hide what makes the finding stand
      grown.stream()
          .filter(p -> !p.throughAPool())
          .findFirst()
          .ifPresent(p -> shown.set(shown.size() - 1, p));
    }
    return shown;
  }

  /** At most this many paths that grew between two dumps are shown. */
  static final int MAX_GROWN = 3;

  /**
   * With one dump: the group whose size is nearest the growth, if near enough, with any other as
   * near (one dump cannot tell them apart: two lists that each hold two buffers, one from an
   * earlier test); else, for the code's own class, the group holding the rest.
   */
  private static List<Path> nearest(List<ApplicationLeak> groups, Target target) {
    long growth = target.growth();
    List<ApplicationLeak> near = new ArrayList<>();
    long best = Long.MAX_VALUE;
    for (ApplicationLeak g : groups) {
      int count = g.getLeakTraces().size();
      // Up to three times: repeated mode's growth counts the measured runs, the heap holds the
      // warm-up runs' instances too (5 warm-up runs beside as few as 5 measured ones).
      if (count * 2L < growth || count > growth * 3) {
        continue;
      }
      long distance = Math.abs(count - growth);
      if (distance < best) {
        near.clear();
        best = distance;
      }
      if (distance == best) {
        near.add(g);
      }
    }
    if (near.isEmpty() && target.own()) {
      return holdingTheRest(groups, target).map(List::of).orElse(List.of());
    }
    return near.stream().limit(3).map(g -> path(g, OptionalInt.empty(), false, target)).toList();
  }

  /**
   * A structure of the code's own class (a tree whose nodes are that class) has paths only to the
   * instances reached first: shark leaves out a path through another instance it looks for. The
   * largest group of paths then holds the rest, when fewer paths than new instances were found
   * (ReferenceCycleExample: 2 roots held by a static list, 4,000 nodes under them).
   */
  private static Optional<Path> holdingTheRest(List<ApplicationLeak> groups, Target target) {
    long growth = target.growth();
    int found = groups.stream().mapToInt(g -> g.getLeakTraces().size()).sum();
    if (found * 2L >= growth) {
      return Optional.empty();
    }
    return groups.stream()
        .max(java.util.Comparator.comparingInt(g -> g.getLeakTraces().size()))
        .map(g -> path(g, OptionalInt.empty(), true, target));
  }

  /** A group's first path, and how many instances share it. */
  private static Path path(
      ApplicationLeak group, OptionalInt grewBy, boolean holdsTheRest, Target target) {
    LeakTrace trace = group.getLeakTraces().get(0);
    return new Path(
        group.getLeakTraces().size(),
        grewBy,
        steps(trace),
        holdsTheRest,
        throughAPool(trace, target.pools()));
  }

  private static boolean throughAPool(LeakTrace trace, List<String> pools) {
    return trace.getReferencePath().stream()
        .map(r -> r.getOriginObject().getClassName())
        .anyMatch(c -> pools.stream().anyMatch(pool -> c.equals(pool) || c.startsWith(pool + "$")));
  }

  /** Whether every object on the path, the root's class included, is the JDK's. */
  private static boolean allInTheJdk(LeakTrace trace) {
    return trace.getReferencePath().stream()
        .allMatch(r -> fromTheJdk(r.getOriginObject().getClassName()));
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
    String simple = className.substring(className.lastIndexOf('.') + 1);
    // A lambda's hidden class, ListenerExample$$Lambda$785+0x00007fdbcc215340 in a dump: its
    // number and address say nothing a reader can look up.
    int lambda = simple.indexOf("$$Lambda");
    return lambda < 0 ? simple : simple.substring(0, lambda + "$$Lambda".length());
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
