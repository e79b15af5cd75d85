package dev.noleaks.examples;

import com.sun.jna.Memory;
import dev.noleaks.junit.NoLeaks;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenario 6 — an object pool whose objects are never returned. Pools of native buffers exist to
 * avoid a {@code malloc} per request; a pool grows when it runs dry, and it keeps every block it
 * made so that it can free them at shutdown. A block borrowed and not given back is therefore
 * neither reused nor freed: the pool makes another, and memory grows with every request.
 */
class PoolExample {

  /** A pool of 64 KB native blocks; 8 are made up front, more on demand. */
  static final class BlockPool {
    static final long BLOCK_BYTES = 64 * 1024;

    private final Deque<Memory> free = new ArrayDeque<>();
    private final List<Memory> all = new ArrayList<>();

    BlockPool(int initial) {
      for (int i = 0; i < initial; i++) {
        free.push(create());
      }
    }

    synchronized Memory borrow() {
      return free.isEmpty() ? create() : free.pop();
    }

    synchronized void giveBack(Memory block) {
      free.push(block);
    }

    private Memory create() {
      Memory block = new Memory(BLOCK_BYTES);
      all.add(block);
      return block;
    }
  }

  /** Made when the class loads, before NoLeaks takes its baseline. */
  private static final BlockPool POOL = new BlockPool(8);

  /** One request: encodes a reply in a pooled block. */
  static void encodeReply(Memory block, int request) {
    block.setString(0, "reply-" + request);
  }

  // --- leaky ---------------------------------------------------------------------------------

  /**
   * 32 requests, each borrowing a block it never gives back: the pool makes 24 new ones (1.5 MB).
   */
  @Test
  @NoLeaks
  void leakyBlocksNeverReturned() {
    for (int request = 0; request < 32; request++) {
      Memory block = POOL.borrow();
      encodeReply(block, request);
      // missing: POOL.giveBack(block)
    }
  }

  // --- fixed ---------------------------------------------------------------------------------

  /** The same 32 requests; each block goes back, so one block serves them all. */
  @Test
  @NoLeaks
  void fixedBlocksReturned() {
    for (int request = 0; request < 32; request++) {
      Memory block = POOL.borrow();
      try {
        encodeReply(block, request);
      } finally {
        POOL.giveBack(block);
      }
    }
  }
}
