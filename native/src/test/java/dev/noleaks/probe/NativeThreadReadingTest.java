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
    assertThat(names()).doesNotContain(name);

    thread.start();
    started.await();
    assertThat(names()).contains(name);

    release.countDown();
    thread.join();
    // join returns when the Java thread has terminated; the kernel task goes a moment later
    await().atMost(Duration.ofSeconds(5)).until(() -> !names().contains(name));
  }

  @Test
  void includesThreadsJavaCannotSee() {
    assertThat(probe.nativeThreads().orElseThrow())
        .hasSizeGreaterThan(1)
        .anyMatch(t -> t.tid() == ProcessHandle.current().pid());
  }
}
