package dev.noleaks;

/**
 * Thrown when a test or an assertion leaked. The message lists every leak: what leaked, with
 * descriptor targets, thread names and stacks, the classes that grew, and the readings.
 */
public class LeakError extends AssertionError {

  private static final long serialVersionUID = 1L;

  public LeakError(String message) {
    super(message);
  }
}
