package dev.noleaks.internal.measure;

import com.sun.jna.Native;
import dev.noleaks.probe.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import one.profiler.AsyncProfiler;

/**
 * Where the native memory some runs of the code left unfreed was allocated, from async-profiler's
 * native memory mode ({@code tools.profiler:async-profiler}, used in-process through its Java API,
 * no agent): while it records, it hooks {@code malloc}, {@code calloc}, {@code realloc} and {@code
 * free} in the loaded libraries and writes each call, with the caller's Java and native stack, to a
 * JFR file. A block whose {@code free} was not recorded by the end is unfreed; it is the code's
 * when its stack has a frame of code that is not the JDK's, a library's the code calls through
 * (JNA, JUnit) or NoLeaks' own, and that frame is its site. Blocks allocated on the JVM's own
 * threads (compiler threads: no Java frame) or by NoLeaks are not the code's.
 *
 * <p>Only memory allocated through the hooked entry points is seen: a library that calls {@code
 * malloc} through its address (a JNA interface bound to libc's {@code malloc}) is not, so sites
 * refine glibc's totals rather than replace them.
 *
 * <p>The first recording of a JVM loads the profiler's library, which mallocs its symbol tables
 * (~15 MB in glibc, measured), and loads the JFR reader's classes (~80 KB of heap kept): done once
 * by {@link #get()}, when a check first needs it, in the middle of that check, so the caller
 * measures what the load keeps and leaves it out of later readings (see {@code
 * LeakCheck.recorder}). A later recording keeps 1-35 KB of the profiler's own (measured over runs
 * of 0 to 1,000 distinct stacks), well under the native tolerance: not subtracted.
 */
public final class NativeSites {

  /** The sites a finding lists, most bytes first. */
  public static final int TOP = 5;

  private static final String MALLOC = "profiler.Malloc";
  private static final String FREE = "profiler.Free";

  /** Frame kinds async-profiler writes for code that is not Java. */
  private static final Set<String> NATIVE_FRAMES = Set.of("Native", "C++", "Kernel");

  /**
   * Code whose frames are not a site: it allocates for the code that called it. The JDK (its {@code
   * Deflater} mallocs in libz for the caller), JNA ({@code Memory}, {@code Native.malloc}), the
   * profiler, JUnit and the libraries NoLeaks runs the code through.
   */
  private static final List<String> CALLEES =
      List.of(
          "java.",
          "javax.",
          "jdk.",
          "sun.",
          "com.sun.",
          "one.profiler.",
          "org.junit.",
          "org.opentest4j.",
          "org.apache.maven.surefire.",
          "org.awaitility.",
          "org.assertj.");

  private static final Object LOCK = new Object();
  private static volatile Reading<NativeSites> instance;

  /** NoLeaks' own classes by name: those loaded from NoLeaks' own code source. */
  private static final Map<String, Boolean> OWN = new ConcurrentHashMap<>();

  private final AsyncProfiler profiler;
  private final Path file;
  private final AtomicBoolean busy = new AtomicBoolean();

  private NativeSites(AsyncProfiler profiler, Path file) {
    this.profiler = profiler;
    this.file = file;
  }

  /**
   * A site: the first frame of the code under test in the stacks of unfreed blocks, and what was
   * allocated there.
   *
   * @param frame the frame, its file name derived from the class name (the JFR file has none)
   * @param blocks unfreed blocks allocated there
   * @param bytes their requested bytes
   */
  public record Site(StackTraceElement frame, long blocks, long bytes) {}

  /** What the allocation hooks saw of some runs' unfreed native memory. */
  public sealed interface Seen permits Recorded, NotRecorded {}

  /**
   * The unfreed blocks the code allocated over {@code runs} recorded runs.
   *
   * @param top the sites with most bytes, at most {@value #TOP}
   * @param blocks the code's unfreed blocks, every site's
   * @param bytes their bytes
   * @param runs how many runs were recorded
   */
  public record Recorded(List<Site> top, long blocks, long bytes, int runs) implements Seen {
    public Recorded {
      top = List.copyOf(top);
    }
  }

  /**
   * The size of the block {@link Recording#mark()} allocates and frees: odd, so that the code's own
   * blocks are unlikely to share it (the block is found by its address and size).
   */
  static final long MARK_SIZE = 4093;

  /** Nothing was recorded, and why: the profiler does not load, another check recorded, … */
  public record NotRecorded(String reason) implements Seen {}

  /**
   * What a native finding says of where its bytes came from: what was seen over the recorded runs,
   * and how much the native figure grew over them.
   *
   * @param grown the native growth the sites are to explain: a second run's, or a trend's slope
   *     times the recorded runs
   */
  public record Explained(Seen seen, long grown) {}

  /** Whether {@link #get()} has been called: the profiler was loaded, or found unavailable. */
  public static boolean loaded() {
    return instance != null;
  }

