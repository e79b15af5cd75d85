package dev.noleaks.examples;

import static dev.noleaks.assertions.MemoryAssertions.assertThatRunning;

import dev.noleaks.junit.NoLeaks;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Scenario 5 — threads started and never stopped. A thread is a GC root: it keeps itself, its
 * stack, everything its task refers to and (when it is not a daemon) the JVM alive. An idle pool's
 * workers wait for work forever unless the pool is shut down.
 */
class ThreadsExample {

  /** A background worker that takes events off a queue until it is interrupted. */
  static Thread startPoller(BlockingQueue<String> events) {
    Thread poller =
        new Thread(
            () -> {
              try {
                while (true) {
                  events.take();
                }
              } catch (InterruptedException stop) {
                // asked to stop
              }
            },
            "metrics-poller");
    poller.start();
    return poller;
  }

  static void computeReport(ExecutorService pool) throws Exception {
    pool.submit(() -> 6 * 7).get();
    pool.submit(() -> 6 * 9).get();
  }

  /** Runs one task on the timer and waits for it: the timer's thread then waits for the next. */
  static void sendReport(Timer timer) throws InterruptedException {
    CountDownLatch sent = new CountDownLatch(1);
    timer.schedule(
        new TimerTask() {
          @Override
          public void run() {
            sent.countDown();
          }
        },
        0);
    sent.await();
  }

  // --- leaky ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void leakyThreadNeverStopped() {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    startPoller(events);
    events.add("started");
    // missing: interrupt and join
  }

  @Test
  @NoLeaks
  void leakyExecutorNeverShutDown() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    computeReport(pool);
    // missing: shutdown and awaitTermination
  }

  /**
   * A timer used once and never cancelled. Its thread waits for tasks until the JDK's cleaner for
   * the unreachable {@code Timer} stops it, which happens only when some GC runs: NoLeaks' own GC
   * would hide it, so it is caught by what the thread did before that GC.
   */
  @Test
  @NoLeaks
  void leakyTimerNeverCancelled() throws InterruptedException {
    sendReport(new Timer());
    // missing: timer.cancel()
  }

  /**
   * An executor dropped without {@code shutdown()}: the wrapper {@code newSingleThreadExecutor}
   * returns shuts its worker down when the GC finds it unreachable, and not before.
   */
  @Test
  @NoLeaks
  void leakyExecutorLeftToTheGarbageCollector() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    pool.submit(() -> 6 * 7).get();
    // missing: shutdown and awaitTermination
  }

  /** The same leak through the fluent assertion: the code under test, not the whole test. */
  @Test
  void leakyThreadNeverStoppedFluent() {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    assertThatRunning(() -> startPoller(events)).doesNotLeakThreads();
  }

  // --- fixed ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void fixedThreadStoppedAndJoined() throws InterruptedException {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    Thread poller = startPoller(events);
    try {
      events.add("started");
    } finally {
      poller.interrupt();
      poller.join();
    }
  }

  @Test
  @NoLeaks
  void fixedTimerCancelled() throws InterruptedException {
    Timer timer = new Timer();
    try {
      sendReport(timer);
    } finally {
      timer.cancel();
    }
  }

  @Test
  @NoLeaks
  void fixedSingleThreadExecutorShutDown() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> 6 * 7).get();
    } finally {
      pool.shutdown();
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void fixedThreadStoppedAndJoinedFluent() {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    assertThatRunning(
            () -> {
              Thread poller = startPoller(events);
              poller.interrupt();
              poller.join();
            })
        .doesNotLeakThreads();
  }

  @Test
  @NoLeaks
  void fixedExecutorShutDown() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      computeReport(pool);
    } finally {
      pool.shutdown();
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    }
  }
}
