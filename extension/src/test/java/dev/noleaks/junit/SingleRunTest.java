package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import dev.noleaks.LeakError;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Real leaky tests fail with a message that names what leaked; their fixed twins pass. The fixtures
 * are nested classes (Surefire does not run them on their own) run through the Test Kit.
 */
class SingleRunTest {

  /** Leaked state of the leaky fixtures, released after each test so the next one starts clean. */
  static final List<AutoCloseable> LEFT_OPEN = new ArrayList<>();

  static final List<Object> RETAINED = new ArrayList<>();
  static final List<Long> MALLOCED = new ArrayList<>();
  static volatile CountDownLatch stopThreads = new CountDownLatch(1);
  static Path dataFile;

  @AfterEach
  void releaseLeaks() throws Exception {
    for (AutoCloseable c : LEFT_OPEN) {
      c.close();
    }
    LEFT_OPEN.clear();
    RETAINED.clear();
    MALLOCED.forEach(Native::free);
    MALLOCED.clear();
    stopThreads.countDown();
    stopThreads = new CountDownLatch(1);
  }

  static Path dataFile() throws IOException {
    if (dataFile == null) {
      dataFile = Files.createTempFile("noleaks-data", ".log");
      dataFile.toFile().deleteOnExit();
    }
    return dataFile;
  }

  // --- descriptors

  @NoLeaks
  static class FileLeak {
    @Test
    void opensAndForgets() throws IOException {
      LEFT_OPEN.add(new FileInputStream(dataFile().toFile()));
    }
  }

  @NoLeaks
  static class FileFixed {
    @Test
    void opensAndCloses() throws IOException {
      try (FileInputStream in = new FileInputStream(dataFile().toFile())) {
        in.read();
      }
    }
  }

  @Test
  void unclosedFileInputStreamIsNamedByPath() throws IOException {
    Throwable failure = failureOf(FileLeak.class);
    assertThat(failure)
        .isInstanceOf(LeakError.class)
        .hasMessageContaining("1 file descriptor leaked: " + dataFile().toRealPath() + " (file)");
    assertPasses(FileFixed.class);
  }

  @NoLeaks
  static class FileDroppedUnclosed {
    @Test
    void readsAndDrops() throws IOException {
      new FileInputStream(dataFile().toFile()).read();
    }
  }

  @NoLeaks
  static class FileClosedByAnotherThreadLater {
    @Test
    void handsTheStreamToAThreadThatClosesIt() throws IOException {
      FileInputStream in = new FileInputStream(dataFile().toFile());
      Thread closer =
          new Thread(
              () -> {
                try {
                  Thread.sleep(50);
                  in.close();
                } catch (IOException | InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              },
              "late-closer");
      closer.start();
    }
  }

  @Test
  void aStreamLeftForTheGarbageCollectorToCloseIsCaught() throws IOException {
    assertThat(failureOf(FileDroppedUnclosed.class))
        .hasMessageContaining(
            "1 file descriptor never closed, released only when the garbage collector ran: "
                + dataFile().toRealPath()
                + " (file)");
    assertPasses(FileClosedByAnotherThreadLater.class);
  }

  static Path openedBeforeTheTest;

  @NoLeaks
  static class DeletesAFileThatWasAlreadyOpen {
    @Test
    void deletes() throws IOException {
      Files.delete(openedBeforeTheTest);
    }
  }

  @Test
  void aDescriptorWhoseFileIsDeletedIsStillTheSameDescriptor() throws IOException {
    openedBeforeTheTest = Files.createTempFile("noleaks-deleted", ".jar");
    LEFT_OPEN.add(new FileInputStream(openedBeforeTheTest.toFile()));
    assertPasses(DeletesAFileThatWasAlreadyOpen.class);
  }

  @NoLeaks
  static class ServerSocketLeak {
    @Test
    void listensAndForgets() throws IOException {
      LEFT_OPEN.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    }
  }

  @NoLeaks
  static class ServerSocketFixed {
    @Test
    void listensAndCloses() throws IOException {
      try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        assertThat(server.getLocalPort()).isPositive();
      }
    }
  }

  @Test
  void unclosedServerSocketIsNamedAsSocketWithWhatItListensOn() {
    assertThat(failureOf(ServerSocketLeak.class))
        .hasMessageContaining("1 file descriptor leaked: socket:[")
        .hasMessageContaining("] (tcp listening on 127.0.0.1:");
    assertPasses(ServerSocketFixed.class);
  }

