package dev.noleaks.examples;

import java.util.List;

/**
 * One failure mode of the catalogue: an example class whose {@code leaky…} tests must fail, naming
 * what leaked, and whose other tests (the fixed versions) must pass.
 *
 * @param title what goes wrong, in the words of the source material
 * @param example the example test class
 * @param leaks every leaky test of the class, with what its failure must say
 */
record Scenario(String title, Class<?> example, List<Leak> leaks) {

  /** The prefix of a leaky test's method name; every other test of an example must pass. */
  static final String LEAKY = "leaky";

  /**
   * A leaky test and the fragments its failure message must contain: what leaked, by name.
   *
   * @param method the test method's name
   * @param expected fragments of the failure message
   */
  record Leak(String method, List<String> expected) {}

  Scenario(String title, Class<?> example, Leak... leaks) {
    this(title, example, List.of(leaks));
  }

  static Leak leak(String method, String... expected) {
    return new Leak(method, List.of(expected));
  }

  static boolean isLeaky(String method) {
    return method.startsWith(LEAKY);
  }

  /** The example's source file, relative to the repository root. */
  String source() {
    return "examples/src/test/java/" + example.getName().replace('.', '/') + ".java";
  }

  @Override
  public String toString() {
    return title;
  }
}
