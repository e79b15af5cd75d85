package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static dev.noleaks.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A pool that NoLeaks reads no figure of: a server's own Netty allocator (not the default one),
 * whose event loops keep the chunks their connections took in thread-local magazines. Each run of
 * the test is served by the next loop, as connections are, so the second run grows the pool again.
 */
class PoolPathsTest {

  static final List<DefaultEventExecutor> LOOPS = new ArrayList<>();
  static final AtomicInteger RUNS = new AtomicInteger();
  static final List<ByteBuffer> KEPT = new ArrayList<>();

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
      KEPT.clear();
      RUNS.set(0);
    }
  }

  /** A request served on the next loop: buffers taken from the pool and all released. */
  static void serveOnTheNextLoop() throws InterruptedException {
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

  @Test
  void chunksAPoolsEventLoopsKeepInTheirMagazinesAreThePools() {
    assertThat(reportEntries(assertPasses(ServesARequest.class)))
        .anySatisfy(
            e ->
                assertThat(e.getValue())
                    .contains("held by a pool")
                    .contains("AdaptivePoolingAllocator$Magazine"));
  }

  @Test
  void aBufferKeptBesideThemIsStillALeak() {
    assertThat(failureOf(ServesARequestAndKeepsABuffer.class))
        .hasMessageContaining("direct buffer")
        .hasMessageContaining("held by static PoolPathsTest.KEPT");
  }
}
