package dev.noleaks.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** Runs fixture test classes through the JUnit Platform Test Kit, as a user's build would. */
final class TestKit {

  private TestKit() {}

  static EngineExecutionResults run(Class<?> fixture, String... parameters) {
    return run(List.of(fixture), parameters);
  }

  static EngineExecutionResults run(List<Class<?>> fixtures, String... parameters) {
    EngineTestKit.Builder kit =
        EngineTestKit.engine("junit-jupiter")
            .selectors(
                fixtures.stream()
                    .map(c -> selectClass(c))
                    .toArray(n -> new org.junit.platform.engine.DiscoverySelector[n]));
    for (int i = 0; i < parameters.length; i += 2) {
      kit = kit.configurationParameter(parameters[i], parameters[i + 1]);
    }
    return kit.execute();
  }

  /** The one failure of a fixture with one test; fails when it passed. */
  static Throwable failureOf(Class<?> fixture, String... parameters) {
    EngineExecutionResults results = run(fixture, parameters);
    List<Event> failed = results.testEvents().failed().list();
    assertThat(failed)
        .as("%s should fail, events: %s", fixture.getSimpleName(), results.allEvents().list())
        .hasSize(1);
    return failed.get(0).getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
  }

  /** A thread's body that waits until {@code release} is counted down (or it is interrupted). */
  static Runnable awaiting(java.util.concurrent.CountDownLatch release) {
    return () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** What a failed test threw. */
  static Throwable thrown(Event failed) {
    return failed.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
  }

  /** Asserts that every test of the fixture passed, showing the failure when one did not. */
  static EngineExecutionResults assertPasses(Class<?> fixture, String... parameters) {
    EngineExecutionResults results = run(fixture, parameters);
    List<Event> failed = results.testEvents().failed().list();
    assertThat(failed)
        .as(
            "%s should pass but failed with: %s",
            fixture.getSimpleName(),
            failed.stream()
                .map(
                    e ->
                        e.getRequiredPayload(TestExecutionResult.class)
                            .getThrowable()
                            .map(TestKit::describe)
                            .orElse("?"))
                .toList())
        .isEmpty();
    assertThat(results.testEvents().succeeded().count()).isPositive();
    return results;
  }

  /** Every report entry value published during the run, keyed by entry key. */
  static List<Map.Entry<String, String>> reportEntries(EngineExecutionResults results) {
    return results.allEvents().reportingEntryPublished().stream()
        .map(e -> e.getRequiredPayload(ReportEntry.class))
        .flatMap(r -> r.getKeyValuePairs().entrySet().stream())
        .toList();
  }

  static String describe(Throwable t) {
    return t
        + Arrays.stream(t.getSuppressed())
            .map(s -> "\n  suppressed: " + s)
            .reduce("", String::concat);
  }

  /**
   * Frees a direct buffer now: one a fixture dropped would be garbage in the next check's baseline
   * until a GC, and hide a buffer that check keeps.
   */
  static void free(java.nio.ByteBuffer buffer) {
    UNSAFE.invokeCleaner(buffer);
  }

  private static final sun.misc.Unsafe UNSAFE = unsafe();

  private static sun.misc.Unsafe unsafe() {
    try {
      java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
