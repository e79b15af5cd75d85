package dev.noleaks.matrix;

import static dev.noleaks.matrix.Kept.FOUR_MB;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.noleaks.junit.NoLeaks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * The clean twins of issue 12, default settings: each must pass. They free what they allocate, or
 * use JDK facilities whose first use in a JVM is not a leak, or start threads they wait for.
 */
final class SingleRunClean {

  private SingleRunClean() {}

  @NoLeaks
  static class JitHeavyCode {
    @Test
    void test() {
      int sum = 0;
      for (int i = 0; i < 60; i++) {
        sum += JitHeavy.work();
      }
      Facilities.sink(sum);
    }
  }

  /** XML, XSLT and XPath, crypto, time zones and locale data, for the first time in the JVM. */
  @NoLeaks
  static class FirstUseOfLargeFacilities {
    @Test
    void test() throws Exception {
      Facilities.xml();
      Facilities.crypto();
      Facilities.timeAndLocales();
    }
  }

  @NoLeaks
  static class ThreadsJoined {
    @Test
    void test() throws InterruptedException {
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Thread t = new Thread(() -> Facilities.sink(JitHeavy.work()), "joined-" + i);
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  @NoLeaks
  static class ExecutorShutDown {
    @Test
    void test() throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(JitHeavy::work));
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

  @NoLeaks
  static class JnaMallocAndFree {
    @Test
    void test() {
      Native.free(Native.malloc(FOUR_MB));
    }
  }

  @NoLeaks
  static class JnaMemoryClosed {
    @Test
    void test() {
      try (Memory m = new Memory(FOUR_MB)) {
        m.setByte(0, (byte) 1);
      }
    }
  }

  @NoLeaks
  static class LibcInterfaceMallocAndFree {
    @Test
    void test() {
      Kept.LibC.C.free(Kept.LibC.C.malloc(FOUR_MB));
    }
  }

  @NoLeaks
  static class UnsafeMemoryFreed {
    @Test
    void test() {
      Kept.UNSAFE.freeMemory(Kept.UNSAFE.allocateMemory(FOUR_MB));
    }
  }

  @NoLeaks
  static class TenDeflatersEnded {
    @Test
    void test() {
      for (int i = 0; i < 10; i++) {
        Deflater d = new Deflater();
        d.setInput(new byte[1024]);
        d.finish();
        d.deflate(new byte[2048]);
        d.end();
      }
    }
  }
}
