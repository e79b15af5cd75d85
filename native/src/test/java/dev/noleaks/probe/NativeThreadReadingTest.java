package dev.noleaks.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class NativeThreadReadingTest {

  private final Probe probe = Probe.current();

  private List<String> names() {
    return probe.nativeThreads().orElseThrow().stream().map(NativeThread::name).toList();
  }

  @Test
  void aStartedThreadShowsByNameUntilItExits() throws InterruptedException {
    String name = "nl-probe-" + (System.nanoTime() % 100_000); // <= 15 characters
    assertThat(names()).doesNotContain(name);

    Parked thread = Parked.start(name);
    assertThat(names()).contains(name);

    thread.end();
    // join returns when the Java thread has terminated; the kernel task goes a moment later
    await().atMost(Duration.ofSeconds(5)).until(() -> !names().contains(name));
  }

  @Test
  void theCountFollowsAThreadStartingAndExiting() throws InterruptedException {
    // The JVM starts and stops compiler threads of its own at any time, so an attempt in which
    // the count moved by more than this thread is tried again.
    boolean seen = false;
    for (int attempt = 0; attempt < 10 && !seen; attempt++) {
      int before = probe.nativeThreadCount().orElseThrow();
      Parked thread = Parked.start("nl-count");
      int during = probe.nativeThreadCount().orElseThrow();
      thread.end();
      await() // in this thread: Awaitility's own poller would be one more thread
          .pollInSameThread()
          .atMost(Duration.ofSeconds(5))
          .until(() -> probe.nativeThreadCount().orElseThrow() < during);
      seen = during == before + 1;
    }
    assertThat(seen).as("the count rose by exactly the one thread started").isTrue();
  }

  @Test
  void theCountIsTheNumberOfThreadsListed() {
    // The JVM may start or end a thread of its own in between, so a few tries.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                probe.nativeThreadCount().orElseThrow()
                    == probe.nativeThreads().orElseThrow().size());
  }

  @Test
  void numThreadsIsCountedFromTheLastParenthesisOfTheName() {
    byte[] stat =
        "4242 (a) b (c d) S 1 4242 4242 0 -1 4194560 5 0 0 0 1 2 0 0 20 0 37 0 100 2000 300"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(ThreadCountProbe.parse(stat, stat.length).orElseThrow()).isEqualTo(37);
    byte[] cut = "4242 (java) S 1 2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(ThreadCountProbe.parse(cut, cut.length).unavailableReason())
        .hasValue("unexpected /proc/self/stat content: no num_threads field");
  }

  @Test
  void includesThreadsJavaCannotSee() {
    assertThat(probe.nativeThreads().orElseThrow())
        .hasSizeGreaterThan(1)
        .anyMatch(t -> t.tid() == ProcessHandle.current().pid());
  }

  /** A started thread that waits until {@link #end()}. */
  private record Parked(Thread thread, CountDownLatch release) {
    static Parked start(String name) throws InterruptedException {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread thread =
          new Thread(
              () -> {
                started.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              name);
      thread.start();
      started.await();
      return new Parked(thread, release);
    }

    void end() throws InterruptedException {
      release.countDown();
      thread.join();
    }
  }
}
