package dev.noleaks.assertions;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.engine.Judgement;
import dev.noleaks.internal.engine.LeakCheck;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.report.Messages;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Assertions on what a piece of code leaks or allocates: {@code assertThatRunning(() ->
 * parse(doc)).repeated(20).doesNotLeak()}. Obtain it from {@link
 * MemoryAssertions#assertThatRunning(ThrowingCallable)}.
 *
 * <p>Each {@code doesNotLeak…} method runs the code and judges it like {@code @NoLeaks}:
 *
 * <ul>
 *   <li>Without {@link #repeated(int)}: one run between two settled snapshots; heap and native
 *       memory fail above their tolerances ({@code noleaks.heap.tolerance}, {@code
 *       noleaks.native.tolerance}, default 512 KB), descriptors, threads and buffers on any new
 *       one.
 *   <li>With {@code repeated(n)}: {@code warmup} unmeasured runs (default {@value
 *       Settings#DEFAULT_WARMUP}), then n measured runs with a settled reading after each; heap and
 *       native memory fail when they grow steadily (slope above {@code noleaks.heap.threshold} /
 *       {@code noleaks.native.threshold}, default 8 B and 48 B per run, and at least 9 of the last
 *       10 runs grew). Native memory's trend needs Native Memory Tracking ({@code
 *       -XX:NativeMemoryTracking=summary}): without it, it is not measured. Descriptors, threads
 *       and buffers are judged over all the runs together.
 * </ul>
 *
 * <p>Defaults come from system properties with the {@code noleaks.} prefix ({@code -D}); the JUnit
 * configuration is not visible to an assertion. If the code throws, the assertion fails with that
 * exception as its cause. A meter the platform cannot read fails a method that asks for it alone
 * ({@link #doesNotLeakNativeMemory()} on musl, say); {@link #doesNotLeak()} checks what it can.
 *
 * <p>Under JUnit's parallel execution the assertion cannot tell the code's descriptors, threads and
 * memory from those of tests running beside it: when another test ran while it measured, it fails
 * saying so and how to isolate the test ({@code @NoLeaks}, {@code @Isolated} or {@code
 * ResourceLock(Resources.GLOBAL)}), rather than judge readings that are not the code's.
 */
public final class CodeAssert extends AbstractAssert<CodeAssert, ThrowingCallable> {

  private final Settings configured;
  private int repeat;
  private Optional<Integer> warmup = Optional.empty();
  private final List<Pattern> ignoredThreads = new ArrayList<>();
  private final List<Pattern> ignoredDescriptors = new ArrayList<>();

  CodeAssert(ThrowingCallable code) {
    super(code, CodeAssert.class);
    this.configured = Settings.fromSystemProperties();
  }

  /**
   * Judges heap and native memory by their trend over {@code n} measured runs instead of a single
   * run's growth. 20–30 runs keep a check under a few seconds and find leaks of tens of bytes per
   * run. The same rule as {@code @NoLeaks(repeat)}: 0 is a single run, one to four runs are refused
   * (a single noisy reading would decide their trend).
   */
  public CodeAssert repeated(int n) {
    if (!Settings.validRepeat(n)) {
      throw new IllegalArgumentException(
          "repeated: \"" + n + "\" is not valid; expected " + Settings.REPEAT_FORM);
    }
    this.repeat = n;
    return myself;
  }

  /** Unmeasured runs before the measured ones; default {@value Settings#DEFAULT_WARMUP}. */
  public CodeAssert warmup(int w) {
    if (w < 0) {
      throw new IllegalArgumentException("warmup: " + w + " is not valid; expected a number ≥ 0");
    }
    this.warmup = Optional.of(w);
    return myself;
  }

  /** Thread names (whole-name regular expressions) that are not leaks. */
  public CodeAssert ignoringThreads(String... regex) {
    ignoredThreads.addAll(Ignores.patterns("ignoringThreads", regex));
    return myself;
  }

  /** Descriptor targets (whole-target regular expressions, e.g. {@code "/var/log/.*"}). */
  public CodeAssert ignoringDescriptors(String... regex) {
    ignoredDescriptors.addAll(Ignores.patterns("ignoringDescriptors", regex));
    return myself;
  }

  /** Leaks nothing: heap, native memory, descriptors, threads and buffers. */
  public CodeAssert doesNotLeak() {
    return check(EnumSet.allOf(Check.class), false);
  }

  /** Retains no Java heap (after full GCs). */
  public CodeAssert doesNotLeakHeap() {
    return check(EnumSet.of(Check.HEAP), true);
  }

  /** Leaks no native {@code malloc} memory. */
  public CodeAssert doesNotLeakNativeMemory() {
    return check(EnumSet.of(Check.NATIVE), true);
  }

  /** Leaves no file descriptor (file, socket, pipe, …) open. */
  public CodeAssert doesNotLeakDescriptors() {
    return check(EnumSet.of(Check.DESCRIPTORS), true);
  }

  /** Leaves no thread running. */
  public CodeAssert doesNotLeakThreads() {
    return check(EnumSet.of(Check.THREADS), true);
  }

  /** Leaves no direct or mapped buffer reachable. */
  public CodeAssert doesNotLeakBuffers() {
    return check(EnumSet.of(Check.BUFFERS), true);
  }

  /**
   * The calling thread allocates at most {@code size} ({@code "1 MB"}, {@code "64 KiB"}) in one run
   * of the code, measured exactly with {@code ThreadMXBean.getCurrentThreadAllocatedBytes}. The
   * {@link #warmup(int)} runs (none unless set) are not measured; with {@link #repeated(int)} the
   * largest run counts. Allocations by other threads the code uses are not included.
   */
  public CodeAssert allocatesAtMost(String size) {
    isNotNull();
    long limit = Sizes.parse(size);
    int w = warmup.orElse(0);
    int runs = Math.max(repeat, 1);
    Meters meters = LeakCheck.meters();
    int run = 0;
    long most = 0;
    try {
      for (; run < w; run++) {
        actual.call();
      }
      for (int i = 0; i < runs; i++, run++) {
        long before = meters.allocatedBytes();
        actual.call();
        most = Math.max(most, meters.allocatedBytes() - before);
      }
    } catch (Throwable t) {
      throw codeThrew(run + 1, w + runs, t);
    }
    if (most > limit) {
      failWithMessage("%s", Messages.allocatedTooMuch(limit, most, runs, w));
    }
    return myself;
  }

  private CodeAssert check(Set<Check> checks, boolean unavailableFails) {
    isNotNull();
    int w = warmup.orElse(repeat > 0 ? configured.warmup() : 0);
    Settings s =
        configured
            .withChecks(checks)
            .withIgnores(configured.ignores().plus(ignoredThreads, ignoredDescriptors))
            .withRepeat(repeat, w);
    int[] run = {0};
    Judgement judgement;
    try {
      judgement =
          LeakCheck.of(
              s,
              () -> {
                run[0]++;
                actual.call();
              });
    } catch (Throwable t) {
      throw codeThrew(run[0], w + Math.max(repeat, 1), t);
    }
    if (judgement.neighbours() > 0) {
      failWithMessage("%s", Messages.codeDisturbed(judgement.neighbours()));
    }
    List<Finding.Leak> leaks = judgement.leaks();
    List<Finding.Unavailable> unavailable = judgement.unavailable();
    if (!leaks.isEmpty()) {
      failWithMessage("%s", Messages.codeLeaked(leaks, unavailable, judgement.notes()));
    }
    if (unavailableFails && !unavailable.isEmpty()) {
      failWithMessage("%s", Messages.codeNotMeasured(unavailable));
    }
    return myself;
  }

  /** The code's exception as this assertion's failure: the user's {@code as(...)} kept. */
  private AssertionError codeThrew(int run, int runs, Throwable t) {
    AssertionError error = failure("%s", Messages.codeThrew(run, runs, t));
    error.initCause(t);
    return error;
  }
}
