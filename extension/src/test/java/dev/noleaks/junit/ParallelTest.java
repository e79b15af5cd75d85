package dev.noleaks.junit;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

/**
 * Under parallel execution, {@code @NoLeaks} tests take JUnit's global lock, so concurrent clean
 * tests that open files, start threads and allocate cannot be blamed on a leaky one, nor the other
 * way round.
 */
class ParallelTest {

  static final List<AutoCloseable> LEFT_OPEN = new ArrayList<>();
  static volatile CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseLeaks() throws Exception {
    for (AutoCloseable c : LEFT_OPEN) {
      c.close();
    }
    LEFT_OPEN.clear();
    release.countDown();
    release = new CountDownLatch(1);
  }

  /** Busy clean work: a file, a thread, a direct buffer and native memory, all released. */
  static void cleanWork(String name) throws Exception {
    Path file = Files.createTempFile("noleaks-parallel-" + name, ".txt");
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      in.read();
    } finally {
      Files.delete(file);
    }
    Thread worker = new Thread(() -> ByteBuffer.allocateDirect(4096).putInt(0, 1), name);
    worker.start();
    worker.join();
    long p = Native.malloc(4096);
    Native.free(p);
  }

  @NoLeaks
  static class Clean1 {
    @Test
    void work() throws Exception {
      cleanWork("clean-1");
    }

    @Test
    void moreWork() throws Exception {
      cleanWork("clean-1b");
    }
  }

  @NoLeaks
  static class Clean2 extends Clean1 {}

  @NoLeaks
  static class Clean3 extends Clean1 {}

  @NoLeaks
  static class Clean4 extends Clean1 {}

  @NoLeaks
  static class Clean5 extends Clean1 {}

  @NoLeaks
  static class Clean6 extends Clean1 {}

  @NoLeaks
  static class Clean7 extends Clean1 {}

  @NoLeaks
  static class Clean8 extends Clean1 {}

  @NoLeaks
  static class LeaksAFile {
    @Test
    void leak() throws IOException {
      Path file = Files.createTempFile("noleaks-parallel-leak", ".txt");
      file.toFile().deleteOnExit();
      LEFT_OPEN.add(new FileInputStream(file.toFile()));
    }
  }

  @NoLeaks
  static class LeaksAThread {
    @Test
    void leak() {
      Thread t = new Thread(TestKit.awaiting(release), "parallel-leak");
      t.setDaemon(true);
      t.start();
    }
  }

  @Test
  void onlyTheLeakyClassesAreBlamed() {
    EngineExecutionResults results =
        TestKit.run(
            List.of(
                Clean1.class,
                Clean2.class,
                Clean3.class,
                Clean4.class,
                LeaksAFile.class,
                Clean5.class,
                Clean6.class,
                LeaksAThread.class,
                Clean7.class,
                Clean8.class),
            "junit.jupiter.execution.parallel.enabled",
            "true",
            "junit.jupiter.execution.parallel.mode.default",
            "concurrent",
            "junit.jupiter.execution.parallel.mode.classes.default",
            "concurrent");
    List<Event> failed = results.testEvents().failed().list();
    assertThat(failed)
        .extracting(e -> e.getTestDescriptor().getUniqueId().toString())
        .hasSize(2)
        .anySatisfy(id -> assertThat(id).contains("LeaksAFile"))
        .anySatisfy(id -> assertThat(id).contains("LeaksAThread"));
    for (Event e : failed) {
      String message =
          e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage();
      if (e.getTestDescriptor().getUniqueId().toString().contains("LeaksAFile")) {
        assertThat(message).contains("noleaks-parallel-leak").doesNotContain("thread");
      } else {
        assertThat(message).contains("\"parallel-leak\"").doesNotContain("descriptor");
      }
    }
    assertThat(results.testEvents().succeeded().count()).isEqualTo(16);
  }
}
