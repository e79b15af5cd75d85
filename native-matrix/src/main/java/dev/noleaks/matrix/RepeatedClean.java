package dev.noleaks.matrix;

import com.sun.jna.Native;
import dev.noleaks.junit.NoLeaks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The clean bodies of issue 12 in repeated mode ({@code repeat = 20, warmup = 5}): each must pass.
 */
final class RepeatedClean {

  private RepeatedClean() {}

  static class JitHeavyCode {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() {
      Facilities.sink(JitHeavy.work());
    }
  }

  /**
   * AWT, ImageIO, GZIP and logging: used for the first time in the JVM in the first warm-up run.
   */
  static class FirstUseOfLargeFacilities {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() throws Exception {
      Facilities.schemaStaxZipAndLogging();
    }
  }

  static class ThreadsJoined {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() throws InterruptedException {
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int n = i;
        Thread t = new Thread(() -> Facilities.sink(n), "joined-" + n);
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  static class ExecutorShutDown {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = i;
        results.add(pool.submit(() -> n * n));
      }
      for (Future<Integer> f : results) {
        Facilities.sink(f.get());
      }
      pool.shutdown();
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the pool did not end within 10 s");
      }
    }
  }

  static class JnaMallocAndFree {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() {
      Native.free(Native.malloc(64));
    }
  }
}
