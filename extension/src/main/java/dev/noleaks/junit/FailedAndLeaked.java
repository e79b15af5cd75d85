package dev.noleaks.junit;

import dev.noleaks.internal.config.Settings;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.AssertionFailedError;

/**
 * A test's own assertion failure, to which NoLeaks adds what the test also leaked, so that the
 * summary of a run (Surefire's, an IDE's) shows both in one message, the test's failure first.
 * JUnit keeps a test's exception as its failure and only attaches a later {@code AfterEach}
 * exception as suppressed, far down the trace; no callback runs late enough to change the message
 * of an exception that is not NoLeaks' own. So an assertion failure of a checked test is rethrown
 * as this copy of it (same message, stack trace, cause, suppressed exceptions and, for {@link
 * AssertionFailedError}, expected and actual values for an IDE's diff), whose message grows by the
 * leak findings once the test's check has run.
 */
final class FailedAndLeaked extends AssertionFailedError {

  private static final long serialVersionUID = 1L;

  private final String original;
  private volatile String leaks = "";

  private FailedAndLeaked(
      AssertionError failure,
      org.opentest4j.ValueWrapper expected,
      org.opentest4j.ValueWrapper actual) {
    // The wrappers themselves: a value that is not Serializable is held by its string form only.
    super(failure.getMessage(), expected, actual, failure.getCause());
    original = failure.getClass().getName();
    setStackTrace(failure.getStackTrace());
    for (Throwable s : failure.getSuppressed()) {
      addSuppressed(s);
    }
  }

  private FailedAndLeaked(AssertionError failure) {
    super(failure.getMessage(), failure.getCause());
    original = failure.getClass().getName();
    setStackTrace(failure.getStackTrace());
    for (Throwable s : failure.getSuppressed()) {
      addSuppressed(s);
    }
  }

  /**
   * Whether a test's exception is copied: a plain {@link AssertionError} or {@link
   * AssertionFailedError} (what {@code assert}, JUnit's and AssertJ's assertions throw). Assertion
   * errors of a class of their own ({@code MultipleFailuresError}, a framework's) carry more than a
   * copy keeps, and any other exception says something by its type (an {@code IOException} is an
   * error, not a failure): they stay as they are.
   */
  private static boolean copies(Throwable thrown) {
    return thrown != null
        && (thrown.getClass() == AssertionError.class
            || thrown.getClass() == AssertionFailedError.class);
  }

  /**
   * A copy of the test's failure that can take the leak findings later; empty when {@code thrown}
   * is not copied ({@link #copies}) or the check only warns, so fails nothing.
   */
  static Optional<FailedAndLeaked> of(Throwable thrown, Settings s) {
    if (s.warnOnly() || !copies(thrown)) {
      return Optional.empty();
    }
    AssertionError failure = (AssertionError) thrown;
    if (failure instanceof AssertionFailedError afe && afe.isExpectedDefined()) {
      return Optional.of(new FailedAndLeaked(failure, afe.getExpected(), afe.getActual()));
    }
    return Optional.of(new FailedAndLeaked(failure));
  }

  /** {@link #of}, kept in {@code store} for the test's check to add to. */
  static Optional<FailedAndLeaked> keptIn(
      ExtensionContext.Store store, Settings s, Throwable thrown) {
    Optional<FailedAndLeaked> copy = of(thrown, s);
    copy.ifPresent(c -> store.put(FailedAndLeaked.class, c));
    return copy;
  }

  /** The copy {@link #keptIn} kept, if it is the test's failure still (no longer kept after). */
  static Optional<FailedAndLeaked> takenFrom(ExtensionContext.Store store, ExtensionContext test) {
    return Optional.ofNullable(store.remove(FailedAndLeaked.class, FailedAndLeaked.class))
        .filter(copy -> test.getExecutionException().orElse(null) == copy);
  }

  /** Adds the leak findings after the test's own message. */
  void addLeaks(String message) {
    leaks = "\n\n" + message;
  }

  @Override
  public String getMessage() {
    String own = super.getMessage();
    return (own == null ? "" : own) + leaks;
  }

  /** Reads as the test's own failure: its class and the message. */
  @Override
  public String toString() {
    String message = getLocalizedMessage();
    return message == null || message.isEmpty() ? original : original + ": " + message;
  }
}
