package dev.noleaks.assertions;

import static dev.noleaks.assertions.MemoryAssertions.assertThat;
import static dev.noleaks.assertions.MemoryAssertions.assertThatRunning;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Native;
import dev.noleaks.internal.measure.Settler;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/** Every fluent assertion against a real leak it must catch and a clean case it must pass. */
@ResourceLock(Resources.GLOBAL)
class MemoryAssertionsTest {

  static final List<Object> RETAINED = new ArrayList<>();
  static final List<AutoCloseable> OPEN = new ArrayList<>();
  static volatile CountDownLatch stop = new CountDownLatch(1);
  static long sink;

  @TempDir Path dir;

  @AfterEach
  void cleanUp() throws Exception {
    RETAINED.clear();
    for (AutoCloseable c : OPEN) {
      c.close();
    }
    OPEN.clear();
    stop.countDown();
    stop = new CountDownLatch(1);
    // Wait for them to end: one ending during the next test's repeated runs frees its objects
    // there, a negative heap delta that can hide that test's 16 B/run leak.
    for (Thread t : WAITING) {
      t.join(5_000);
    }
    WAITING.clear();
  }

  /** Threads of these tests that wait for {@link #stop}. */
  static final List<Thread> WAITING = new java.util.concurrent.CopyOnWriteArrayList<>();

