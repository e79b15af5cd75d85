package dev.noleaks.probe;

import com.sun.jna.Memory;
import java.nio.charset.StandardCharsets;

/**
 * A NUL-terminated path in native memory allocated once, rewritten for each call: passing a {@code
 * String} to a directly mapped function would {@code malloc} a C string per call.
 */
final class CPath {

  private final String prefix;
  private final String suffix;
  private final Memory memory;
  private final byte[] bytes;

  /** Paths of the form {@code prefix + name + suffix}, {@code name} at most 20 ASCII characters. */
  CPath(String prefix, String suffix) {
    this.prefix = prefix;
    this.suffix = suffix;
    this.bytes = new byte[prefix.length() + 20 + suffix.length() + 1];
    this.memory = new Memory(bytes.length);
  }

  /**
   * Writes {@code prefix + name + suffix} and a NUL; returns the memory, valid until the next call.
   */
  Memory of(String name) {
    int length = 0;
    length = put(prefix, length);
    length = put(name, length);
    length = put(suffix, length);
    bytes[length++] = 0;
    memory.write(0, bytes, 0, length);
    return memory;
  }

  private int put(String part, int at) {
    if (at + part.length() >= bytes.length) {
      throw new IllegalArgumentException("path too long: " + prefix + part + suffix);
    }
    byte[] ascii = part.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(ascii, 0, bytes, at, ascii.length);
    return at + ascii.length;
  }
}
