package dev.noleaks.examples.snippets;

import dev.noleaks.junit.NoLeaks;
import org.junit.jupiter.api.Test;

/** The repeated-mode example of docs/repeated-mode.md. */
class RepeatedSnippet {

  private final Parser parser = new Parser();
  private final String doc = "<doc/>";

  // snippet:repeated
  @Test
  @NoLeaks(repeat = 20, warmup = 5)
  void parsesWithoutLeaking() {
    parser.parse(doc);
  }

  // end:repeated

  /** A stand-in for the code under test. */
  static final class Parser {
    int parse(String doc) {
      return doc.length();
    }
  }
}
