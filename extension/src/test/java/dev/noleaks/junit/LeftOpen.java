package dev.noleaks.junit;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Files that fixtures open and leave open on purpose, closed after each test that made them. */
final class LeftOpen {

  private static final List<AutoCloseable> OPEN = new CopyOnWriteArrayList<>();

  private LeftOpen() {}

  /** Opens a new temporary file and keeps it open: a descriptor leak. */
  static void file() throws IOException {
    Path file = Files.createTempFile("noleaks-left-open", ".txt");
    file.toFile().deleteOnExit();
    OPEN.add(new FileInputStream(file.toFile()));
  }

  static void closeAll() throws Exception {
    for (AutoCloseable c : OPEN) {
      c.close();
    }
    OPEN.clear();
  }
}
