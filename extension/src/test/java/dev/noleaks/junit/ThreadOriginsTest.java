package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static dev.noleaks.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which code made a leaked thread: a real server started in a class's set-up, whose pool starts a
 * thread for the first connection a test makes, is not that test's leak (the server grows); a
 * thread the test's own code starts is, and the failure says where it was made.
 */
class ThreadOriginsTest {

  /**
   * A line server as test suites start them once per class (or per JVM): an acceptor thread hands
   * each connection to a cached pool, whose idle threads live on for a minute after their work.
   */
  static final class LineServer implements AutoCloseable {
    final ServerSocket socket;
    final ExecutorService pool = Executors.newCachedThreadPool();
    final Thread acceptor;

    LineServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = new Thread(this::accept, "line-server-acceptor");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          pool.execute(() -> answer(connection)); // the acceptor makes the pool's threads
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private static void answer(Socket connection) {
      try (connection;
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
        OutputStream out = connection.getOutputStream();
        out.write(("echo " + in.readLine() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        // the client went away
      }
    }

    String ask(String line) throws IOException {
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), socket.getLocalPort());
          PrintWriter out =
              new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8);
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        out.println(line);
        return in.readLine();
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      acceptor.join(5_000);
      pool.shutdownNow();
      assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  static LineServer server;

  /** A thread that waits until released, and the latch that releases the ones tests started. */
  static final CountDownLatch RELEASE = new CountDownLatch(1);

  @AfterAll
  static void releaseThreads() {
    RELEASE.countDown();
  }

  /** A class whose set-up starts a {@link LineServer} and whose tear-down stops it. */
  abstract static class WithALineServer {
    @BeforeAll
    static void startServer() throws IOException {
      server = new LineServer();
    }

    @AfterAll
    static void stopServer() throws Exception {
      server.close();
    }
  }

  @NoLeaks(checks = {Check.THREADS, Check.DESCRIPTORS})
  static class AsksAServerOfItsClass extends WithALineServer {
    @Test
    void asks() throws IOException {
      assertThat(server.ask("hello")).isEqualTo("echo hello");
    }
  }

  @NoLeaks(checks = {Check.THREADS, Check.DESCRIPTORS})
  static class StartsAThread {
    @Test
    void starts() {
      Thread t = new Thread(TestKit.awaiting(RELEASE), "started-by-the-test");
      t.setDaemon(true);
      t.start();
    }
  }

  @NoLeaks(checks = {Check.THREADS, Check.DESCRIPTORS})
  static class BlocksAThreadOfAPoolOfItsClass {
    static ExecutorService pool;

