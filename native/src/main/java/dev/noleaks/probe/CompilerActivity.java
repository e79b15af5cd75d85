package dev.noleaks.probe;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * CPU time the JIT compiler threads have used, in nanoseconds, from {@code
 * /proc/self/task/<tid>/schedstat} (Linux; the first field is time on CPU in ns).
 *
 * <p>Why not {@code CompilationMXBean.getTotalCompilationTime()} alone: it advances only when a
 * compilation finishes, so a C2 compile that runs for 50–500 ms looks quiet the whole time while
 * its arenas move native readings by KB to MB. A compiler thread's CPU clock moves while it works.
 * The file is read into one preallocated array through {@link FileInputStream} (reads under 8 KB go
 * through a stack buffer in the JDK's native code), so reading it does not allocate native memory.
 */
public final class CompilerActivity {

  /**
   * Compiler threads' {@code comm} names: "C1 CompilerThre", "C2 CompilerThre" (15 characters), and
   * "JVMCI CompilerT" on Graal.
   */
  private static final List<String> PREFIXES = List.of("C1 Compiler", "C2 Compiler", "JVMCI");

  private final Probe probe;
  private final byte[] buffer = new byte[256];

  private CompilerActivity(Probe probe) {
    this.probe = probe;
  }

  /** Present when this platform has per-thread {@code schedstat} and names compiler threads. */
  public static Optional<CompilerActivity> open(Probe probe) {
    CompilerActivity activity = new CompilerActivity(probe);
    return activity.cpuNanos().isPresent() ? Optional.of(activity) : Optional.empty();
  }

  /**
   * Summed CPU time of the live compiler threads; empty when it cannot be read. A compiler thread
   * that exits (dynamic compiler threads) lowers the sum, which callers treat as a change too.
   */
  public synchronized Optional<Long> cpuNanos() {
    Optional<List<NativeThread>> threads = probe.nativeThreads().toOptional();
    if (threads.isEmpty()) {
      return Optional.empty();
    }
    long sum = 0;
    int found = 0;
    for (NativeThread t : threads.get()) {
      if (isCompiler(t.name())) {
        long nanos = schedstat(t.tid());
        if (nanos >= 0) {
          sum += nanos;
          found++;
        }
      }
    }
    return found == 0 ? Optional.empty() : Optional.of(sum);
  }

  static boolean isCompiler(String threadName) {
    for (String prefix : PREFIXES) {
      if (threadName.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The first field of the thread's schedstat, or -1 (the thread exited, or no schedstat). */
  private long schedstat(int tid) {
    int length;
    try (FileInputStream in = new FileInputStream("/proc/self/task/" + tid + "/schedstat")) {
      length = in.read(buffer, 0, buffer.length);
    } catch (IOException e) {
      return -1;
    }
    return parseFirst(buffer, length);
  }

  static long parseFirst(byte[] bytes, int length) {
    long value = 0;
    int i = 0;
    for (; i < length && bytes[i] >= '0' && bytes[i] <= '9'; i++) {
      value = value * 10 + (bytes[i] - '0');
    }
    return i == 0 ? -1 : value;
  }
}