  /**
   * The recorder, loaded and through one empty recording on the first call (0.15-0.35 s, see the
   * class comment); unavailable, with the reason, where the profiler does not load.
   */
  public static Reading<NativeSites> get() {
    Reading<NativeSites> r = instance;
    if (r == null) {
      synchronized (LOCK) {
        r = instance;
        if (r == null) {
          r = load();
          instance = r;
        }
      }
    }
    return r;
  }

  private static Reading<NativeSites> load() {
    try {
      Path file = Files.createTempFile("noleaks-native-sites-", ".jfr");
      file.toFile().deleteOnExit();
      NativeSites sites = new NativeSites(AsyncProfiler.getInstance(), file);
      // An empty recording, read whole: the profiler's lasting state and the reader's classes now.
      Seen empty = sites.start().stop(0);
      if (empty instanceof NotRecorded no) {
        return Reading.unavailable(no.reason());
      }
      return Reading.of(sites);
    } catch (NoClassDefFoundError e) {
      return Reading.unavailable(
          "async-profiler (tools.profiler:async-profiler) is not on the class path");
    } catch (UnsatisfiedLinkError e) {
      return Reading.unavailable(
          "async-profiler's library does not load on "
              + System.getProperty("os.name")
              + " "
              + System.getProperty("os.arch")
              + " ("
              + e.getMessage()
              + ")");
    } catch (IOException | RuntimeException e) {
      return Reading.unavailable("async-profiler could not start: " + e);
    }
  }

  /**
   * Starts recording every thread's {@code malloc} and {@code free} (3-8 ms in a warm JVM). One
   * recording at a time in a JVM: the profiler is the process's.
   */
  public Recording start() {
    if (!busy.compareAndSet(false, true)) {
      return new Recording(Optional.of("another check was recording at the same time"));
    }
    try {
      profiler.execute("start,nativemem=0,file=" + file + ",jfr");
      return new Recording(Optional.empty());
    } catch (IOException | RuntimeException e) {
      busy.set(false);
      return new Recording(Optional.of("async-profiler could not start: " + e.getMessage()));
    }
  }

  /** A recording under way; {@link #stop} ends it and reads it. */
  public final class Recording {
    private final Optional<String> failed;

    /** The address of the block {@link #mark()} allocated, 0 when it was not called. */
    private long mark;

    private Recording(Optional<String> failed) {
      this.failed = failed;
    }

    /** Whether it records: false when another check was recording or the profiler failed. */
    public boolean started() {
      return failed.isEmpty();
    }

    /**
     * Marks the end of the runs whose blocks {@link #stop} counts: only those allocated before the
     * mark and still unfreed at the stop, the blocks that outlast the runs after it. The mark is a
     * block of {@link #MARK_SIZE} bytes malloc'ed and freed at once, which the recording shows at
     * this point.
     */
    public void mark() {
      if (failed.isEmpty()) {
        long block = Native.malloc(MARK_SIZE);
        Native.free(block);
        mark = block;
      }
    }

