package dev.noleaks.examples;

import static dev.noleaks.MemoryAssertions.assertThatRunning;

import dev.noleaks.NoLeaks;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Scenario 9 — a direct buffer kept in a static field. {@link ByteBuffer#allocateDirect} takes
 * native memory outside the heap, released only when the buffer object is collected; a 16-byte
 * reference in a static field pins a megabyte that no heap dump shows as large.
 */
class DirectBufferExample {

  private static final int BUFFER_BYTES = 1024 * 1024;

  /** A "reusable" I/O buffer that outlives the work it was made for. */
  private static ByteBuffer scratch;

  /** The same, for the fluent version (one field each, so that neither frees the other's). */
  private static ByteBuffer spare;

  static long checksum(ByteBuffer buffer) {
    long sum = 0;
    for (int i = 0; i < buffer.capacity(); i += 4096) {
      sum += buffer.get(i);
    }
    return sum;
  }

  @Test
  @NoLeaks
  void leakyDirectBufferKeptInStaticField() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    checksum(buffer);
    scratch = buffer;
  }

  @Test
  void leakyDirectBufferKeptInStaticFieldFluent() {
    assertThatRunning(() -> spare = ByteBuffer.allocateDirect(BUFFER_BYTES)).doesNotLeakBuffers();
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
