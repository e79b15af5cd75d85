package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real pooled allocator: Netty's default allocator, used on an event loop a class set-up started,
 * as servers under test do. The chunks it adds while a test runs are kept for reuse, not leaked; a
 * buffer the test keeps beside them is.
 */
class PoolsTest {

  static DefaultEventExecutor loop;
  static final List<ByteBuffer> KEPT = new ArrayList<>();

  /** An event loop as a server's: started by the class set-up, allocating from Netty's pool. */
  abstract static class WithAnEventLoop {
    @BeforeAll
    static void startLoop() throws InterruptedException {
      loop = new DefaultEventExecutor();
      loop.submit(() -> {}).sync();
    }

    @AfterAll
    static void stopLoop() throws InterruptedException {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
      KEPT.clear();
    }
  }

  /** Many 16 KB buffers at once on the loop, all released: the pool keeps the chunks it added. */
  static void allocateOnTheLoop() throws InterruptedException {
    allocateOnTheLoop(true);
  }

  static void allocateOnTheLoop(boolean direct) throws InterruptedException {
    loop.submit(
            () -> {
              List<ByteBuf> held = new ArrayList<>();
              for (int i = 0; i < 64; i++) {
                ByteBuf b =
                    direct
                        ? ByteBufAllocator.DEFAULT.directBuffer(16 * 1024)
                        : ByteBufAllocator.DEFAULT.heapBuffer(16 * 1024);
                held.add(b.writeZero(16 * 1024));
              }
              held.forEach(ByteBuf::release);
            })
        .sync();
  }

  static final List<byte[]> KEPT_ON_THE_HEAP = new ArrayList<>();

  @NoLeaks(checks = Check.HEAP, rerun = NoLeaks.Rerun.NEVER)
  static class AllocatesHeapBuffersThroughThePool extends WithAnEventLoop {
    @Test
    void allocates() throws InterruptedException {
      allocateOnTheLoop(false);
    }
  }

  @NoLeaks(checks = Check.HEAP, rerun = NoLeaks.Rerun.NEVER)
  static class AllocatesHeapBuffersThroughThePoolAndKeepsAnArray extends WithAnEventLoop {
    @Test
    void allocatesAndKeeps() throws InterruptedException {
      allocateOnTheLoop(false);
      KEPT_ON_THE_HEAP.add(new byte[768 * 1024]);
    }
  }

  // Run once: the rule is the pool's, not the second run's.
  @NoLeaks(
      checks = {Check.BUFFERS, Check.NATIVE},
      rerun = NoLeaks.Rerun.NEVER)
  static class AllocatesThroughThePool extends WithAnEventLoop {
    @Test
    void allocates() throws InterruptedException {
      allocateOnTheLoop();
    }
  }

  @NoLeaks(
      checks = {Check.BUFFERS, Check.NATIVE},
      rerun = NoLeaks.Rerun.NEVER)
  static class AllocatesThroughThePoolAndKeepsABuffer extends WithAnEventLoop {
    @Test
    void allocatesAndKeeps() throws InterruptedException {
      allocateOnTheLoop();
      KEPT.add(ByteBuffer.allocateDirect(4096));
    }
  }

  @Test
  void chunksThePoolAddsAreNotALeak() {
    var entries = TestKit.reportEntries(assertPasses(AllocatesThroughThePool.class));
    // It passed though the pool grew, by chunks the JDK counts as direct buffers (JDK 17) or not
    // (JDK 25: then as native memory only).
    String before = value(entries, "noleaks.before");
    String after = value(entries, "noleaks.after");
    assertThat(figure(after, "pooledDirect=")).isGreaterThan(figure(before, "pooledDirect="));
  }

  private static String value(List<java.util.Map.Entry<String, String>> entries, String key) {
    return entries.stream()
        .filter(e -> e.getKey().equals(key))
        .map(java.util.Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + key + " in " + entries));
  }

  /** The count before the slash, or the number, after {@code name} in a readings line. */
  private static long figure(String readings, String name) {
    String rest = readings.substring(readings.indexOf(name) + name.length());
    return Long.parseLong(rest.split("[/ ]")[0]);
  }

  @Test
  void heapChunksThePoolAddsAreNotALeak() {
    var entries = TestKit.reportEntries(assertPasses(AllocatesHeapBuffersThroughThePool.class));
    assertThat(figure(value(entries, "noleaks.after"), "pooledHeap="))
        .isGreaterThan(figure(value(entries, "noleaks.before"), "pooledHeap=") + 512 * 1024);
  }

  @Test
  void anArrayKeptBesideThePoolsHeapChunksIsALeak() {
    assertThat(failureOf(AllocatesHeapBuffersThroughThePoolAndKeepsAnArray.class))
        .hasMessageContaining("heap grew");
    KEPT_ON_THE_HEAP.clear();
  }

  @Test
  void aBufferKeptBesideThePoolsChunksIsALeak() {
    assertThat(failureOf(AllocatesThroughThePoolAndKeepsABuffer.class))
        .hasMessageContaining("direct buffer")
        .hasMessageContaining("leaked");
  }
}
