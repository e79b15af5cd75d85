package dev.noleaks.examples;

import static dev.noleaks.assertions.MemoryAssertions.assertThatRunning;

import dev.noleaks.junit.NoLeaks;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenario 9 — a direct buffer kept in a static field. {@link ByteBuffer#allocateDirect} takes
 * native memory outside the heap, released only when the buffer object is collected; a 16-byte
 * reference in a static field pins a megabyte that no heap dump shows as large.
 */
class DirectBufferExample {

  private static final int BUFFER_BYTES = 1024 * 1024;

  /** "Reusable" I/O buffers, one more per call, that outlive the work they were made for. */
  private static final List<ByteBuffer> SCRATCH = new ArrayList<>();

  /** The same, for the fluent version (one list each, so that neither holds the other's). */
  private static final List<ByteBuffer> SPARE = new ArrayList<>();

  static long checksum(ByteBuffer buffer) {
    long sum = 0;
    for (int i = 0; i < buffer.capacity(); i += 4096) {
      sum += buffer.get(i);
    }
    return sum;
  }

  @Test
  @NoLeaks
  void leakyDirectBufferKeptInStaticList() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    checksum(buffer);
    SCRATCH.add(buffer);
  }

  @Test
  void leakyDirectBufferKeptInStaticListFluent() {
    assertThatRunning(() -> SPARE.add(ByteBuffer.allocateDirect(BUFFER_BYTES)))
        .doesNotLeakBuffers();
  }

  @Test
  @NoLeaks
  void fixedDirectBufferDropped() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    checksum(buffer);
  }

  @Test
  void fixedDirectBufferDroppedFluent() {
    assertThatRunning(() -> checksum(ByteBuffer.allocateDirect(BUFFER_BYTES))).doesNotLeakBuffers();
  }
}
