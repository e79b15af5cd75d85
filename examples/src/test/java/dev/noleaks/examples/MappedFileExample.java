package dev.noleaks.examples;

import dev.noleaks.junit.NoLeaks;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 8 — a memory-mapped file kept mapped. Java has no {@code munmap} ({@code
 * UnmapViewOfFile}): a mapping lasts until its {@link MappedByteBuffer} is garbage collected, even
 * after the channel that made it is closed. A buffer kept in a static field keeps the file mapped
 * (and, on Windows, undeletable) for the life of the JVM.
 */
class MappedFileExample {

  private static final int FILE_BYTES = 1024 * 1024;

  /** Indexes "cached" for later lookups, one more per call: the mappings are never released. */
  private static final List<MappedByteBuffer> INDEXES = new ArrayList<>();

  @TempDir Path dir;

  private Path file;

  @BeforeEach
  void writeIndexFile() throws IOException {
    file = Files.write(dir.resolve("prices.idx"), new byte[FILE_BYTES]);
  }

  static MappedByteBuffer map(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return channel.map(MapMode.READ_ONLY, 0, channel.size());
    }
  }

  @Test
  @NoLeaks
  void leakyMappingKeptInStaticList() throws IOException {
    MappedByteBuffer mapped = map(file);
    mapped.get(FILE_BYTES / 2);
    INDEXES.add(mapped); // the channel is closed, the mapping lives on
  }

  /** The buffer is only a local: once the test drops it, the collector unmaps the file. */
  @Test
  @NoLeaks
  void fixedMappingDropped() throws IOException {
    MappedByteBuffer mapped = map(file);
    mapped.get(FILE_BYTES / 2);
  }
}