  static void awaitStop() {
    WAITING.add(Thread.currentThread());
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Path file() throws Exception {
    return Files.writeString(dir.resolve("data.txt"), "data");
  }

  /**
   * 16 B/run is twice the 8 B threshold, and under load an object that another thread holds for a
   * moment moves heap readings by tens of bytes either way: deltas [.., -16, +48, -16] and [..,
   * +18,080, -64, +96, -64] missed the leak, 1 time in 40 in one JVM with the machine's load at 9,
   * on this version and on the one before the class histograms changed alike. Two attempts, one
   * catch required, as for the native 64 B/run leak below: it still fails when the rule cannot see
   * 16 B/run.
   */
  @Test
  void repeatedHeapLeakFailsWithTheDeltasAndTheClass() {
    org.assertj.core.api.Assertions.assertThat(
            caughtInOneOfThree(
                () ->
                    assertThatRunning(() -> RETAINED.add(new Object()))
                        .repeated(20)
                        .doesNotLeakHeap()))
        .contains("code leaked (1 finding):")
        .contains("heap grew in ")
        .matches("(?s).* of the last 10 runs: \\[[+-]\\d.*slope 16 B/run.*")
        // About 20, not exactly: the histograms count the whole heap, and other code may add an
        // Object or two once during the runs (+19 was reported on JDK 25 under load when the first
        // histogram also counted garbage; +4 unrelated Objects were measured since). 25 would mean
        // the warm-up runs were counted.
        .matches("(?s).*: \\+(19|2[0-4]) java\\.lang\\.Object \\(\\+\\d+ B\\).*");
  }

  /**
   * The message of the assertion error {@code check} throws in the first of up to three attempts
   * that catches the leak; fails when all three passed. For leaks just above a threshold, whose
   * detection noise on a busy machine defeats about 1 time in 10 to 40 (twice in a row once, under
   * a load of 6.5 on 2 cores).
   */
  private static String caughtInOneOfThree(Runnable check) {
    List<AssertionError> caught = new ArrayList<>();
    for (int attempt = 0; attempt < 3 && caught.isEmpty(); attempt++) {
      try {
        check.run();
      } catch (AssertionError e) {
        caught.add(e);
      }
      RETAINED.clear();
    }
    org.assertj.core.api.Assertions.assertThat(caught)
        .as("caught in one of three attempts")
        .hasSize(1);
    return caught.get(0).getMessage();
  }

  /**
   * A thread that ends frees its objects in the next heap reading, a negative delta: two such runs
   * among the last 10 hide a 16 B/run leak from the rule (checked: without leaving them out this
   * test fails). The runs in which a thread ended are left out then. Two attempts, one catch
   * required, as for the leak above: 16 B/run is twice the threshold and missed once in a whole
   * build with both cores kept busy by two {@code yes} processes.
   */
  @Test
  void aRepeatedHeapLeakIsCaughtWhileThreadsEndDuringTheRuns() {
    org.assertj.core.api.Assertions.assertThat(
            caughtInOneOfThree(MemoryAssertionsTest::leakWhileThreadsEndDuringTheRuns))
        .contains("heap grew in ")
        .contains("a thread ended during ");
    // The classes that grew are not checked: in a fresh JVM, starting the first thread from a
    // lambda loads classes that outweigh 20 objects.
  }

  /** 16 B/run, while a thread starts and ends during two of the last 10 runs. */
  private static void leakWhileThreadsEndDuringTheRuns() {
    int[] call = {0};
    CountDownLatch[] release = {null};
    Thread[] holder = {null};
    assertThatRunning(
            () -> {
              RETAINED.add(new Object());
              call[0]++;
              // 5 warm-up runs, then 20 measured: calls 16 to 25 are the last 10.
              if (call[0] == 17 || call[0] == 21) {
                CountDownLatch latch = new CountDownLatch(1);
                release[0] = latch;
                holder[0] =
                    new Thread(
                        () -> {
                          byte[] held = new byte[8192];
                          try {
                            latch.await();
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          sink += held.length;
                        });
                holder[0].start();
              } else if (call[0] == 18 || call[0] == 22) {
                release[0].countDown();
                holder[0].join();
                holder[0] = null;
              }
            })
        .repeated(20)
        .doesNotLeakHeap();
  }

  @Test
  void repeatedCleanHeapPasses() {
    assertThatRunning(() -> sink += new Object().hashCode()).repeated(20).doesNotLeakHeap();
  }

  @Test
  void repeatedNativeLeakFailsAndFreedMemoryPasses() {
    // The fluent path of repeated mode, with a leak well below any single-run tolerance. 256 B/run,
    // not the 48 B threshold's edge (RepeatedModeTest holds that): at 64 B/run the fluent twin was
    // missed in 3 of 3 attempts once in 6 JDK 17 builds and twice in 6 JDK 25 builds, with two
    // `yes` and another build beside it.
    org.assertj.core.api.Assertions.assertThat(
            caughtInOneOfThree(
                () ->
                    assertThatRunning(() -> Native.malloc(256))
                        .repeated(20)
                        .doesNotLeakNativeMemory()))
        .contains("native memory grew in")
        .matches("(?s).*slope \\d+ B/run \\(threshold 48 B.*");
    assertThatRunning(() -> Native.free(Native.malloc(64))).repeated(20).doesNotLeakNativeMemory();
  }

  @Test
  void singleRunUsesTheTolerances() {
    assertThatThrownBy(
            () -> assertThatRunning(() -> RETAINED.add(new byte[2_000_000])).doesNotLeakHeap())
        .hasMessageContaining("heap grew 2 MB");
    assertThatRunning(() -> RETAINED.add(new byte[1_000])).doesNotLeakHeap();
  }

  @Test
  void doesNotLeakDescriptors() throws Exception {
    Path file = file();
    assertThatThrownBy(
            () ->
                assertThatRunning(() -> OPEN.add(new FileInputStream(file.toFile())))
                    .doesNotLeakDescriptors())
        .hasMessageContaining("1 file descriptor leaked: ")
        .hasMessageContaining(file.toString());
    assertThatRunning(
            () -> {
              try (InputStream in = new FileInputStream(file.toFile())) {
                sink += in.read();
              }
            })
        .doesNotLeakDescriptors();
  }

  @Test
  void ignoringDescriptors() throws Exception {
    Path file = file();
    assertThatRunning(() -> OPEN.add(new FileInputStream(file.toFile())))
        .ignoringDescriptors(".*/data\\.txt")
        .doesNotLeakDescriptors();
  }

  @Test
  void doesNotLeakThreads() {
    assertThatThrownBy(
            () ->
                assertThatRunning(
                        () -> new Thread(MemoryAssertionsTest::awaitStop, "fluent-leaker").start())
                    .doesNotLeakThreads())
        .hasMessageContaining("1 thread leaked: \"fluent-leaker\"")
        .hasMessageContaining("awaitStop");
    stop.countDown();
    assertThatRunning(
            () -> {
              Thread t = new Thread(() -> sink++, "fluent-joined");
              t.start();
              t.join();
            })
        .doesNotLeakThreads();
  }

  @Test
  void ignoringThreads() {
    assertThatRunning(() -> new Thread(MemoryAssertionsTest::awaitStop, "pool-7-worker").start())
        .ignoringThreads("pool-\\d+-worker")
        .doesNotLeakThreads();
  }

  @Test
  void doesNotLeakBuffers() {
    assertThatThrownBy(
            () ->
                assertThatRunning(() -> RETAINED.add(ByteBuffer.allocateDirect(1000)))
                    .doesNotLeakBuffers())
        .hasMessageContaining("1 direct buffer leaked (+1,000 B)");
    assertThatRunning(() -> sink += ByteBuffer.allocateDirect(1000).capacity())
        .doesNotLeakBuffers();
  }

  @Test
  void doesNotLeakChecksEveryMeter() {
    assertThatThrownBy(
            () ->
                assertThatRunning(
                        () -> {
                          RETAINED.add(ByteBuffer.allocateDirect(1000));
                          new Thread(MemoryAssertionsTest::awaitStop, "all-leaker").start();
                        })
                    .repeated(10)
                    .warmup(2)
                    .doesNotLeak())
        .hasMessageContaining("thread")
        .hasMessageContaining("direct buffer");
    stop.countDown();
    assertThatRunning(() -> Native.free(Native.malloc(100))).repeated(10).warmup(2).doesNotLeak();
  }

  /** The code's exception is the cause, and the user's {@code as(...)} description is kept. */
  @Test
  void codeThatThrowsFailsWithItAsTheCause() {
    IllegalStateException boom = new IllegalStateException("boom");
    assertThatThrownBy(
            () ->
                assertThatRunning(
                        () -> {
                          throw boom;
                        })
                    .as("decoding a frame")
                    .repeated(5)
                    .doesNotLeak())
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "[decoding a frame] Expecting code not to throw, but run 1 of 10 threw"
                + " java.lang.IllegalStateException: boom")
        .hasCause(boom);
  }

  @Test
  void badArgumentsSayWhatIsAccepted() {
    assertThatThrownBy(() -> assertThatRunning(() -> {}).repeated(1))
        .hasMessageContaining("expected 0 (a single run) or at least 5 measured runs");
    assertThatThrownBy(() -> assertThatRunning(() -> {}).warmup(-1)).hasMessageContaining("≥ 0");
    assertThatThrownBy(() -> assertThatRunning(() -> {}).allocatesAtMost("lots"))
        .hasMessageContaining("is not a size");
  }

  @Test
  void allocatesAtMost() {
    assertThatThrownBy(
            () ->
                assertThatRunning(() -> RETAINED.add(new byte[1_000_000])).allocatesAtMost("1 MB"))
        .hasMessage(
            "Expecting code to allocate at most 1 MB but it allocated 1,000,016 B (1 MB) (bytes"
                + " allocated by the calling thread)");
    assertThatRunning(() -> RETAINED.add(new byte[999_000])).allocatesAtMost("1 MB");
    assertThatRunning(() -> {}).allocatesAtMost("0 B");
  }

  @Test
  void allocatesAtMostRepeatedTakesTheLargestRun() {
    int[] run = {0};
    assertThatThrownBy(
            () ->
                assertThatRunning(() -> sink += new byte[run[0]++ == 3 ? 5_000 : 10].length)
                    .repeated(5)
                    .allocatesAtMost("1 KB"))
        .hasMessageContaining("it allocated 5,016 B (5,016 B) in its largest of 5 runs");
  }

  @Test
  void referenceIsGarbageCollected() {
    WeakReference<Object> dropped = new WeakReference<>(new Object());
    assertThat(dropped).isGarbageCollected();

    Object kept = new StringBuilder("kept");
    RETAINED.add(kept);
    WeakReference<Object> held = new WeakReference<>(kept);
    // Elapsed time and GC calls as a busy machine gives them: one System.gc() took 0.4 s, "after
    // 0.4 s and 1 System.gc() call" (JDK 17, load 12). At least the 0.3 s bound, and the count in
    // words that agree with it.
    assertThatThrownBy(() -> assertThat(held).within(Duration.ofMillis(300)).isGarbageCollected())
        .hasMessageMatching(
            "(?s)Expecting the WeakReference to java\\.lang\\.StringBuilder@[0-9a-f]+ to be cleared"
                + " by garbage collection, but it was still reachable after (0\\.[3-9]|[1-9]\\d*\\.\\d)"
                + " s and (1 System\\.gc\\(\\) call|([2-9]|\\d{2,}) System\\.gc\\(\\) calls)\\..*a"
                + " static field.*")
        // what holds it, from a heap dump, leaving out the test's own local variable
        .hasMessageContaining("held by static MemoryAssertionsTest.RETAINED → ");
  }

  @Test
  void snapshotDiffAssertions() throws Exception {
    Path file = file();
    Snapshot before = Snapshot.take();
    OPEN.add(new FileInputStream(file.toFile()));
    Thread t = new Thread(MemoryAssertionsTest::awaitStop, "diff-leaker");
    t.start();
    RETAINED.add(ByteBuffer.allocateDirect(2000));
    RETAINED.add(new byte[3_000_000]);
    long p = Native.malloc(2_000_000);
    SnapshotDiff leaky = before.diff(Snapshot.take());
    Native.free(p);

    assertThatThrownBy(() -> assertThat(leaky).hasNoLeakedDescriptors())
        .hasMessageStartingWith("1 file descriptor leaked: ")
        .hasMessageContaining(file.toString());
    assertThatThrownBy(() -> assertThat(leaky).hasNoLeakedThreads())
        .hasMessageStartingWith("1 thread leaked: \"diff-leaker\"");
    assertThatThrownBy(() -> assertThat(leaky).hasNoLeakedBuffers())
        .hasMessageStartingWith("1 direct buffer leaked (+2,000 B)");
    assertThatThrownBy(() -> assertThat(leaky).hasHeapGrowthAtMost("1 MB"))
        .hasMessageStartingWith("heap grew ");
    assertThatThrownBy(() -> assertThat(leaky).hasNativeGrowthAtMost("1 MB"))
        .hasMessageStartingWith("native memory grew ")
        .hasMessageContaining("(tolerance 1 MB)");

    cleanUp();
    Snapshot clean = Snapshot.take();
    OPEN.add(new FileInputStream(file.toFile()));
    cleanUp();
    Settler.collectGarbage();
    SnapshotDiff closed = clean.diff(Snapshot.take());
    assertThat(closed)
        .hasNoLeakedDescriptors()
        .hasNoLeakedBuffers()
        .hasHeapGrowthAtMost("512 KB")
        .hasNativeGrowthAtMost("512 KB");
  }

  @Test
  void nativeFragmentation() {
    List<Long> blocks = new ArrayList<>();
    try {
      // 32 MB in 1 KB blocks, then every other one freed: half the arena is free in holes that
      // glibc cannot give back.
      for (int i = 0; i < 32_000; i++) {
        blocks.add(Native.malloc(1000));
      }
      for (int i = 0; i < blocks.size(); i += 2) {
        Native.free(blocks.get(i));
      }
      assertThatThrownBy(() -> assertThat(Snapshot.take()).nativeFragmentation().isLessThan(0.3))
          .hasMessageStartingWith(
              "Expecting native fragmentation (free bytes malloc holds / its arena) to be less"
                  + " than 0.300, but it was ")
          .hasMessageContaining("malloc arena");
    } finally {
      for (int i = 1; i < blocks.size(); i += 2) {
        Native.free(blocks.get(i));
      }
    }
  }

  /**
   * A heap full of live data is not fragmented: 256 MB in use in 4 KB blocks, none freed, puts the
   * ratio far below 0.3 whatever the JVM's own malloc arenas hold (their free share moved from 0.46
   * to 0.73 between two snapshots in one run, so a bound relative to "now" flaked).
   */
  @Test
  void nativeFragmentationBelowTheBoundPasses() {
    List<Long> blocks = new ArrayList<>();
    try {
      for (int i = 0; i < 65_536; i++) {
        blocks.add(Native.malloc(4096));
      }
      assertThat(Snapshot.take()).nativeFragmentation().isLessThan(0.3);
    } finally {
      blocks.forEach(Native::free);
    }
  }

  @Test
  void nativeFragmentationOfASmallArenaCannotBeJudged() {
    dev.noleaks.probe.MallocStats small =
        new dev.noleaks.probe.MallocStats(200_000, 10, 0, 0, 100_000, 100_000, 0);
    assertThatThrownBy(
            () ->
                new SnapshotAssert(Snapshot.now())
                    .nativeFragmentation(dev.noleaks.probe.Reading.of(small))
                    .isLessThan(0.9))
        .hasMessage(
            "Cannot judge native fragmentation: the malloc arena is 200 KB (100 KB of it free),"
                + " smaller than the 1 MB below which a free ratio swings with a single freed"
                + " block");
  }
}
