package dev.noleaks.internal.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a heap leak's heap dump is for ({@code noleaks.heap.dump}): the live heap is dumped when a
 * check finds a heap leak, and the path that holds the growth is read from it; the dump is then
 * deleted, kept, or never taken.
 */
public enum HeapDump {
  /** Dump, name the path, delete the dump: the default. */
  ON_LEAK("on-leak"),
  /** Dump, name the path, keep the dump for a heap analyser (Eclipse MAT, VisualVM). */
  KEEP("keep"),
  /** No dump: the finding names the classes that grew, not what holds them. */
  NEVER("never");

  static final String FORM = "on-leak (the default), keep or never";

  private final String word;

  HeapDump(String word) {
    this.word = word;
  }

  public String word() {
    return word;
  }

  /**
   * Where dumps go: the build's output directory when the tests run in a Maven ({@code target}) or
   * Gradle ({@code build}) project, else the temporary directory; in a {@code noleaks} directory
   * only its owner can read, since a heap dump holds whatever the heap did (keys, passwords).
   */
  public static Path directory() {
    for (String output : new String[] {"target", "build"}) {
      if (Files.isDirectory(Path.of(output))) {
        return Path.of(output, "noleaks").toAbsolutePath();
      }
    }
    return Path.of(
        System.getProperty("java.io.tmpdir"), "noleaks-" + System.getProperty("user.name"));
  }
}
