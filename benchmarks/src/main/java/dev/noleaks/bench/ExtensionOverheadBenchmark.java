package dev.noleaks.bench;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.noleaks.assertions.Snapshot;
import dev.noleaks.junit.NoLeaks;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code @NoLeaks} adds to a test: the same class of {@value #TESTS} small tests run through
 * the JUnit Platform launcher with and without the annotation, reported per test ({@code
 * OperationsPerInvocation}); the difference of the two is the added wall time per test. Several
 * tests per launch, as in a real suite: a test's heap baseline is derived from the previous check
 * when nothing much ran in between, and a launch's discovery is much. Also the cost of {@link
 * Snapshot#now()}, a snapshot without GC or settling. The small test allocates ~1 KB, which a check
 * bounds without a GC; the allocating one 1 MB of garbage, so each of its checks runs a full GC.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx256m", "-XX:NativeMemoryTracking=summary"})
public class ExtensionOverheadBenchmark {

  /** Tests per launch. */
  static final int TESTS = 20;

  /** A test that does a little real work, so the JIT has something to compile. */
  public static class Plain {
    @RepeatedTest(TESTS)
    void test() {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 100; i++) {
        b.append(i);
      }
      if (b.length() == 0) {
        throw new AssertionError();
      }
    }
  }

  /** The same test, checked by NoLeaks. */
  @NoLeaks
  public static class Checked extends Plain {}

  /**
   * A test that allocates 1 MB of garbage: more than a check can bound without a GC, so each one
   * costs a full GC after it.
   */
  public static class Allocating {
    static volatile Object sink;

    @RepeatedTest(TESTS)
    void test() {
      for (int i = 0; i < 128; i++) {
        sink = new long[1024];
      }
      sink = null;
    }
  }

  /** The same test, checked by NoLeaks. */
  @NoLeaks
  public static class AllocatingChecked extends Allocating {}

  private Launcher launcher;
  private LauncherDiscoveryRequest plain;
  private LauncherDiscoveryRequest checked;
  private LauncherDiscoveryRequest allocating;
  private LauncherDiscoveryRequest allocatingChecked;

  @Setup(Level.Trial)
  public void setUp() {
    launcher = LauncherFactory.create();
    plain = request(Plain.class);
    checked = request(Checked.class);
    allocating = request(Allocating.class);
    allocatingChecked = request(AllocatingChecked.class);
  }

  private static LauncherDiscoveryRequest request(Class<?> tests) {
    return LauncherDiscoveryRequestBuilder.request().selectors(selectClass(tests)).build();
  }

  private long run(LauncherDiscoveryRequest request) {
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    launcher.execute(request, summary);
    if (summary.getSummary().getTotalFailureCount() != 0) {
      throw new IllegalStateException(summary.getSummary().getFailures().toString());
    }
    return summary.getSummary().getTestsSucceededCount();
  }

  @Benchmark
  @OperationsPerInvocation(TESTS)
  public long testWithoutNoLeaks() {
    return run(plain);
  }

  @Benchmark
  @OperationsPerInvocation(TESTS)
  public long testWithNoLeaks() {
    return run(checked);
  }

  @Benchmark
  @OperationsPerInvocation(TESTS)
  public long allocatingTestWithoutNoLeaks() {
    return run(allocating);
  }

  @Benchmark
  @OperationsPerInvocation(TESTS)
  public long allocatingTestWithNoLeaks() {
    return run(allocatingChecked);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Snapshot snapshotWithoutGc() {
    return Snapshot.now();
  }
}
