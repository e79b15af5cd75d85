package dev.noleaks.examples;

import static dev.noleaks.assertions.MemoryAssertions.assertThatRunning;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 12 — a loop that builds a large list where streaming would do. Nothing leaks: the list
 * is garbage once the total is computed. But every line became a {@code String} and a {@code Long}
 * at once, and a service doing this per request needs a heap sized for the largest file. {@code
 * allocatesAtMost} measures what the calling thread allocated (exactly, from {@code ThreadMXBean})
 * and tells the two apart.
 */
class StreamingExample {

  private static final int LINES = 100_000;

  @TempDir Path dir;

  private Path amounts;

  @BeforeEach
  void writeAmounts() throws IOException {
    amounts =
        Files.writeString(
            dir.resolve("amounts.txt"),
            IntStream.range(0, LINES)
                .mapToObj(i -> Integer.toString(i % 1000))
                .collect(Collectors.joining("\n")));
  }

  /** Reads every line into a list, then sums the list. */
  static long totalFromList(Path file) throws IOException {
    List<Long> values = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      values.add(Long.parseLong(line));
    }
    long total = 0;
    for (long value : values) {
      total += value;
    }
    return total;
  }

  /** Streams the file through an 8 KB buffer, parsing digits as they come. */
  static long totalStreaming(Path file) throws IOException {
    long total = 0;
    long current = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 8192)) {
      for (int b = in.read(); b != -1; b = in.read()) {
        if (b == '\n') {
          total += current;
          current = 0;
        } else {
          current = current * 10 + (b - '0');
        }
      }
    }
    return total + current;
  }

  @Test
  void leakyLoopBuildsTheWholeList() {
    assertThatRunning(() -> totalFromList(amounts)).warmup(1).allocatesAtMost("1 MB");
  }

  @Test
  void fixedStreamingAllocatesLittle() {
    assertThatRunning(() -> totalStreaming(amounts)).warmup(1).allocatesAtMost("1 MB");
  }
}