    @BeforeAll
    static void createPool() {
      pool = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void shutDownPool() throws InterruptedException {
      pool.shutdownNow();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void submitsWorkThatNeverEnds() {
      pool.execute(TestKit.awaiting(RELEASE)); // the test's thread makes the pool's thread
    }
  }

  /** A cached pool: each task that never ends takes a new thread, in every run. */
  @NoLeaks(checks = {Check.THREADS, Check.DESCRIPTORS})
  static class BlocksTwoThreadsOfItsOwnPool {
    static final ExecutorService POOL = Executors.newCachedThreadPool();

    @AfterAll
    static void shutDown() {
      POOL.shutdownNow();
    }

    @Test
    void submitsTwice() {
      POOL.execute(TestKit.awaiting(RELEASE));
      POOL.execute(TestKit.awaiting(RELEASE));
    }
  }

  /** The server's pool grows beside a thread made without inheriting thread-locals. */
  @NoLeaks(checks = {Check.THREADS, Check.DESCRIPTORS})
  static class AsksAndStartsAThreadThatInheritsNothing extends WithALineServer {
    @Test
    void asksAndStarts() throws IOException {
      assertThat(server.ask("hello")).isEqualTo("echo hello");
      Thread t = new Thread(null, TestKit.awaiting(RELEASE), "inherits-nothing", 0, false);
      t.setDaemon(true);
      t.start();
    }
  }

  /** A server the first test that needs it starts, for the rest of the JVM. */
  @NoLeaks(checks = {Check.THREADS, Check.DESCRIPTORS})
  static class StartsAServerOnFirstUse {
    static LineServer shared;

    @Test
    void asks() throws IOException {
      if (shared == null) {
        shared = new LineServer();
      }
      assertThat(shared.ask("hello")).isEqualTo("echo hello");
    }
  }

  /**
   * A fixed-size pool that the class set-up makes and its tear-down shuts down: each task starts a
   * worker until the pool is full, in the second run as in the first.
   */
  @NoLeaks
  static class SubmitsToAFixedPoolOfItsClass {
    static ExecutorService pool;

    @BeforeAll
    static void createPool() {
      pool = Executors.newFixedThreadPool(4);
    }

    @AfterAll
    static void shutDownPool() throws InterruptedException {
      pool.shutdown();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void first() throws Exception {
      assertThat(pool.submit(() -> 1).get()).isEqualTo(1);
    }

    @Test
    void second() throws Exception {
      assertThat(pool.submit(() -> 2).get()).isEqualTo(2);
    }

    @Test
    void third() throws Exception {
      assertThat(pool.submit(() -> 3).get()).isEqualTo(3);
    }
  }

  /** The same work on a pool made for every call and never shut down. */
  @NoLeaks
  static class MakesAPoolPerCall {
    static final java.util.List<ExecutorService> POOLS = new java.util.ArrayList<>();

    @Test
    void test() throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      POOLS.add(pool);
      assertThat(pool.submit(() -> 1).get()).isEqualTo(1);
    }
  }

  @AfterAll
  static void stopSharedServer() throws Exception {
    if (StartsAServerOnFirstUse.shared != null) {
      StartsAServerOnFirstUse.shared.close();
    }
    MakesAPoolPerCall.POOLS.forEach(ExecutorService::shutdown);
  }

  @Test
  void aFixedPoolOfTheClassGrowingToItsSizeIsNotALeakPerCall() {
    var results = assertPasses(SubmitsToAFixedPoolOfItsClass.class);
    // the first two tests each started two of the pool's four workers, one per run
    assertThat(reportEntries(results))
        .filteredOn(e -> e.getKey().equals("noleaks.note"))
        .hasSize(2)
        .allSatisfy(
            e ->
                assertThat(e.getValue())
                    .startsWith("retained once: it left 2 threads (\"pool-")
                    .contains("a second run left nothing of its own"));
    // a pool made per call parks its worker on a queue of its own
    assertThat(failureOf(MakesAPoolPerCall.class))
        .hasMessageContaining("1 thread leaked: \"pool-")
        .hasMessageContaining("the second run left 1 thread more: a leak per call");
  }

  @Test
  void aServerStartedOnceForTheJvmIsRetainedOnceNotALeak() {
    var results = assertPasses(StartsAServerOnFirstUse.class);
    assertThat(reportEntries(results))
        .anySatisfy(
            e ->
                assertThat(e.getValue())
                    // how many pool threads depends on timing: one more when the second run's
                    // connection came before the first's thread was idle again (seen under load)
                    .startsWith("retained once: it left ")
                    .contains("\"line-server-acceptor\"", "\"pool-", "(tcp listening on 127.0.0.1:")
                    .endsWith(
                        "all started by its first run or grown from what that run started; a second"
                            + " run left nothing of its own, so this is a first use (a server or pool"
                            + " started once for the JVM), not a leak per call"));
  }

  @Test
  void aPoolOfTheClassSetUpThatGrowsIsNotTheTestsLeak() {
    var results = assertPasses(AsksAServerOfItsClass.class);
    assertThat(reportEntries(results))
        .anySatisfy(
            e ->
                assertThat(e.getValue())
                    // one, or two when the second run's connection came before the first's
                    // pool thread was idle again
                    .containsPattern("^[12] threads? not this test's: \"pool-")
                    .contains("made by threads that the class set-up of AsksAServerOfItsClass"));
  }

  @Test
  void aThreadTheTestStartsSaysWhereItWasMade() {
    assertThat(failureOf(StartsAThread.class))
        .hasMessageContaining("1 thread leaked: \"started-by-the-test\"")
        .hasMessageContaining("the second run left 1 thread more: a leak per call")
        .hasMessageContaining(
            "made by thread \"main\" at dev.noleaks.junit.ThreadOriginsTest$StartsAThread.starts(ThreadOriginsTest.java:");
  }

  @Test
  void aPoolThreadTheTestMadeBusyIsItsLeakEvenInAPoolOfItsClass() {
    assertThat(failureOf(BlocksAThreadOfAPoolOfItsClass.class))
        .hasMessageContaining("1 thread leaked: \"pool-")
        .hasMessageContaining(
            "ThreadOriginsTest$BlocksAThreadOfAPoolOfItsClass.submitsWorkThatNeverEnds(ThreadOriginsTest.java:");
  }

  @Test
  void threadsMadeOnTwoLinesNameBoth() {
    assertThat(failureOf(BlocksTwoThreadsOfItsOwnPool.class))
        .hasMessageContaining("2 threads leaked: \"pool-")
        .hasMessageContaining("made by thread \"main\" at one of: ")
        .hasMessageContaining("BlocksTwoThreadsOfItsOwnPool.submitsTwice(ThreadOriginsTest.java:")
        .hasMessageNotContaining("made at:");
  }

  @Test
  void aThreadOfUnknownOriginIsNeverExcused() {
    assertThat(failureOf(AsksAndStartsAThreadThatInheritsNothing.class))
        .hasMessageContaining("\"inherits-nothing\"");
  }
}