  // --- threads

  @NoLeaks
  static class ThreadLeak {
    @Test
    void startsAndForgets() {
      Thread t = new Thread(SingleRunTest::awaitStop, "leaky-worker");
      t.setDaemon(true);
      t.start();
    }
  }

  @NoLeaks
  static class ThreadFixed {
    @Test
    void startsAndJoins() throws InterruptedException {
      Thread t = new Thread(() -> {}, "joined-worker");
      t.start();
      t.join();
    }
  }

  static void awaitStop() {
    try {
      stopThreads.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void leakedThreadIsShownWithStateAndStack() {
    assertThat(failureOf(ThreadLeak.class))
        .hasMessageContaining("1 thread leaked: \"leaky-worker\"")
        .hasMessageContaining(
            "it ran a second time to tell a first use from a leak, and the second run left 1 thread"
                + " more: a leak per call (the findings above are the first run's)")
        .hasMessageContaining(
            "\"leaky-worker\" daemon WAITING in dev.noleaks.junit.SingleRunTest.awaitStop(SingleRunTest.java:")
        .hasMessageContaining("at java.util.concurrent.CountDownLatch.await(CountDownLatch.java:")
        .hasMessageContaining("SingleRunTest.awaitStop");
    assertPasses(ThreadFixed.class);
  }

  // --- heap

  record Session(long id, byte[] state) {}

  @NoLeaks
  static class HeapLeak {
    @Test
    void keepsSessions() {
      // 136 B a byte[]: 1.36 MB a run, clear of the 1 MB boundary (with 100 B, 10,000 arrays read
      // +1 MB or +999.9 KB by a few dozen arrays other code made since the last histogram).
      for (int i = 0; i < 10_000; i++) {
        RETAINED.add(new Session(i, new byte[120]));
      }
    }
  }

  @NoLeaks
  static class HeapFixed {
    @Test
    void dropsSessions() {
      List<Session> sessions = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        sessions.add(new Session(i, new byte[100]));
      }
      assertThat(sessions).hasSize(10_000);
    }
  }

  @Test
  void heapGrowthNamesTheClassesThatGrew() {
    assertThat(failureOf(HeapLeak.class))
        .hasMessageContaining("heap grew ")
        .hasMessageContaining("+10,000 dev.noleaks.junit.SingleRunTest$Session (+")
        // Counted against the last histogram NoLeaks took, which may be a few tests old: the
        // leak's own classes are exact, classes others touched since are close.
        .hasMessageMatching("(?s).*\\+[\\d,]+ byte\\[] \\(\\+1(\\.\\d)? MB\\).*")
        .hasMessageContaining("tolerance 512 KB");
    assertPasses(HeapFixed.class);
  }

  /** A 2 MB fixture built by @BeforeEach and kept in a field is the test's data, not growth. */
  @NoLeaks
  static class FixtureKeptInAField {
    byte[] fixture;

    @BeforeEach
    void load() {
      fixture = new byte[2 << 20];
    }

    @Test
    void readsIt() {
      assertThat(fixture).hasSize(2 << 20);
    }

    @Test
    void readsItAgain() {
      assertThat(fixture[0]).isZero();
    }
  }

  /**
   * A 2 MB fixture of small arrays that @BeforeEach builds on a pool thread, for the second test
   * only: right after a test without it, so a heap baseline derived from that test's reading must
   * count what other threads allocated, or the fixture would look like growth.
   */
  @NoLeaks
  @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
  static class FixtureBuiltOnAnotherThread {
    List<byte[]> fixture = List.of();

    @BeforeEach
    void load(org.junit.jupiter.api.TestInfo test) {
      if (test.getTestMethod().orElseThrow().getName().equals("b")) {
        fixture =
            java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                      List<byte[]> parts = new ArrayList<>();
                      for (int i = 0; i < 200; i++) {
                        parts.add(new byte[10_000]);
                      }
                      return parts;
                    })
                .join();
      }
    }

    @Test
    void a() {
      assertThat(fixture).isEmpty();
    }

