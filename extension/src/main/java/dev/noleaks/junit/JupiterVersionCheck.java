package dev.noleaks.junit;

import java.lang.module.ModuleDescriptor;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails every {@link NoLeaks} test, before anything is measured, when the JUnit Jupiter on the test
 * class path is older than 5.13, with a message that names the version found and the one needed.
 *
 * <p>NoLeaks does not bring JUnit (the dependency is {@code provided}): the user's own JUnit runs
 * the tests, so that NoLeaks never mixes two JUnit versions on one class path. An older JUnit then
 * could run NoLeaks tests without a word; this check makes it say why they cannot. {@code @NoLeaks}
 * registers it before {@link NoLeaksExtension}, and so does extension auto-detection.
 */
public final class JupiterVersionCheck implements BeforeEachCallback {

  /** The oldest JUnit Jupiter NoLeaks runs on. */
  static final String REQUIRED = "5.13";

  /** A type JUnit Jupiter 5.13 added: present on 5.13 and every later version, 6.x included. */
  private static final String SINCE_REQUIRED = "org.junit.jupiter.api.ClassTemplate";

  /** The verdict about this class path's JUnit: empty when it is new enough. */
  private static final Optional<String> PROBLEM = problem();

  /** Created by JUnit. */
  public JupiterVersionCheck() {}

  /**
   * Fails the test when JUnit is too old and NoLeaks would check this test; a test NoLeaks leaves
   * alone (auto-detection without {@code noleaks.scope=all}) runs as it would without NoLeaks.
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (PROBLEM.isPresent() && TestSettings.of(context).isPresent()) {
      throw new ExtensionConfigurationException(PROBLEM.get());
    }
  }

  /**
   * Decides by the presence of a 5.13 type rather than by parsing a version string, which may be
   * missing (a repackaged jar) or have a form no rule foresaw; the version is only for the message.
   */
  private static Optional<String> problem() {
    try {
      Class.forName(SINCE_REQUIRED, false, Test.class.getClassLoader());
      return Optional.empty();
    } catch (ClassNotFoundException e) {
      return Optional.of(
          "NoLeaks needs JUnit Jupiter "
              + REQUIRED
              + " or newer (5.13+ or 6.x), but the tests run on JUnit Jupiter "
              + foundVersion()
              + " (junit-jupiter-api). Declare org.junit.jupiter:junit-jupiter "
              + REQUIRED
              + ".0 or newer, or import org.junit:junit-bom of that version.");
    }
  }

  /** The version in junit-jupiter-api's manifest or module descriptor, or what is known without. */
  static String foundVersion() {
    Module api = Test.class.getModule();
    return Optional.ofNullable(Test.class.getPackage().getImplementationVersion())
        .or(() -> Optional.ofNullable(api.getDescriptor()).flatMap(ModuleDescriptor::rawVersion))
        .orElse("older than " + REQUIRED + " (its version is not recorded)");
  }
}
