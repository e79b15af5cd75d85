package dev.noleaks.internal.config;

import dev.noleaks.JavaThread;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.Sockets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Threads and descriptors that are not leaks: the JVM's, JUnit's, JNA's and NoLeaks' own, plus the
 * user's patterns. A pattern must match the whole thread name, or the whole descriptor target or,
 * for a socket, its description ({@code tcp 127.0.0.1:41234 → 127.0.0.1:5432 established}, {@code
 * tcp listening on 0.0.0.0:8080}, {@code unix /run/app.sock}: see {@link Sockets}). And the pools:
 * classes whose structures keep direct buffers for reuse, so that buffers held only through them
 * are not a leak.
 *
 * @param pools class names (binary, {@code a.b.Outer$Inner}); a path through one of them or a class
 *     nested in it holds what a pool keeps
 */
public record Ignores(List<Pattern> threads, List<Pattern> descriptors, List<String> pools) {

  /**
   * Where well-known pools keep the direct buffers they took: the JDK keeps up to 16 temporary
   * direct buffers per thread for I/O on heap buffers ({@code sun.nio.ch.Util$BufferCache}, until
   * the thread ends); Netty's adaptive allocator keeps chunks in its event loops' thread-local
   * magazines, its pooled allocator in arenas, chunks and per-thread caches.
   */
  public static final List<String> BUILT_IN_POOLS =
      List.of(
          "sun.nio.ch.Util$BufferCache",
          "io.netty.buffer.AdaptivePoolingAllocator",
          "io.netty.buffer.PoolArena",
          "io.netty.buffer.PoolChunk",
          "io.netty.buffer.PoolThreadCache");

  /** The accepted form of {@code noleaks.pools}. */
  public static final String POOLS_FORM =
      "comma-separated class names, binary form (com.example.Pool, com.example.Pool$Cache)";

  private static final Pattern CLASS_NAME =
      Pattern.compile(
          "[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*"
              + "(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");

  /**
   * Threads the JVM, JUnit and JNA start lazily and keep: compiler threads come and go with
   * -XX:+UseDynamicNumberOfCompilerThreads, the common pool grows on demand, JNA's cleaner and the
   * JDK's process reaper (JNA runs ldconfig when it loads) live for the rest of the run.
   */
  private static final List<String> BUILT_IN_THREADS =
      List.of(
          "C1 CompilerThread\\d*",
          "C2 CompilerThread\\d*",
          "Common-Cleaner",
          "Attach Listener",
          "Signal Dispatcher",
          "Reference Handler",
          "Finalizer",
          "Notification Thread",
          "Service Thread",
          "Monitor Deflation Thread",
          "Sweeper thread",
          "ForkJoinPool\\.commonPool-worker-\\d+",
          "process reaper",
          "JNA Cleaner",
          "junit-jupiter-timeout-watcher",
          // assertTimeoutPreemptively's and @Timeout(SEPARATE_THREAD)'s: JUnit shuts its executor
          // down as the call returns, and the thread ends a moment later (commons-csv's
          // CSVFormatTest.testPrintRecordNotBlockedByInstanceMonitor failed once for it)
          "junit-timeout-thread-\\d+",
          "surefire-forkedjvm-.*",
          "JFR .*",
          "RMI .*",
          "Keep-Alive-Timer",
          // AWT's (headless too): started by the first image or font use, lives with the JVM
          // (native-matrix/: failed the thread check 4 of 4 before it was listed)
          "Java2D Disposer");

  /**
   * Descriptors the JVM opens lazily and keeps: the entropy devices SecureRandom holds for the rest
   * of the run, libffi's closure trampoline file and the JDK's own files (modules image, CDS
   * archive, time zone data). Class path jars are opened before the first baseline instead of
   * ignored, so that a jar a test's own class loader leaves open is still caught.
   */
  private static final List<String> BUILT_IN_DESCRIPTORS =
      List.of(
          // the attach listener's socket, JVM-wide once a tool (jcmd, an agent such as Mockito's
          // inline mock maker attaching itself) has attached; its thread is ignored above. The
          // kernel's table shows the path it was bound to, before the JVM renamed it.
          "unix /tmp/\\.java_pid\\d+(\\.tmp)?",
          // the jar Mockito's inline mock maker appends to the boot class path, open for the JVM
          ".*/mockitoboot\\d+\\.jar( \\(deleted\\))?",
          "/dev/u?random",
          "/sys/fs/cgroup/.*",
          "/proc/(self|\\d+)/.*",
          "/tmp/ffi.* \\(deleted\\)",
          Pattern.quote(System.getProperty("java.home")) + "/.*");

