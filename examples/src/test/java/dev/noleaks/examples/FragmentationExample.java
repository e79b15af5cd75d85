package dev.noleaks.examples;

import static dev.noleaks.MemoryAssertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.noleaks.Snapshot;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Scenario 11 — native heap fragmentation, the problem memory pools exist for. A batch of messages
 * is parsed with one 4 KB buffer per message and a 64-byte record kept from each; the buffers are
 * freed at the end of the batch. The records stay, scattered between 128 MB of holes, and malloc
 * can give none of it back: nothing leaked, yet the process holds 128 MB it does not use.
 *
 * <p>The same work from a pool — one reused buffer, the records in one slab — leaves no holes. The
 * fragmentation assertion ({@code fordblks / arena} from {@code mallinfo2}) tells them apart. A
 * JVM's own malloc heap is fragmented already (0.25 in a fresh JVM, 0.5 after a few hundred tests),
 * so the examples compare with the ratio before the work rather than with a fixed number.
 *
 * <p>glibc keeps an arena's size after the holes are freed, so the fragmented run's ratio outlives
 * it: the fixed version runs first (method names in alphabetical order).
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class FragmentationExample {

  private static final int MESSAGES = 32_768;

  private static final int MESSAGE_BYTES = 4_000;

  private static final int RECORD_BYTES = 64;

  /**
   * How much the work may raise the free ratio. The interleaved batch (128 MB of holes) raises it
   * by 0.4 or more; the JVM's own malloc traffic moved it by up to 0.13 around the pooled batch in
   * a long test JVM (1 run in 20 failed with 0.1).
   */
  private static final double ROOM = 0.2;

  /** Every message in a buffer of its own, freed only once the whole batch is parsed. */
  static Pointer[] parseBatchInterleaved() {
    Pointer[] buffers = new Pointer[MESSAGES];
    Pointer[] records = new Pointer[MESSAGES];
    for (int i = 0; i < MESSAGES; i++) {
      buffers[i] = LibC.INSTANCE.malloc(MESSAGE_BYTES);
      buffers[i].setInt(0, i);
      records[i] = LibC.INSTANCE.malloc(RECORD_BYTES);
      records[i].setInt(0, buffers[i].getInt(0));
    }
    for (Pointer buffer : buffers) {
      LibC.INSTANCE.free(buffer);
    }
    return records;
  }

  /** The same work with one reused buffer and the records in one slab. */
  static Memory parseBatchPooled() {
    Memory records = new Memory((long) MESSAGES * RECORD_BYTES);
    try (Memory buffer = new Memory(MESSAGE_BYTES)) {
      for (int i = 0; i < MESSAGES; i++) {
        buffer.setInt(0, i);
        records.setInt((long) i * RECORD_BYTES, buffer.getInt(0));
      }
    }
    return records;
  }

  static double freeRatio(Snapshot snapshot) {
    return snapshot.malloc().orElseThrow().freeRatio();
  }

  @Test
  void leakyInterleavedAllocationsFragmentTheHeap() {
    double before = freeRatio(Snapshot.take());
    Pointer[] records = parseBatchInterleaved();
    try {
      assertThat(Snapshot.take()).nativeFragmentation().isLessThan(before + ROOM);
    } finally {
      for (Pointer record : records) {
        LibC.INSTANCE.free(record);
      }
    }
  }

  @Test
  void fixedPooledAllocationsKeepTheHeapCompact() {
    double before = freeRatio(Snapshot.take());
    try (Memory records = parseBatchPooled()) {
      assertThat(Snapshot.take()).nativeFragmentation().isLessThan(before + ROOM);
    }
  }
}
