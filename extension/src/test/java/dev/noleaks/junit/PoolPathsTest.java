package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static dev.noleaks.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool that NoLeaks reads no figure of: a server's own Netty allocator (not the default one),
 * whose event loops keep the chunks their connections took in thread-local magazines. Each run of
 * the test is served by the next loop, as connections are, so the second run grows the pool again.
 */
class PoolPathsTest {

  static final List<DefaultEventExecutor> LOOPS = new ArrayList<>();
  static final AtomicInteger RUNS = new AtomicInteger();
  static final List<ByteBuffer> KEPT = new ArrayList<>();

  /**
   * Whether the JDK counted the pool's memory as direct buffers in the last run: JDK 17 does; on
   * JDK 25 Netty and the JDK's temporary buffers take memory the buffer pools do not count, and
   * there is then nothing to excuse (native memory only).
   */
  static volatile boolean counted;

  /** The server's allocator: NoLeaks reads Netty's default allocator's figure, not this one's. */
  static AdaptiveByteBufAllocator allocator;

  abstract static class WithTwoEventLoops {
    @BeforeAll
    static void startLoops() throws InterruptedException {
      allocator = new AdaptiveByteBufAllocator();
      for (int i = 0; i < 2; i++) {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        loop.submit(() -> {}).sync();
        LOOPS.add(loop);
      }
    }

    @AfterAll
    static void stopLoops() throws InterruptedException {
      for (DefaultEventExecutor loop : LOOPS) {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
      }
      LOOPS.clear();
      // Freed now: garbage buffers in the next class's baseline would hide what it keeps.
      KEPT.forEach(TestKit::free);
      KEPT.clear();
      RUNS.set(0);
    }
  }

  /** A request served on the next loop: buffers taken from the pool and all released. */
  static void serveOnTheNextLoop() throws InterruptedException {
    long before = directBuffers();
    DefaultEventExecutor loop = LOOPS.get(RUNS.getAndIncrement() % LOOPS.size());
    loop.submit(
            () -> {
              List<ByteBuf> held = new ArrayList<>();
              for (int i = 0; i < 64; i++) {
                held.add(allocator.directBuffer(16 * 1024).writeZero(16 * 1024));
              }
              held.forEach(ByteBuf::release);
            })
        .sync();
    counted = directBuffers() > before;
  }

  static long directBuffers() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct"))
        .mapToLong(BufferPoolMXBean::getCount)
        .sum();
  }

  @NoLeaks(checks = Check.BUFFERS)
  static class ServesARequest extends WithTwoEventLoops {
    @Test
    void test() throws InterruptedException {
      serveOnTheNextLoop();
    }
  }

  @NoLeaks(checks = Check.BUFFERS)
  static class ServesARequestAndKeepsABuffer extends WithTwoEventLoops {
    @Test
    void test() throws InterruptedException {
      serveOnTheNextLoop();
      KEPT.add(ByteBuffer.allocateDirect(64 * 1024));
    }
  }

  /**
   * A gathering write of heap buffers: the JDK copies each into a temporary direct buffer it keeps
   * in the writing thread's cache (up to 16); each run writes one buffer more than the last.
   */
  @NoLeaks(checks = Check.BUFFERS)
  static class WritesHeapBuffersToAChannel {
    @TempDir Path dir;

    @Test
    void test() throws IOException {
      ByteBuffer[] parts = new ByteBuffer[2 + RUNS.getAndIncrement()];
      for (int i = 0; i < parts.length; i++) {
        parts[i] = ByteBuffer.wrap(new byte[64 * 1024]);
      }
      long before = directBuffers();
      try (FileChannel out =
          FileChannel.open(
              dir.resolve("out.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        out.write(parts);
      }
      counted = directBuffers() > before;
    }
  }

  @Test
  void theJdksTemporaryBufferCacheIsAPool() {
    RUNS.set(0);
    var entries = reportEntries(assertPasses(WritesHeapBuffersToAChannel.class));
    RUNS.set(0);
    assertHeldByAPoolWhenCounted(entries, "Util$BufferCache");
  }

  @Test
  void chunksAPoolsEventLoopsKeepInTheirMagazinesAreThePools() {
    assertHeldByAPoolWhenCounted(
        reportEntries(assertPasses(ServesARequest.class)), "AdaptivePoolingAllocator$Magazine");
  }

  /** The note that names the pool when the JDK counted its buffers; no such note otherwise. */
  private static void assertHeldByAPoolWhenCounted(
      List<java.util.Map.Entry<String, String>> entries, String pool) {
    if (counted) {
      assertThat(entries)
          .anySatisfy(e -> assertThat(e.getValue()).contains("held by a pool").contains(pool));
    } else {
      assertThat(entries).noneSatisfy(e -> assertThat(e.getValue()).contains("held by a pool"));
    }
  }

  /**
   * A pool of the code's own, unknown to NoLeaks: it keeps the buffers it took for reuse, per size,
   * and each run asks for a size it has not kept yet (as a server's first requests of a kind do).
   */
  static final class OwnPool {
    static final java.util.Map<Integer, List<ByteBuffer>> FREE = new java.util.HashMap<>();

    static void borrowAndGiveBack(int size) {
      List<ByteBuffer> free = FREE.computeIfAbsent(size, k -> new ArrayList<>());
      ByteBuffer b = free.isEmpty() ? ByteBuffer.allocateDirect(size) : free.remove(0);
      free.add(b);
    }
  }

  @NoLeaks(checks = Check.BUFFERS)
  static class UsesItsOwnPool {
    @Test
    void test() {
      OwnPool.borrowAndGiveBack((1 + RUNS.getAndIncrement()) * 64 * 1024);
    }
  }

  @Test
  void aPoolOfTheCodesOwnIsNamedInNoleaksPools() {
    String pool = OwnPool.class.getName();
    try {
      RUNS.set(0);
      assertThat(failureOf(UsesItsOwnPool.class))
          .hasMessageContaining("direct buffer")
          .hasMessageContaining("PoolPathsTest$OwnPool.FREE");
      emptyOwnPool();
      assertThat(reportEntries(assertPasses(UsesItsOwnPool.class, "noleaks.pools", pool)))
          .anySatisfy(
              e ->
                  assertThat(e.getValue())
                      .contains("held by a pool")
                      .contains("PoolPathsTest$OwnPool.FREE"));
    } finally {
      emptyOwnPool();
    }
  }

  private static void emptyOwnPool() {
    RUNS.set(0);
    OwnPool.FREE.values().forEach(l -> l.forEach(TestKit::free));
    OwnPool.FREE.clear();
  }

  @Test
  void aPoolThatIsNotAClassNameIsRefused() {
    assertThat(failureOf(UsesItsOwnPool.class, "noleaks.pools", "com.example.Pool, my pool"))
        .hasMessageContaining(
            "noleaks.pools: \"my pool\" (in \"com.example.Pool, my pool\") is not valid; expected"
                + " comma-separated class names");
    RUNS.set(0);
  }

  @Test
  void aBufferKeptBesideThemIsStillALeak() {
    assertThat(failureOf(ServesARequestAndKeepsABuffer.class))
        .hasMessageContaining("direct buffer")
        .hasMessageContaining("held by static PoolPathsTest.KEPT");
  }
}
