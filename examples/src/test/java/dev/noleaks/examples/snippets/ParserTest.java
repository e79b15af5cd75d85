package dev.noleaks.examples.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noleaks.Check;
import dev.noleaks.junit.NoLeaks;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first example, quoted from here ({@code SnippetsTest} keeps the two the same). */
// snippet:use
@NoLeaks // every test in the class
class ParserTest {

  @TempDir Path dir;

  @Test
  void readsTheHeader() throws IOException {
    Path sample = Files.writeString(dir.resolve("sample.csv"), "id,name\n1,Ada\n");
    try (BufferedReader in = Files.newBufferedReader(sample)) { // closed: passes
      assertEquals("id,name", in.readLine());
    }
  }

  @Test
  @NoLeaks(skip = Check.HEAP, ignoreThreads = "pool-\\d+-thread-\\d+")
  void warmsTheCache() {
    Cache.warm(); // fills a static cache with a pool that lives as long as the JVM
  }
}

// end:use

/** What the example's second test warms: kept for the JVM's life on purpose. */
final class Cache {
  static final ExecutorService LOADERS = Executors.newFixedThreadPool(2);

  static void warm() {
    LOADERS.execute(() -> {});
  }

  private Cache() {}
}
