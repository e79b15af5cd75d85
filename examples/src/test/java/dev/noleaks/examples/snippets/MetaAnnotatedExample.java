package dev.noleaks.examples.snippets;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The meta-annotation of the docs on a leaky and a fixed test: SnippetsTest runs both. */
@ChecksHandles
class MetaAnnotatedExample {

  @TempDir Path dir;

  @Test
  void leakyStreamNeverClosed() throws IOException {
    Path file = Files.writeString(dir.resolve("meta.txt"), "x");
    new FileInputStream(file.toFile()).read();
  }

  @Test
  void fixedStreamClosed() throws IOException {
    Path file = Files.writeString(dir.resolve("meta.txt"), "x");
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      in.read();
    }
  }
}