    @Test
    void b() {
      assertThat(fixture).hasSize(200);
    }
  }

  /** The same fixture, but the test also keeps 2 MB in a static list. */
  @NoLeaks
  static class FixtureAndLeak {
    byte[] fixture;

    @BeforeEach
    void load() {
      fixture = new byte[2 << 20];
    }

    @Test
    void keepsMore() {
      RETAINED.add(new long[1 << 18]);
    }
  }

  /** What the test adds to a static cache and @AfterEach clears is not growth. */
  @NoLeaks
  static class CacheClearedAfterEach {
    static final List<Object> CACHE = new ArrayList<>();

    @Test
    void fillsTheCache() {
      CACHE.add(new byte[2 << 20]);
    }

    @AfterEach
    void clearTheCache() {
      CACHE.clear();
    }
  }

  @Test
  void heapIsMeasuredFromAfterSetUpToAfterTearDown() {
    assertPasses(FixtureKeptInAField.class);
    assertPasses(FixtureBuiltOnAnotherThread.class);
    assertPasses(CacheClearedAfterEach.class);
    // G1 keeps a 2 MB array in whole regions, so heap used may grow by more than the array.
    assertThat(failureOf(FixtureAndLeak.class))
        .hasMessageContaining("heap grew ")
        .hasMessageContaining(": +1 long[] (+2.1 MB)")
        .hasMessageNotContaining("byte[]");
  }

  /** A server opened in @BeforeEach and never closed is still the test's leak. */
  @NoLeaks
  static class ServerOpenedInSetUp {
    @BeforeEach
    void open() throws IOException {
      LEFT_OPEN.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    }

    @Test
    void usesIt() {
      assertThat(LEFT_OPEN).isNotEmpty();
    }
  }

  @Test
  void descriptorsAreMeasuredFromBeforeSetUp() {
    assertThat(failureOf(ServerOpenedInSetUp.class))
        .hasMessageContaining("1 file descriptor leaked: socket:[");
  }

  // --- native

  @NoLeaks
  static class NativeLeak {
    @Test
    void mallocsAndForgets() {
      MALLOCED.add(Native.malloc(1 << 20));
    }
  }

  @NoLeaks
  static class NativeFixed {
    @Test
    void mallocsAndFrees() {
      long p = Native.malloc(1 << 20);
      Native.free(p);
    }
  }

  @Test
  void nativeGrowthShowsTheReadings() {
    assertThat(failureOf(NativeLeak.class))
        .hasMessageMatching(
            "(?s).*native memory grew [\\d.]+ [KM]B \\(tolerance 512 KB\\): malloc in use (less the JVM's own )?[\\d,]+ B"
                + " before, [\\d,]+ B after\n\\s+glibc in use [\\d,]+ → [\\d,]+ B(, the JVM's own"
                + " \\(NMT\\) [\\d,]+ → [\\d,]+ B)?, native threads \\d+ → \\d+.*");
    assertPasses(NativeFixed.class);
  }

  // --- buffers

  @NoLeaks
  static class DirectBufferLeak {
    @Test
    void keepsBuffer() {
      RETAINED.add(ByteBuffer.allocateDirect(1 << 20));
    }
  }

  @NoLeaks
  static class DirectBufferFixed {
    @Test
    void dropsBuffer() {
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      buffer.putLong(0, 42);
    }
  }

  @Test
  void directBufferKeptInAStaticIsCaught() {
    assertThat(failureOf(DirectBufferLeak.class))
        .hasMessageContaining("1 direct buffer leaked (+1 MB)");
    assertPasses(DirectBufferFixed.class);
  }

  // --- clean twins never fail

  @Test
  void everyFixedTwinPassesTwentyTimesInARow() {
    for (int run = 0; run < 20; run++) {
      for (Class<?> fixed :
          List.of(
              FileFixed.class,
              ServerSocketFixed.class,
              ThreadFixed.class,
              HeapFixed.class,
              FixtureKeptInAField.class,
              FixtureBuiltOnAnotherThread.class,
              CacheClearedAfterEach.class,
              NativeFixed.class,
              DirectBufferFixed.class)) {
        assertPasses(fixed);
      }
    }
  }

  // --- cost

  /** Thirty small clean tests. */
  @NoLeaks
  static class ThirtyCleanTests {
    @org.junit.jupiter.api.RepeatedTest(30)
    void appends() {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 100; i++) {
        b.append(i);
      }
      assertThat(b).isNotEmpty();
    }
  }

  /**
   * A clean test that allocates little runs no GC after it (its allocations bound the heap's
   * growth), and its baseline is derived or estimated from the last GC: JUnit's and NoLeaks' own
   * allocations, ~170 KB per test here, once needed a GC every second test. What remains are the
   * JVM's own young collections and a GC where a thread ended (its allocation counter went with
   * it).
   */
  @Test
  void smallCleanTestsInARowRunAlmostNoGc() {
    assertPasses(ThirtyCleanTests.class); // settles JUnit's and the JIT's first-use state
    long before = collections();
    assertPasses(ThirtyCleanTests.class);
    long gcs = collections() - before;
    assertThat(gcs).as("GCs for 30 clean tests").isLessThanOrEqualTo(5L);
  }

  /**
   * Twenty small tests keep 40 KB each (800 KB over them, each under the tolerance), then a test
   * allocates 2 MB and keeps none of it.
   */
  @NoLeaks
  @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
  static class KeptByEarlierTestsThenChurns {
    static volatile Object sink;

    @org.junit.jupiter.api.RepeatedTest(20)
    void a() {
      RETAINED.add(new byte[40_000]);
    }

    @Test
    void b() {
      for (int i = 0; i < 250; i++) {
        sink = new long[1000]; // 8 KB each
      }
      sink = null;
    }
  }

  /**
   * Six small tests keep 150 KB each (900 KB since the class's first GC, each under the tolerance),
   * then a clean test allocates 2 MB and cannot run twice.
   */
  @NoLeaks
  @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
  static class KeptByEarlierTestsThenOnceOnly {
    static final java.util.concurrent.atomic.AtomicInteger RUNS =
        new java.util.concurrent.atomic.AtomicInteger();
    static volatile Object sink;

    @org.junit.jupiter.api.RepeatedTest(6)
    void a() {
      RETAINED.add(new byte[150_000]);
    }

    @Test
    void b() {
      if (RUNS.incrementAndGet() > 1) {
        throw new IllegalStateException("runs once only");
      }
      for (int i = 0; i < 250; i++) {
        sink = new long[1000]; // 8 KB each
      }
      sink = null;
    }
  }

  /**
   * Its baseline was estimated, so it runs again to measure the heap; that run throws: the heap is
   * said not judged, and nothing the aborted run did is blamed on the test, which passes.
   */
  @Test
  void aSecondRunForTheHeapAloneThatThrowsLeavesTheHeapNotJudged() {
    KeptByEarlierTestsThenOnceOnly.RUNS.set(0);
    var results = assertPasses(KeptByEarlierTestsThenOnceOnly.class);
    assertThat(KeptByEarlierTestsThenOnceOnly.RUNS).hasValue(2);
    assertThat(TestKit.reportEntries(results))
        .filteredOn(e -> e.getKey().equals("noleaks.note"))
        .map(java.util.Map.Entry::getValue)
        .anySatisfy(
            note ->
                assertThat(note)
                    .startsWith("Its heap was not judged")
                    .contains("runs once only")
                    .contains("what that run left is not judged either"));
  }

  /**
   * The larger test's baseline is estimated from the last GC (many small tests since), so its
   * growth from the lowest possible baseline holds what the small tests kept, and it runs again:
   * its second run keeps nothing, and what its first run seemed to grow is not called a first use
   * of its own.
   */
  @Test
  void whatEarlierTestsKeptIsNotALargerTestsFirstUse() {
    var results = assertPasses(KeptByEarlierTestsThenChurns.class);
    assertThat(TestKit.reportEntries(results))
        .filteredOn(e -> e.getKey().equals("noleaks.note"))
        .map(java.util.Map.Entry::getValue)
        .noneMatch(note -> note.startsWith("retained once"));
  }

  /** A clean test that allocates 400 KB of garbage and keeps none of it. */
  @NoLeaks
  static class AllocatesMuch {
    static volatile Object sink;

    @Test
    void churns() {
      for (int i = 0; i < 50; i++) {
        sink = new long[1000]; // 8 KB each
      }
      sink = null;
    }
  }

  /**
   * Judged without a GC: the after-reading says so with its bound. Not every one of the 30: a test
   * during which a thread ended (JDK 25's JIT stops idle compiler threads; its allocation counter
   * went with it) or native memory moved before any GC (the JIT's arenas, without NMT's help under
   * load) takes the full check; on JDK 25 under a load of 4.7 the first of the 30 did, once in 10
   * builds.
   */
  @Test
  void aTestThatAllocatedLittleIsJudgedWithoutAGcAfterIt() {
    assertThat(afterReadings(assertPasses(ThirtyCleanTests.class)))
        .filteredOn(r -> r.contains("heapBound=") && r.contains("(not after GC)"))
        .hasSizeGreaterThanOrEqualTo(25);
  }

  /**
   * A test that allocated more than the bound gets a full GC right after its run (to decide whether
   * it runs a second time), and the end of its check is bounded from that GC's reading: the bound
   * is then below the 400 KB it allocated.
   */
  @Test
  void aTestThatAllocatedMoreThanTheBoundIsJudgedFromAGcAfterItsRun() {
    String after = afterReadings(assertPasses(AllocatesMuch.class)).get(0);
    java.util.regex.Matcher bound = Pattern.compile("heapBound=(-?\\d+)").matcher(after);
    assertThat(bound.find()).as(after).isTrue();
    assertThat(Long.parseLong(bound.group(1))).as(after).isLessThan(400_000);
  }

  /** Keeps 160 KB: under the 256 KB bound, above its own 64 KB tolerance. */
  @NoLeaks(heapTolerance = "64 KB")
  static class SmallLeakWithSmallTolerance {
    @Test
    void keeps() {
      for (int i = 0; i < 20; i++) {
        RETAINED.add(new long[1000]);
      }
    }
  }

  @Test
  void theBoundWithoutAGcIsTheHeapToleranceWhenThatIsSmaller() {
    assertThat(failureOf(SmallLeakWithSmallTolerance.class))
        .hasMessageContaining("SmallLeakWithSmallTolerance.keeps() leaked")
        .hasMessageContaining("heap grew ")
        .hasMessageMatching("(?s).*\\+20 long\\[] \\(\\+160(\\.\\d)? KB\\).*");
  }

  private static List<String> afterReadings(
      org.junit.platform.testkit.engine.EngineExecutionResults results) {
    return TestKit.reportEntries(results).stream()
        .filter(e -> e.getKey().equals("noleaks.after"))
        .map(java.util.Map.Entry::getValue)
        .toList();
  }

  /** Five clean tests, then one that keeps 800 KB: the derived baselines must not hide it. */
  @NoLeaks
  @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
  static class LeakAfterCleanTests {
    @Test
    void a1() {}

    @Test
    void a2() {}

    @Test
    void a3() {}

    @Test
    void a4() {}

    @Test
    void a5() {}

    @Test
    void b() {
      for (int i = 0; i < 100; i++) {
        RETAINED.add(new long[1000]); // 8 KB each: no humongous object
      }
    }
  }

  /**
   * Also when the tests before released more than it leaks since the last GC (an earlier class's
   * fixture, released after its tests): no baseline estimated across that is taken as the lowest.
   */
  @Test
  void aLeakJustAboveTheToleranceAfterCleanTestsIsCaught() {
    assertPasses(KeptByEarlierTestsThenChurns.class); // keeps 800 KB...
    RETAINED.clear(); // ...released after its last GC
    var events = TestKit.run(LeakAfterCleanTests.class).testEvents();
    assertThat(events.succeeded().count()).isEqualTo(5);
    assertThat(failureOf(LeakAfterCleanTests.class))
        .hasMessageContaining("LeakAfterCleanTests.b() leaked")
        .hasMessageContaining("heap grew ")
        .hasMessageMatching("(?s).*\\+1\\d\\d long\\[] \\(\\+8\\d\\d(\\.\\d)? KB\\).*");
  }

  private static long collections() {
    return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount)
        .sum();
  }

  // --- the test's own failure comes first

  @NoLeaks
  static class FailingAndLeaking {
    @Test
    void failsAndLeaks() throws IOException {
      LEFT_OPEN.add(new FileInputStream(dataFile().toFile()));
      throw new AssertionFailedError("the test's own assertion");
    }
  }

  @Test
  void aFailingTestKeepsItsOwnFailureAndCarriesTheLeak() {
    Throwable failure = failureOf(FailingAndLeaking.class);
    assertThat(failure)
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageStartingWith(
            "the test's own assertion\n\nFailingAndLeaking.failsAndLeaks() leaked (1 finding):")
        .hasMessageContaining("1 file descriptor leaked: ");
    assertThat(failure.getSuppressed()).isEmpty();
  }
}
