package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.noleaks.Check;
import dev.noleaks.LeakError;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** {@code @NoLeaks(repeat = N)}: leaky fixtures fail with the delta series, clean ones pass. */
class RepeatedModeTest {

  static final List<Object> RETAINED = new ArrayList<>();
  static final AtomicInteger CALLS = new AtomicInteger();
  static final List<String> LIFECYCLE = new ArrayList<>();
  static volatile CountDownLatch stop = new CountDownLatch(1);
  static long sink;

  // ---- leaky fixtures ----

  static class HeapLeak16 {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void keepsOneObjectPerRun() {
      RETAINED.add(new Object());
    }
  }

  static class NativeLeak64 {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void mallocs64BytesPerRun() {
      Native.malloc(64);
    }
  }

  static class JitHeavyNativeLeak1K {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void mallocs1KbPerRunAmongJitHeavyWork() {
      sink += JitHeavy.work();
      Native.malloc(1024);
    }
  }

  static class ThreadLeakRepeated {
    // Native skipped: starting the thread moves native readings, which can make repeated mode
    // measure more runs (see RepeatedRun), and this test counts the runs.
    @Test
    @NoLeaks(repeat = 5, warmup = 0, skip = Check.NATIVE)
    void startsAThreadOnce() {
      if (CALLS.getAndIncrement() == 0) {
        Thread t = new Thread(RepeatedModeTest::awaitStop, "repeated-leaker");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  static class FailsOnThirdRun {
    @BeforeEach
    void before() {
      LIFECYCLE.add("before");
    }

    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void failsOnTheThirdRun() {
      LIFECYCLE.add("run");
      if (CALLS.incrementAndGet() == 3) {
        throw new IllegalStateException("the third run broke");
      }
    }

    @AfterEach
    void after() {
      LIFECYCLE.add("after");
    }
  }

  static class RepeatedFactory {
    @TestFactory
    @NoLeaks(repeat = 10)
    Stream<DynamicTest> tests() {
      return Stream.of(DynamicTest.dynamicTest("one", () -> {}));
    }
  }

  // ---- clean fixtures ----

  static class MallocFree {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void freesWhatItMallocs() {
      Pointer p = new Pointer(Native.malloc(64));
      p.setLong(0, 42);
      Native.free(Pointer.nativeValue(p));
    }
  }

  static class JitHeavyClean {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void compilesALot() {
      sink += JitHeavy.work();
    }
  }

  static class DroppedDirectBuffer {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void dropsADirectBuffer() {
      ByteBuffer b = ByteBuffer.allocateDirect(4096);
      b.putLong(0, 42);
      sink += b.getLong(0);
    }
  }

  static class ThreadJoined {
    // Native skipped: on JDK 17 join() inflates the thread's monitor, a ~240 B malloc the JVM frees
    // only when it deflates idle monitors (up to 60 s later), so native memory rises every run
    // unless Native Memory Tracking is on (then the monitor is the JVM's own malloc, subtracted).
    @Test
    @NoLeaks(repeat = 20, warmup = 5, skip = Check.NATIVE)
    void startsAndJoinsAThread() throws InterruptedException {
      Thread t = new Thread(() -> sink++, "joined-worker");
      t.start();
      t.join();
    }
  }

  static class BoundedCache {
    /** An LRU cache of 4 entries: full after the warm-up, then one entry out for one in. */
    static final Map<Integer, byte[]> CACHE =
        new LinkedHashMap<>(8, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
            return size() > 4;
          }
        };

    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void cachesTheLatestEntries() {
      int key = CALLS.incrementAndGet();
      CACHE.put(key, new byte[100]);
    }
  }

  static class ParameterizedClean {
    @ParameterizedTest
    @ValueSource(ints = {16, 256})
    @NoLeaks(repeat = 10, warmup = 2)
    void freesWhatItMallocs(int size) {
      Native.free(Native.malloc(size));
    }
  }

  static class ParameterizedLeak {
    @ParameterizedTest
    @ValueSource(ints = {1024})
    @NoLeaks(repeat = 20, warmup = 5)
    void leaks(int size) {
      Native.malloc(size);
    }
  }

  static class CountedRuns {
    @Test
    @NoLeaks(repeat = 20, warmup = 5, checks = Check.HEAP)
    void counts() {
      CALLS.incrementAndGet();
    }
  }

  static void awaitStop() {
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @BeforeEach
  void reset() {
    RETAINED.clear();
    CALLS.set(0);
    LIFECYCLE.clear();
  }

  @AfterEach
  void stopThreads() {
    stop.countDown();
    stop = new CountDownLatch(1);
  }

  @Test
  void aLeakOfOneObjectPerRunIsCaughtWithTheClassThatGrew() {
    // 16 B/run is twice the 8 B threshold: under load the fluent twin of this leak missed 1 time
    // in 40, so as there, up to three attempts, one catch required.
    Throwable failure = caughtInOneOfThree(HeapLeak16.class);

    assertThat(failure)
        .isInstanceOf(LeakError.class)
        .hasMessageMatching("(?s).*heap grew in (9|10) of the last 10 runs: \\[\\+.*")
        .hasMessageContaining("threshold 8 B")
        .hasMessageContaining("java.lang.Object (+")
        .hasMessageContaining("20 measured runs after 5 warm-up runs");
    assertThat(failure.getMessage()).doesNotContainIgnoringCase("native memory grew");
  }

  /**
   * A 64 B/run leak sits just above the 48 B threshold. It was missed about 1 run in 10 in a fresh
   * JVM: the blocks the diagnostic command itself leaves per call were estimated once, sometimes
   * wrongly, and then every reading looked disturbed. With the median of five estimates after the
   * warm-up: caught 37 of 37 times on JDK 17, 15 of 16 on JDK 25 (whose JIT keeps compiling through
   * the first test of a JVM), then 18 of 20 on JDK 25: its idle compiler threads stop and start,
   * and glibc frees a thread's cache when it ends, which read as -464 B in runs that looked
   * undisturbed. With thread changes counted as disturbances: 20 of 20 on JDK 25, 10 of 10 on JDK
   * 17 (fresh JVMs, one attempt each). Under a load of 5 to 8 on 2 cores, most runs are disturbed;
   * with fewer than 10 undisturbed ones the check says it could not judge rather than pass (three
   * misses in three attempts were seen, on both JDKs, before it did). So: caught in one of up to
   * three attempts, or every attempt said it could not judge; never a silent pass.
   */
  @Test
  void aMallocOf64BytesPerRunIsCaughtOrSaidNotJudged() {
    List<String> notJudged = new ArrayList<>();
    for (int attempt = 0; attempt < 3; attempt++) {
      EngineExecutionResults results = TestKit.run(NativeLeak64.class);
      List<Throwable> caught = results.testEvents().failed().stream().map(TestKit::thrown).toList();
      if (!caught.isEmpty()) {
        assertThat(caught.get(0))
            .isInstanceOf(LeakError.class)
            .extracting(Throwable::getMessage)
            .asString()
            .matches(
                "(?s).*native memory grew in (9|10) of the last 10 runs: \\[.*\\] B, slope"
                    + " \\d+ B/run \\(threshold 48 B.*");
        return;
      }
      TestKit.reportEntries(results).stream()
          .filter(e -> e.getKey().equals("noleaks.unavailable.native"))
          .map(Map.Entry::getValue)
          .forEach(notJudged::add);
      assertThat(notJudged)
          .as("attempt %d neither caught the leak nor said it could not judge", attempt + 1)
          .hasSize(attempt + 1);
    }
    assertThat(notJudged).allMatch(v -> v.contains("the trend could not be judged"));
  }

  /** The failure of a fixture's one test in the first of up to three runs that catches it. */
  private static Throwable caughtInOneOfThree(Class<?> fixture) {
    List<Throwable> caught = new ArrayList<>();
    for (int attempt = 0; attempt < 3 && caught.isEmpty(); attempt++) {
      TestKit.run(fixture).testEvents().failed().stream().map(TestKit::thrown).forEach(caught::add);
    }
    assertThat(caught).as("%s caught in one of three attempts", fixture.getSimpleName()).hasSize(1);
    return caught.get(0);
  }

  @Test
  void aKilobytePerRunIsCaughtInJitHeavyCode() {
    assertThat(failureOf(JitHeavyNativeLeak1K.class))
        .hasMessageMatching("(?s).*native memory grew in (9|10) of the last 10 runs: .*");
  }

  @Test
  void descriptorsThreadsAndBuffersStillFailOnAnyNewOne() {
    assertThat(failureOf(ThreadLeakRepeated.class))
        .hasMessageContaining("1 thread leaked: \"repeated-leaker\"");
    assertThat(CALLS).hasValue(5);
  }

  @Test
  void aFailingRunIsTheTestsFailureAndEndsTheRepetitionInOneLifecycle() {
    Throwable failure = failureOf(FailsOnThirdRun.class);

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessage("the third run broke");
    assertThat(LIFECYCLE).containsExactly("before", "run", "run", "run", "after");
  }

  @Test
  void aTestFactoryIsRefused() {
    Throwable failure =
        TestKit.run(RepeatedFactory.class).allEvents().failed().stream()
            .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow())
            .findFirst()
            .orElseThrow();
    assertThat(failure)
        .hasMessageContaining("is a @TestFactory: repeat = 10 would repeat building its dynamic");
  }

  @Test
  void eachParameterizedInvocationIsRepeated() {
    assertPasses(ParameterizedClean.class);
    assertThat(failureOf(ParameterizedLeak.class)).hasMessageContaining("native memory grew in");
  }

  @Test
  void cleanBodiesPass() {
    assertPasses(MallocFree.class);
    assertPasses(JitHeavyClean.class);
    assertPasses(DroppedDirectBuffer.class);
    assertPasses(ThreadJoined.class);
    assertPasses(BoundedCache.class);
  }

  @Test
  void theCleanBodyRunsWarmupPlusRepeatTimes() {
    assertPasses(CountedRuns.class);
    assertThat(CALLS).hasValue(25);
  }
}
