package dev.noleaks.probe;

import com.sun.jna.Memory;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Small {@code /proc} files read with {@code open}/{@code read}/{@code close} into one buffer. */
final class ProcFiles {

  private final Memory buffer;
  private final byte[] bytes;

  ProcFiles(int capacity) {
    this.buffer = new Memory(capacity);
    this.bytes = new byte[capacity];
  }

  /**
   * Reads the file at {@code path} (at most the capacity) into {@link #bytes()}; returns the
   * length, or -1 when it cannot be opened or read (for example a thread that just exited).
   */
  int read(Memory path) {
    int fd = LibC.Posix.open(path, LibC.Posix.O_RDONLY | LibC.Posix.O_CLOEXEC);
    if (fd < 0) {
      return -1;
    }
    try {
      long length = LibC.Posix.read(fd, buffer, buffer.size());
      if (length < 0) {
        return -1;
      }
      buffer.read(0, bytes, 0, (int) length);
      return (int) length;
    } finally {
      LibC.Posix.close(fd);
    }
  }

  byte[] bytes() {
    return bytes;
  }

  /**
   * The numeric entries of a {@code /proc} directory ({@code fd}, {@code task}), sorted; empty when
   * it cannot be listed.
   */
  static java.util.Optional<int[]> numberedEntries(java.io.File directory) {
    String[] names = directory.list();
    if (names == null) {
      return java.util.Optional.empty();
    }
    int[] numbers = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      numbers[i] = Integer.parseInt(names[i]);
    }
    java.util.Arrays.sort(numbers);
    return java.util.Optional.of(numbers);
  }

  /**
   * The unsigned decimal number at {@code at} in {@code text} (up to {@code length}), or -1 when
   * there is no digit there.
   */
  static long decimalAt(byte[] text, int at, int length) {
    long value = -1;
    for (int i = at; i < length && text[i] >= '0' && text[i] <= '9'; i++) {
      value = Math.max(value, 0) * 10 + (text[i] - '0');
    }
    return value;
  }

  /** The charset the JVM uses for file names, so targets compare equal to {@code Path}s. */
  static Charset pathCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException unsupported) {
      return StandardCharsets.UTF_8;
    }
  }
}