    /**
     * Stops the recording and reads what was allocated and not freed while it ran: 15-40 ms in a
     * warm JVM (110 ms the first time).
     *
     * @param runs how many runs of the code it covered, for the message
     */
    public Seen stop(int runs) {
      if (failed.isPresent()) {
        return new NotRecorded(failed.get());
      }
      try {
        profiler.execute("stop");
        return unfreed(file, runs, mark);
      } catch (IOException | RuntimeException e) {
        return new NotRecorded("async-profiler's recording could not be read: " + e);
      } finally {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // Overwritten by the next recording, deleted when the JVM exits.
        }
        busy.set(false);
      }
    }
  }

  /** One {@code malloc} or {@code free} as recorded, in the order {@link #unfreed} replays them. */
  private record Call(Instant at, boolean free, long address, long size, RecordedEvent event) {}

  /**
   * The blocks a recording saw allocated and not freed, grouped by their site: the calls replayed
   * in time order (a thread's calls are written in batches, so a file is not ordered across
   * threads), each {@code free} ending the block last allocated at its address. With a {@code mark}
   * (the address of {@link Recording#mark()}'s block; 0 for none) only the blocks allocated before
   * it count.
   */
  static Seen unfreed(Path jfr, int runs, long mark) throws IOException {
    List<Call> calls = new ArrayList<>();
    try (RecordingFile recording = new RecordingFile(jfr)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        String type = e.getEventType().getName();
        if (type.equals(MALLOC)) {
          calls.add(new Call(e.getStartTime(), false, e.getLong("address"), e.getLong("size"), e));
        } else if (type.equals(FREE)) {
          calls.add(new Call(e.getStartTime(), true, e.getLong("address"), 0, null));
        }
      }
    }
    calls.sort(Comparator.comparing(Call::at)); // stable: a thread's own calls keep their order
    Map<Long, Call> live = new HashMap<>();
    Set<Call> beforeMark = null;
    for (Call c : calls) {
      if (mark != 0 && beforeMark == null && isMark(c, mark)) {
        beforeMark = Collections.newSetFromMap(new IdentityHashMap<>());
        beforeMark.addAll(live.values());
      }
      if (c.free()) {
        live.remove(c.address());
      } else {
        live.put(c.address(), c);
      }
    }
    if (mark != 0 && beforeMark == null) {
      return new NotRecorded("the recording does not show the mark between the runs");
    }
    if (beforeMark != null) {
      live.values().retainAll(beforeMark);
    }
    Map<StackTraceElement, long[]> bySite = new LinkedHashMap<>();
    long blocks = 0;
    long bytes = 0;
    for (Call c : live.values()) {
      Optional<StackTraceElement> site = site(c.event().getStackTrace());
      if (site.isPresent()) {
        long[] sum = bySite.computeIfAbsent(site.get(), k -> new long[2]);
        sum[0]++;
        sum[1] += c.size();
        blocks++;
        bytes += c.size();
      }
    }
    List<Site> top =
        bySite.entrySet().stream()
            .map(e -> new Site(e.getKey(), e.getValue()[0], e.getValue()[1]))
            .sorted(Comparator.comparingLong(Site::bytes).reversed())
            .limit(TOP)
            .toList();
    return new Recorded(top, blocks, bytes, runs);
  }

  /**
   * Whether a call is {@link Recording#mark()}'s malloc: its address and size, and its frame (code
   * that mallocs and frees a block of that size just before could get the same address back).
   */
  private static boolean isMark(Call c, long mark) {
    if (c.free() || c.address() != mark || c.size() != MARK_SIZE) {
      return false;
    }
    RecordedStackTrace stack = c.event().getStackTrace();
    return stack != null
        && stack.getFrames().stream()
            .anyMatch(
                f ->
                    f.getMethod() != null
                        && f.getMethod().getName().equals("mark")
                        && f.getMethod().getType().getName().equals(Recording.class.getName()));
  }

  /**
   * The first frame, from the allocation outwards, of code that is not a callee; empty when
   * NoLeaks' own frame comes first (NoLeaks allocated it, or code it called), and for a block the
   * JVM malloc'ed for itself (its symbols, class metadata, a JIT's arenas: counted by Native Memory
   * Tracking as the JVM's), which the native frames tell: the JVM's library, and not its {@code
   * Unsafe.allocateMemory}, which is the application's.
   */
  static Optional<StackTraceElement> site(RecordedStackTrace stack) {
    if (stack == null) {
      return Optional.empty();
    }
    boolean jvm = false;
    boolean unsafe = false;
    for (RecordedFrame f : stack.getFrames()) {
      if (f.getMethod() == null) {
        continue;
      }
      String type = f.getMethod().getType().getName();
      if (NATIVE_FRAMES.contains(f.getType())) {
        jvm |= type.startsWith("libjvm");
        unsafe |= f.getMethod().getName().startsWith("Unsafe_");
        continue;
      }
      // JDK 25 shows no native frame of Unsafe's between os::malloc and allocateMemory0
      unsafe |= type.equals("jdk.internal.misc.Unsafe");
      if (jvm && !unsafe) {
        return Optional.empty();
      }
      jvm = false;
      // A lambda's hidden class is named after the class that made it.
      int lambda = type.indexOf("$$Lambda");
      String host = lambda > 0 ? type.substring(0, lambda) : type;
      if (own(host)) {
        return Optional.empty(); // NoLeaks allocated it, or code NoLeaks called
      }
      if (CALLEES.stream().anyMatch(host::startsWith)) {
        continue;
      }
      return Optional.of(
          new StackTraceElement(host, f.getMethod().getName(), fileOf(host), f.getLineNumber()));
    }
    return Optional.empty();
  }

  /**
   * The source file a class was most likely compiled from: its top-level class's simple name, with
   * {@code .java} (the recording has no file names).
   */
  static String fileOf(String className) {
    String simple = className.substring(className.lastIndexOf('.') + 1);
    int nested = simple.indexOf('$');
    return (nested > 0 ? simple.substring(0, nested) : simple) + ".java";
  }

  /**
   * Whether a class is NoLeaks' own: loaded from the code source this class was (NoLeaks' own
   * tests, in its packages, are not).
   */
  private static boolean own(String className) {
    if (!className.startsWith("dev.noleaks.")) {
      return false;
    }
    return OWN.computeIfAbsent(
        className,
        name -> {
          try {
            Class<?> c = Class.forName(name, false, NativeSites.class.getClassLoader());
            return Objects.equals(codeSource(c), codeSource(NativeSites.class));
          } catch (ClassNotFoundException | LinkageError e) {
            return false;
          }
        });
  }

  private static Optional<java.net.URL> codeSource(Class<?> c) {
    CodeSource source = c.getProtectionDomain().getCodeSource();
    return source == null ? Optional.empty() : Optional.ofNullable(source.getLocation());
  }
}