  public static Ignores builtIn() {
    return new Ignores(compile(BUILT_IN_THREADS), compile(BUILT_IN_DESCRIPTORS), BUILT_IN_POOLS);
  }

  public Ignores {
    threads = List.copyOf(threads);
    descriptors = List.copyOf(descriptors);
    pools = List.copyOf(pools);
  }

  public Ignores plus(List<Pattern> moreThreads, List<Pattern> moreDescriptors) {
    List<Pattern> t = new ArrayList<>(threads);
    t.addAll(moreThreads);
    List<Pattern> d = new ArrayList<>(descriptors);
    d.addAll(moreDescriptors);
    return new Ignores(t, d, pools);
  }

  /** These with {@code morePools} as well. */
  public Ignores plusPools(List<String> morePools) {
    List<String> p = new ArrayList<>(pools);
    p.addAll(morePools);
    return new Ignores(threads, descriptors, p);
  }

  /**
   * The class names of {@code noleaks.pools} ({@code key}, for the error), each checked for the
   * binary form: a name that cannot be a class would match nothing and excuse nothing, silently.
   */
  public static List<String> poolClasses(String key, String text) {
    List<String> result = new ArrayList<>();
    for (String part : text.split(",")) {
      String name = part.trim();
      if (name.isEmpty()) {
        continue;
      }
      if (!CLASS_NAME.matcher(name.replace('$', '.')).matches()) {
        throw new IllegalArgumentException(
            key + ": \"" + name + "\" (in \"" + text + "\") is not valid; expected " + POOLS_FORM);
      }
      result.add(name);
    }
    return result;
  }

  public boolean ignoresThread(JavaThread thread) {
    // JUnit's parallel executor adds ForkJoin worker threads of its own class while tests run.
    return thread.type().startsWith("org.junit.") || matchesAny(threads, thread.name());
  }

  public boolean ignoresDescriptor(Descriptor descriptor) {
    return matchesAny(descriptors, descriptor.target());
  }

  /**
   * Whether a socket is ignored by its description; {@code sockets} is {@link Sockets#table()},
   * read once for all the sockets being judged.
   */
  public boolean ignoresSocket(Descriptor descriptor, java.util.Map<Long, String> sockets) {
    String description = sockets.get(Sockets.inode(descriptor.target()));
    return description != null && matchesAny(descriptors, description);
  }

  /**
   * Whether a descriptor is ignored by where it was opened (known with the NoLeaks agent only): a
   * pattern matches {@code opened by thread "NAME" at CLASS.METHOD} for one frame of the open's
   * stack, so {@code opened by thread "netty-.*" at .*} or {@code opened by .* at
   * com\.example\.TestServer\..*} ignores what that thread or class opened.
   *
   * @param thread the name of the thread that opened it
   * @param stack the open's stack
   */
  public boolean ignoresOpener(String thread, List<StackTraceElement> stack) {
    for (StackTraceElement frame : stack) {
      String opened =
          "opened by thread \""
              + thread
              + "\" at "
              + frame.getClassName()
              + "."
              + frame.getMethodName();
      if (matchesAny(descriptors, opened)) {
        return true;
      }
    }
    return false;
  }

  public static boolean matchesAny(List<Pattern> patterns, String text) {
    for (Pattern p : patterns) {
      if (p.matcher(text).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * User patterns given to a fluent assertion; a bad one names the method and the accepted form.
   */
  public static List<Pattern> patterns(String method, String... regexes) {
    List<Pattern> result = new ArrayList<>();
    for (String regex : regexes) {
      try {
        result.add(Pattern.compile(regex));
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new IllegalArgumentException(
            method
                + ": \""
                + regex
                + "\" is not valid; expected a Java regular expression ("
                + e.getDescription()
                + ")",
            e);
      }
    }
    return result;
  }

  private static List<Pattern> compile(List<String> regexes) {
    return regexes.stream().map(Pattern::compile).toList();
  }
}
