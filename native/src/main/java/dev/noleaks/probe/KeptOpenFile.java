package dev.noleaks.probe;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * A small {@code /proc/self} file kept open and re-read from offset 0: procfs regenerates the
 * content on each read at offset 0. Opened when a probe is created, before any baseline, so its
 * descriptor never shows as a leak.
 */
final class KeptOpenFile {

  private final String path;
  private final RandomAccessFile file;
  private final byte[] buffer;

  /**
   * @throws IOException when the file cannot be opened
   */
  KeptOpenFile(String path, int capacity) throws IOException {
    this.path = path;
    this.file = new RandomAccessFile(path, "r");
    this.buffer = new byte[capacity];
  }

  /**
   * Reads the whole file (at most the capacity) into a buffer kept for it and hands the text and
   * its length to {@code parse}; the reason when it cannot be read. Callers synchronise.
   */
  <T> Reading<T> read(Parser<T> parse) {
    int length;
    try {
      file.seek(0);
      length = file.read(buffer);
    } catch (IOException e) {
      return Reading.unavailable("cannot read " + path + ": " + e.getMessage());
    }
    return parse.parse(buffer, Math.max(length, 0));
  }

  /** Turns a file's text into a reading. */
  @FunctionalInterface
  interface Parser<T> {
    Reading<T> parse(byte[] text, int length);
  }
}
