package dev.noleaks.matrix;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Frees what a fixture kept. Written before {@code @NoLeaks} on a class, it is registered first, so
 * its after-each callback runs after NoLeaks' (JUnit runs after-callbacks in reverse order of
 * registration): NoLeaks has judged the test by then.
 */
public final class FreedAfterTheCheck implements AfterEachCallback {

  @Override
  public void afterEach(ExtensionContext context) {
    Kept.freeAll();
  }
}
