package dev.noleaks;

/**
 * A JDK buffer pool ({@code direct} or {@code mapped}) at the moment of a snapshot.
 *
 * @param count number of buffers
 * @param bytes their total capacity in bytes
 */
public record BufferPool(long count, long bytes) {}
