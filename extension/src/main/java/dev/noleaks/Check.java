package dev.noleaks;

import java.util.Locale;

/** What {@code @NoLeaks} checks. Every check is on unless switched off. */
public enum Check {
  /** Java heap retained after a full GC grew beyond the tolerance. */
  HEAP,
  /** Native {@code malloc} memory in use grew beyond the tolerance. */
  NATIVE,
  /** A file descriptor (file, socket, pipe, …) opened and not closed. */
  DESCRIPTORS,
  /** A thread started and still alive. */
  THREADS,
  /** A direct or mapped {@link java.nio.ByteBuffer} still reachable. */
  BUFFERS;

  /** The name used in configuration parameters and messages: {@code heap}, {@code native}, … */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
