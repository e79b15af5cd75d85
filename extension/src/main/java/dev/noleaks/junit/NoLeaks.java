package dev.noleaks.junit;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.ResourceLockTarget;
import org.junit.jupiter.api.parallel.Resources;

/**
 * Fails the annotated test (or every test of the annotated class) when it leaks: Java heap retained
 * after GC, native {@code malloc} memory, file descriptors and sockets, threads, direct and mapped
 * buffers.
 *
 * <p>Descriptors, threads, buffers and native memory are compared from before the first {@code
 * BeforeEach} method to after the last {@code AfterEach} method. The heap is compared from just
 * before the test method (after the {@code BeforeEach} methods, so a fixture they keep in fields is
 * not growth) to after the last {@code AfterEach} method.
 *
 * <p>Every attribute left at its default takes its value from the JUnit configuration parameter
 * named beside it ({@code junit-platform.properties} or {@code -D}); an attribute given here beats
 * the configuration. Sizes are human sizes: {@code "512 KB"} (1000-based), {@code "1 MiB"}
 * (1024-based), {@code "64 B"}. Durations: {@code "5s"}, {@code "250ms"}, {@code "PT5S"}.
 *
 * <p>Tests annotated with {@code @NoLeaks} read process-wide meters, so under parallel execution
 * they run isolated (JUnit's global read-write lock) and other tests cannot disturb them.
 *
 * <p>Usable as a meta-annotation: put it on your own annotation to share a configuration.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith({JupiterVersionCheck.class, NoLeaksExtension.class})
@ResourceLock(value = Resources.GLOBAL, target = ResourceLockTarget.SELF)
public @interface NoLeaks {

  /**
   * The checks to run; empty means {@code noleaks.checks} (default: all of them). Example: {@code
   * checks = {Check.DESCRIPTORS, Check.THREADS}}.
   */
  Check[] checks() default {};

  /** Checks to switch off; empty means {@code noleaks.skip} (default: none). */
  Check[] skip() default {};

  /**
   * Heap growth allowed in single-run mode; {@code noleaks.heap.tolerance}, default {@value
   * Settings#DEFAULT_HEAP_TOLERANCE}. A test whose threads allocated no more than half this (and no
   * more than 256 KB) cannot have grown the heap past it, and is checked without a GC. When the
   * heap baseline is derived from the last full GC instead of running one, growth may be
   * understated by what was allocated in between, at most half this tolerance and 256 KB, and is
   * never overstated.
   */
  String heapTolerance() default "";

  /**
   * Native {@code malloc} growth allowed in single-run mode; {@code noleaks.native.tolerance},
   * default {@value Settings#DEFAULT_NATIVE_TOLERANCE}.
   */
  String nativeTolerance() default "";

  /**
   * Measured runs of the test method's body: 0 for a single run checked by the tolerances, or at
   * least {@value Settings#MIN_REPEAT} for repeated mode; -1 (the default) means {@code
   * noleaks.repeat} (default 0). With {@code repeat = N} the body runs {@code warmup} times
   * unmeasured, then N times with a settled snapshot after each, and memory leaks when it grows
   * steadily (see the README). Only the test method's body is repeated, inside one {@code
   * BeforeEach}/{@code AfterEach} lifecycle. {@code repeat = 0} forces a single run where the
   * configuration sets a repeat count (a {@code @TestFactory}, say). One to four runs are refused:
   * the trend of so few runs is decided by a single noisy reading.
   */
  int repeat() default -1;

  /** Unmeasured runs before the measured ones; -1 means {@code noleaks.warmup}. */
  int warmup() default -1;

  /**
   * Heap growth per run that counts as a leak in repeated mode; {@code noleaks.heap.threshold},
   * default {@value Settings#DEFAULT_HEAP_THRESHOLD} per run.
   */
  String heapThreshold() default "";

  /**
   * Native growth per run that counts as a leak in repeated mode; {@code noleaks.native.threshold},
   * default {@value Settings#DEFAULT_NATIVE_THRESHOLD} per run.
   */
  String nativeThreshold() default "";

  /**
   * How long to wait for buffers, descriptors and threads to stop changing before a snapshot;
   * {@code noleaks.settle.timeout}, default {@value Settings#DEFAULT_SETTLE_TIMEOUT}.
   */
  String settleTimeout() default "";

  /**
   * Regular expressions of thread names that are not leaks, on top of the JVM's, JUnit's and JNA's
   * own; added to {@code noleaks.ignore.threads} (comma-separated).
   */
  String[] ignoreThreads() default {};

  /**
   * Regular expressions of descriptor targets that are not leaks ({@code "/var/log/.*"}); added to
   * {@code noleaks.ignore.descriptors} (comma-separated).
   */
  String[] ignoreDescriptors() default {};

  /** Whether findings fail the test; {@link Mode#CONFIGURED} means {@code noleaks.mode}. */
  Mode mode() default Mode.CONFIGURED;

  /**
   * Whether a single run whose memory (heap, native, buffers) grew above its tolerance (the heap:
   * above half of it) runs once more, so that what only its first run kept (a JVM-wide first use:
   * classes loaded, a mock maker attached, a cache filled once) is told apart from a leak, which
   * grows again on the second run; {@link Rerun#CONFIGURED} means {@code noleaks.rerun}. See {@link
   * Rerun#ON_GROWTH}.
   */
  Rerun rerun() default Rerun.CONFIGURED;

  /** When a test's method runs a second time. */
  enum Rerun {
    /** Use {@code noleaks.rerun} ({@code on-growth} unless set). */
    CONFIGURED,
    /**
     * When memory grew above its tolerance in the single run (the heap: above half of it), the
     * method runs once more on the same test instance, before any {@code @AfterEach} method, and
     * memory is judged on that second run; what the first run alone kept is reported as retained
     * once, not failed. Heap growth under its tolerance in the first run fails only over both runs
     * and the tear-down, and only when the second run and the tear-down added more than half the
     * tolerance. Descriptors and threads are judged over both runs. A second run that throws leaves
     * the first run's findings. Without Native Memory Tracking, when native memory grew, the method
     * runs a third time: the allocation hooks record the second and third runs, and native memory
     * is judged by the blocks the second run allocated and left unfreed through the third and the
     * tear-down (glibc's figures hold the JVM's own malloc, which it hands back by MBs).
     */
    ON_GROWTH,
    /**
     * Never: memory is judged on the single run, first uses included (for tests that cannot run
     * twice).
     */
    NEVER
  }

  /** What happens to findings. */
  enum Mode {
    /** Use {@code noleaks.mode} ({@code fail} unless set). */
    CONFIGURED,
    /** Findings fail the test. */
    FAIL,
    /** Findings are reported (report entries and the log) but the test passes. */
    WARN
  }
}
